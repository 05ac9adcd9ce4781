"""How much slower the course runs beside busy neighbours, for each threading choice.

A class JupyterHub or a laptop with a browser open shares its cores. PyTorch's default on a 2-core
machine is two threads that spin-wait for each other at every parallel region; when a neighbour takes
one core, the other thread spins for nothing (the issue measured lesson 05 at 88 minutes instead of
2½). This command runs a workload in a fresh process for each threading choice, first on its own and
then beside N busy-loop processes that it starts and stops itself, alternating the choices (A B A B)
so that both see the same machine, and prints the median time and the slowdown.

    python benchmarks/bench_load.py                          # lesson 05's GPT training step, 2 neighbours
    python benchmarks/bench_load.py --workload lstm --neighbours 2 4
    python benchmarks/bench_load.py --workload generate --rounds 5
    python benchmarks/bench_load.py --workload lesson:05     # a whole lesson (minutes), COURSE_FAST unset

Choices: ``course`` (what ``import course`` sets up, and the training loop's ``FreeCores``, which gives
up threads while neighbours hold cores: see ``course/threads.py``), ``torch-default`` (PyTorch's own
choice: as many threads as cores, OpenMP's default wait policy), ``2-passive`` (two threads that sleep
at once instead of spinning: the course's setting before 2026-12-02), ``1-thread``, and ``spin:N`` (a
thread per core, always, each spinning N times before it sleeps: ``spin:1000`` was the course's setting
from 2026-12-02 to 2026-12-03). The training step runs at lesson 05's precision (``--precision``). The
neighbours are ``while True: pass`` loops with a hard time limit, so nothing outlives the benchmark even
if it is killed.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# Each choice: the environment of the workload process (set before torch is imported) and the thread
# count it asks for (None: leave it to course / PyTorch).
CHOICES = {
    "course": ({}, None),
    "torch-default": ({"COURSE_THREADS": "torch"}, None),
    "2-passive": ({"OMP_WAIT_POLICY": "PASSIVE", "COURSE_THREADS": "torch"}, 2),
    "1-thread": ({"COURSE_THREADS": "torch"}, 1),
}

WORKLOAD = r'''
import os, sys, time
threads = sys.argv[2]
import course  # sets the course's threading policy, unless COURSE_THREADS=torch
import torch
if threads != "None":
    torch.set_num_threads(int(threads))
kind, steps = sys.argv[1], int(sys.argv[3])
torch.manual_seed(0)
if kind in ("gpt", "generate"):
    from course.gpt import GPT, GPTConfig, LESSON_CONFIG, LESSON_BATCH
    model = GPT(GPTConfig(vocab_size=65, block_size=LESSON_BATCH["block_size"] if kind == "gpt" else 512,
                          **LESSON_CONFIG))
    B, T = LESSON_BATCH["batch_size"], LESSON_BATCH["block_size"]
elif kind == "lstm":
    from course.lstm import CharLSTM, CharLSTMConfig
    model = CharLSTM(CharLSTMConfig(vocab_size=65))
    B, T = 32, 64
if kind == "generate":
    model.eval()
    def step():
        model.generate(torch.zeros(1, 1, dtype=torch.long), 100)
else:
    from course.train import _float32_context, autocast, configure_optimizer, resolve_precision
    opt = configure_optimizer(model, 0.1, 1e-3, (0.9, 0.99))
    x = torch.randint(65, (B, T)); y = torch.randint(65, (B, T))
    precision = resolve_precision(sys.argv[4], "cpu")
    def step():  # as course.train.train's steps
        with autocast(precision, "cpu") if precision == "bfloat16" else _float32_context("cpu"):
            _, loss = model(x, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
step()  # warm-up
# as course.train.train follows the free cores (generate follows them itself)
follow = course.threads.FreeCores() if kind != "generate" else None
start = time.perf_counter()
for _ in range(steps):
    step()
    if follow is not None:
        follow.step()
spin = os.environ.get("GOMP_SPINCOUNT")
policy = os.environ.get("OMP_WAIT_POLICY", "-") + (f"+spin{spin}" if spin else "")
print((time.perf_counter() - start) / steps, torch.get_num_threads(), policy)
'''


def choice_settings(choice: str) -> tuple[dict, int | None]:
    """A choice's environment and thread count: one of CHOICES, or ``spin:N`` (a thread per core, always,
    ``OMP_WAIT_POLICY=PASSIVE`` with ``GOMP_SPINCOUNT=N``)."""
    if choice.startswith("spin:") and choice[5:].isdigit():
        return {"OMP_WAIT_POLICY": "PASSIVE", "GOMP_SPINCOUNT": choice[5:], "COURSE_THREADS": str(os.cpu_count())}, None
    if choice not in CHOICES:
        raise SystemExit(f"unknown choice {choice!r}: one of {', '.join(CHOICES)}, or spin:N (N a whole number)")
    return CHOICES[choice]


def run_workload(workload: str, choice: str, steps: int, timeout: float, precision: str = "auto") -> tuple[float, str]:
    """Seconds per step (or for a whole lesson) of one fresh process, and its 'threads/policy'."""
    extra, threads = choice_settings(choice)
    env = {k: v for k, v in os.environ.items()
           if k not in ("OMP_NUM_THREADS", "OMP_WAIT_POLICY", "GOMP_SPINCOUNT", "COURSE_THREADS")}
    env.update(extra)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    if workload.startswith("lesson:"):
        return run_lesson(workload.split(":", 1)[1], env, threads, timeout), "-"
    out = subprocess.run([sys.executable, "-c", WORKLOAD, workload, str(threads), str(steps), precision], env=env,
                         capture_output=True, text=True, timeout=timeout, check=True).stdout.split()
    return float(out[0]), f"{out[1]}/{out[2]}"


def run_lesson(lesson: str, env: dict, threads, timeout: float) -> float:
    """Wall time of executing a lesson's solution notebook top to bottom (nbclient), COURSE_FAST unset."""
    import nbformat
    from nbclient import NotebookClient

    env.pop("COURSE_FAST", None)
    if threads is not None:
        env["OMP_NUM_THREADS"] = str(threads)
    path = next((REPO / "solutions").glob(f"{lesson}*/*.ipynb"))
    nb = nbformat.read(path, as_version=4)
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)  # the kernel inherits this process's environment
    try:
        start = time.perf_counter()
        NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True,
                       resources={"metadata": {"path": str(path.parent)}}).execute()
        return time.perf_counter() - start
    finally:
        os.environ.clear()
        os.environ.update(saved)


class Neighbours:
    """N busy-loop processes, each killed by its own alarm after ``limit`` seconds at the latest."""

    def __init__(self, n: int, limit: float):
        code = f"import signal; signal.alarm({int(limit)})\nwhile True: pass"
        self.procs = [subprocess.Popen([sys.executable, "-c", code]) for _ in range(n)]

    def __enter__(self):
        time.sleep(0.5)  # let them reach the scheduler
        return self

    def __exit__(self, *exc):
        for p in self.procs:
            p.kill()
        for p in self.procs:
            p.wait()


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--workload", default="gpt", help="gpt (training step), lstm (training step), generate "
                   "(100 tokens with the KV cache) or lesson:NN (a whole lesson)")
    p.add_argument("--choices", nargs="+", default=list(CHOICES),
                   help=f"threading choices: {', '.join(CHOICES)} (default all), or spin:N (the course's "
                        f"threads, passive wait after N spins)")
    p.add_argument("--precision", choices=("auto", "float32", "bfloat16"), default="auto",
                   help="training steps' precision (default auto, as lesson 05: bfloat16 where native)")
    p.add_argument("--neighbours", type=int, nargs="+", default=[2], help="busy processes beside it (default 2)")
    p.add_argument("--rounds", type=int, default=3, help="alternating rounds per setting (median)")
    p.add_argument("--steps", type=int, default=30, help="steps timed per run (after one warm-up)")
    p.add_argument("--timeout", type=float, default=1800, help="seconds before a run is abandoned")
    args = p.parse_args(argv)
    for choice in args.choices:
        choice_settings(choice)

    print(f"workload {args.workload}, {os.cpu_count()} CPUs, {args.rounds} alternating rounds, medians; "
          f"load average before: {' / '.join(f'{x:.2f}' for x in os.getloadavg())}")
    settings = [0] + [n for n in args.neighbours if n > 0]
    times = {(c, n): [] for c in args.choices for n in settings}
    shown = {}
    loads = {n: [] for n in settings}
    for n in settings:
        for _ in range(args.rounds):
            for choice in args.choices:  # A B A B: every choice sees the same machine
                if n:
                    with Neighbours(n, args.timeout + 60):
                        seconds, shown[choice] = run_workload(args.workload, choice, args.steps, args.timeout, args.precision)
                else:
                    seconds, shown[choice] = run_workload(args.workload, choice, args.steps, args.timeout, args.precision)
                times[choice, n].append(seconds)
                loads[n].append(os.getloadavg()[0])
    unit = "s" if args.workload.startswith("lesson:") else "ms"
    scale = 1 if unit == "s" else 1e3
    head = " | ".join(f"{n} busy ({unit})" + (" | slowdown" if n else "") for n in settings)
    print(f"\n| choice | threads/wait policy | {head} |")
    print("|---|---|" + "---|" * (2 * len(settings) - 1))
    for choice in args.choices:
        quiet = statistics.median(times[choice, 0])
        cells = [f"{scale * quiet:.1f}"]
        for n in settings[1:]:
            busy = statistics.median(times[choice, n])
            cells += [f"{scale * busy:.1f}", f"{busy / quiet:.2f}×"]
        print(f"| {choice} | {shown.get(choice, '-')} | " + " | ".join(cells) + " |")
    print("\nload average (1 min) during the runs: " +
          ", ".join(f"{n} busy: {statistics.median(loads[n]):.1f}" for n in settings))


if __name__ == "__main__":
    main()
