"""Train a character-level GPT (course.gpt + course.train) on a text file and measure it; then time
generation with and without the KV cache.

Prints ms per training iteration, training tokens/s, the final train and validation losses, the wall
time, and generation tokens/s with and without the KV cache at 100 and 500 new tokens.

    # nanoGPT's documented CPU run (its config/train_shakespeare_char.py + the README's CPU flags):
    python benchmarks/bench_gpt.py --text ../shared/data/tinyshakespeare.txt
    # the same in float32 (no bfloat16 autocast), or with other settings, spelt as nanoGPT spells them:
    python benchmarks/bench_gpt.py --text input.txt --precision float32 --max_iters=500 --n_embd=192
    # lesson 05's defaults (course.gpt.LESSON_*) on the shipped corpus:
    python benchmarks/bench_gpt.py --preset lesson
    # side by side with the real nanoGPT (karpathy/nanoGPT, a folder of its files), alternating A B A B:
    python benchmarks/bench_gpt.py --vs-nanogpt ../shared/anchors/nanogpt [--rounds 2] [--max_iters=2000]

``--vs-nanogpt DIR`` runs, in each round and each in a fresh process on the same machine: nanoGPT's own
``train.py`` with its documented CPU flags (in a temporary copy of DIR, since it writes next to itself),
ours in float32 on nanoGPT's very batches (``--batches nanogpt``), and ours at the course's default
precision. It prints ms/iteration (training steps only: nanoGPT's iterations that ran an evaluation are
left out), training tokens/s and the final validation loss (20 batches, as nanoGPT's flags say) of
each, and the ratio to nanoGPT. nanoGPT runs with PyTorch's own threading, as it would on its own:
its process does not get the settings that ``import course`` put in this one's environment
(``course.threads.ADDED``). Without DIR or Tiny Shakespeare it says so and stops.

Tiny Shakespeare is not part of the course: pass its path (``--text``). Without one, the ``nanogpt``
preset looks for ``../shared/data/tinyshakespeare.txt`` next to the repository and says so if it is
missing. The split is nanoGPT's: the first 90% of the characters to train, the rest to validate.

Times are wall-clock. "ms/iteration" and "tokens/s" count training steps only (forward, backward,
clipping, optimizer step, batch sampling); the wall time includes the evaluations. Generation uses a
model of the trained sizes with ``block_size`` at least 1 + 500 (random weights: speed does not depend
on them), greedy, one sequence, median of ``--repeats`` runs after a warm-up.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import course  # noqa: F401  (before torch: the course's threading for shared machines, course/threads.py)
import torch

from course.data import RandomWindows, load_corpus, train_val_split
from course.gpt import LESSON_BATCH, LESSON_CONFIG, LESSON_TRAIN, GPT, GPTConfig
from course.tokenization import CharTokenizer
from course.train import TrainConfig, estimate_loss, resolve_precision, train

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_generate import print_generation_table  # noqa: E402  (a sibling script, not a package)

REPO = Path(__file__).resolve().parents[1]
TINY_SHAKESPEARE = REPO.parent / "shared" / "data" / "tinyshakespeare.txt"

# nanoGPT: config/train_shakespeare_char.py with the README's CPU flags (--device=cpu --compile=False
# --eval_iters=20 --log_interval=1 --block_size=64 --batch_size=12 --n_layer=4 --n_head=4 --n_embd=128
# --max_iters=2000 --lr_decay_iters=2000 --dropout=0.0); train.py's default bias=False, seed 1337.
PRESETS = {
    "nanogpt": dict(block_size=64, batch_size=12, n_layer=4, n_head=4, n_embd=128, dropout=0.0, bias=False,
                    gelu_approximate="none", max_iters=2000, lr_decay_iters=2000, learning_rate=1e-3,
                    min_lr=1e-4, warmup_iters=100, beta2=0.99, weight_decay=0.1, grad_clip=1.0,
                    eval_interval=250, eval_iters=20, seed=1337),
}
MODEL_KEYS = ("block_size", "n_layer", "n_head", "n_embd", "dropout", "bias", "gelu_approximate")
TRAIN_KEYS = ("max_iters", "lr_decay_iters", "learning_rate", "min_lr", "warmup_iters", "beta2",
              "weight_decay", "grad_clip", "eval_interval", "eval_iters", "seed")
PRESETS["lesson"] = dict(**LESSON_BATCH, **LESSON_CONFIG, **{k: getattr(LESSON_TRAIN, k) for k in TRAIN_KEYS})


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--preset", choices=sorted(PRESETS), default="nanogpt",
                   help="hyper-parameters to start from (default nanogpt); the options below override them")
    p.add_argument("--text", type=Path, default=None, help="a UTF-8 text file to train on")
    p.add_argument("--corpus", default=None, help="a shipped corpus instead (course.data.load_corpus), "
                                                  "e.g. shakespeare; the lesson preset's default")
    p.add_argument("--precision", choices=("float32", "bfloat16", "auto"), default="auto",
                   help="auto (default): bfloat16 autocast where the CPU computes it natively, else float32")
    p.add_argument("--threads", type=int, default=None, help="torch threads (default: PyTorch's choice)")
    p.add_argument("--batches", choices=("course", "nanogpt"), default="course",
                   help="course (default): course.data.RandomWindows; nanogpt: the very windows nanoGPT's "
                        "train.py draws with the same seed (see below)")
    p.add_argument("--final-eval-iters", type=int, default=200,
                   help="batches in the final, more precise validation estimate (default 200)")
    p.add_argument("--repeats", type=int, default=3, help="generation timing runs (median)")
    p.add_argument("--new-tokens", type=int, nargs="+", default=[100, 500])
    p.add_argument("--no-generation", action="store_true", help="skip the generation timings")
    p.add_argument("--vs-nanogpt", type=Path, default=None, metavar="DIR",
                   help="run the real nanoGPT from DIR and ours alternately (see above)")
    p.add_argument("--rounds", type=int, default=2, help="alternating rounds with --vs-nanogpt (default 2)")
    p.add_argument("--json", action="store_true", help=argparse.SUPPRESS)  # one RESULT line, for --vs-nanogpt
    for key in ("batch_size", *MODEL_KEYS, *TRAIN_KEYS):
        kind = type(PRESETS["nanogpt"][key])
        kind = (lambda s: s.lower() in ("1", "true", "yes")) if kind is bool else kind
        # both spellings: --block-size 64 and nanoGPT's --block_size=64
        p.add_argument(f"--{key.replace('_', '-')}", f"--{key}", dest=key, type=kind, default=None)
    return p.parse_args(argv)


def load_text(args) -> tuple[str, str] | None:
    """(text, description), or None (with a message) when the file is missing."""
    if args.text is not None and args.corpus is not None:
        sys.exit("give --text or --corpus, not both")
    if args.corpus is not None or (args.text is None and args.preset == "lesson"):
        name = args.corpus or "shakespeare"
        return load_corpus(name), f"shipped corpus {name!r}"
    path = args.text if args.text is not None else TINY_SHAKESPEARE
    if not path.is_file():
        print(f"skipped: no text file at {path}. Tiny Shakespeare is not shipped with the course; pass its "
              f"path with --text PATH (or use --corpus shakespeare for the shipped corpus).")
        return None
    return path.read_text(encoding="utf-8"), str(path)


def nanogpt_batches(model, train_ids, val_ids, block_size, batch_size):
    """``get_batch`` drawing the windows nanoGPT's train.py draws, in its order, from the random state
    after the model's initialisation (which is nanoGPT's, parameter for parameter, for the same seed).

    nanoGPT draws every batch from the global generator: the first training batch before the loop, then
    at each iteration the evaluation's batches (train, then validation), and the next training batch
    right after the forward pass. ``train()`` asks for training batches with the model in training mode
    and for evaluation batches in eval mode, so one batch kept in advance reproduces that order. With
    dropout 0 nothing else draws random numbers, so the whole run sees nanoGPT's batches.
    """
    generator = torch.Generator()
    generator.set_state(torch.get_rng_state())

    def draw(data):
        ix = torch.randint(len(data) - block_size, (batch_size,), generator=generator)
        offsets = torch.arange(block_size)
        return data[ix[:, None] + offsets], data[ix[:, None] + offsets + 1]

    pending = [draw(train_ids)]

    def get_batch(split):
        if split == "train" and model.training:  # a training step: hand over the batch drawn in advance
            batch, pending[0] = pending[0], draw(train_ids)
            return batch
        return draw(train_ids if split == "train" else val_ids)

    return get_batch


NANOGPT_FLAGS = ["--device=cpu", "--compile=False", "--eval_iters=20", "--log_interval=1", "--block_size=64",
                 "--batch_size=12", "--n_layer=4", "--n_head=4", "--n_embd=128", "--dropout=0.0"]


def eval_interval(max_iters: int) -> int:
    """nanoGPT's 250, or the whole run when it is shorter (both evaluate at the last iteration)."""
    return 250 if max_iters % 250 == 0 else max_iters


def warmup(max_iters: int) -> int:
    """nanoGPT's 100 warm-up iterations, or a tenth of a short run (for a quick try of the command)."""
    return 100 if max_iters >= 1000 else max(1, max_iters // 10)


def run_nanogpt(folder: Path, text: Path, max_iters: int) -> dict:
    """nanoGPT's documented CPU run in a fresh process; its ms/iteration and final validation loss."""
    # nanoGPT with PyTorch's own threading: not the settings that `import course` put in this process's
    # environment (a user's own settings stay)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH" and k not in course.threads.ADDED}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "nanogpt"
        shutil.copytree(folder, work, ignore=shutil.ignore_patterns("out*", "*.bin", "*.pkl"))
        data = work / "data" / "shakespeare_char"
        shutil.copy(text, data / "input.txt")  # prepare.py would download it otherwise
        subprocess.run([sys.executable, "prepare.py"], cwd=data, env=env, check=True, capture_output=True)
        out = subprocess.run([sys.executable, "train.py", "config/train_shakespeare_char.py", *NANOGPT_FLAGS,
                              f"--max_iters={max_iters}", f"--lr_decay_iters={max_iters}",
                              f"--eval_interval={eval_interval(max_iters)}", f"--warmup_iters={warmup(max_iters)}",
                              f"--out_dir={tmp}/out"],
                             cwd=work, env=env, check=True, capture_output=True, text=True).stdout
    evals = {int(m[0]): float(m[1]) for m in re.findall(r"step (\d+): train loss [\d.]+, val loss ([\d.]+)", out)}
    times = [float(t) for i, t in re.findall(r"iter (\d+): loss [\d.]+, time ([\d.]+)ms", out)
             if int(i) > 0 and int(i) not in evals]
    return {"ms": statistics.fmean(times), "val": evals[max(evals)], "iters": max_iters}


def run_ours(text: Path, precision: str, max_iters: int) -> dict:
    """This script in a fresh process, nanoGPT's preset on nanoGPT's batches; its RESULT line."""
    cmd = [sys.executable, __file__, "--text", str(text), "--precision", precision, "--batches", "nanogpt",
           "--no-generation", "--final-eval-iters", "20", f"--max_iters={max_iters}",
           f"--lr_decay_iters={max_iters}", f"--eval_interval={eval_interval(max_iters)}",
           f"--warmup_iters={warmup(max_iters)}", "--json"]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(next(line for line in out.splitlines() if line.startswith("RESULT "))[7:])


def versus_nanogpt(args) -> None:
    folder = args.vs_nanogpt
    if not (folder / "train.py").is_file() or not (folder / "data" / "shakespeare_char" / "prepare.py").is_file():
        print(f"skipped: no nanoGPT at {folder} (expected its train.py and data/shakespeare_char/prepare.py). "
              f"The course does not ship nanoGPT; pass the folder of a checkout of karpathy/nanoGPT.")
        return
    text = args.text if args.text is not None else TINY_SHAKESPEARE
    if not text.is_file():
        print(f"skipped: no Tiny Shakespeare at {text}; pass its path with --text PATH.")
        return
    max_iters = args.max_iters or PRESETS["nanogpt"]["max_iters"]
    default = "auto"
    runs = {"nanoGPT (float32)": [], "ours float32": [], f"ours default ({resolve_precision(default, 'cpu')})": []}
    tokens = PRESETS["nanogpt"]["batch_size"] * PRESETS["nanogpt"]["block_size"]
    print(f"nanoGPT from {folder} vs course.gpt + course.train, {max_iters} iterations, {args.rounds} "
          f"alternating rounds; {os.cpu_count()} CPUs, torch {torch.__version__}")
    for r in range(args.rounds):
        before = os.getloadavg()[0]
        for name, run in zip(runs, (lambda: run_nanogpt(folder, text, max_iters),
                                    lambda: run_ours(text, "float32", max_iters),
                                    lambda: run_ours(text, default, max_iters))):
            result = run()
            runs[name].append(result)
            print(f"  round {r + 1}: {name:<26} {result['ms']:7.2f} ms/iteration, val loss {result['val']:.4f}",
                  flush=True)
        print(f"  round {r + 1}: load average {before:.2f} before, {os.getloadavg()[0]:.2f} after", flush=True)
    base = statistics.median(x["ms"] for x in runs["nanoGPT (float32)"])
    base_val = statistics.median(x["val"] for x in runs["nanoGPT (float32)"])
    print()
    print("| run                        | ms/iteration | tokens/s | val loss | ms vs nanoGPT | val − nanoGPT |")
    print("|----------------------------|-------------:|---------:|---------:|--------------:|--------------:|")
    for name, results in runs.items():
        ms = statistics.median(x["ms"] for x in results)
        val = statistics.median(x["val"] for x in results)
        print(f"| {name:<26} | {ms:>12.2f} | {1e3 * tokens / ms:>8,.0f} | {val:>8.4f} | {ms / base:>12.2f}x | "
              f"{val - base_val:>+13.4f} |")
    print("(medians over the rounds; ms/iteration counts training steps only)")


def main(argv=None):
    args = parse_args(argv)
    if args.vs_nanogpt is not None:
        if args.threads:
            torch.set_num_threads(args.threads)
        return versus_nanogpt(args)
    if args.threads:
        torch.set_num_threads(args.threads)
    loaded = load_text(args)
    if loaded is None:
        return
    text, source = loaded
    hp = {**PRESETS[args.preset], **{k: v for k, v in vars(args).items() if k in PRESETS["nanogpt"] and v is not None}}

    tok = CharTokenizer.from_text(text)
    data = torch.tensor(tok.encode(text), dtype=torch.long)
    train_ids, val_ids = train_val_split(data, 0.9)
    torch.manual_seed(hp["seed"])
    config = GPTConfig(vocab_size=tok.vocab_size, **{k: hp[k] for k in MODEL_KEYS})
    model = GPT(config)
    if args.batches == "course":
        batches = {"train": RandomWindows(train_ids, hp["block_size"], hp["batch_size"], seed=hp["seed"]),
                   "val": RandomWindows(val_ids, hp["block_size"], hp["batch_size"], seed=hp["seed"] + 1)}

        def get_batch(split):
            return batches[split].sample()
    else:
        get_batch = nanogpt_batches(model, train_ids, val_ids, hp["block_size"], hp["batch_size"])
    cfg = TrainConfig(**{k: hp[k] for k in TRAIN_KEYS}, precision=args.precision, progress=False)
    precision = resolve_precision(args.precision, "cpu")
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"text: {source}, {len(data):,} characters, vocabulary {tok.vocab_size}")
    print(f"model: {model.num_params() / 1e6:.3f}M parameters, {config}")
    print(f"training: batch {hp['batch_size']} x {hp['block_size']}, {cfg}")
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, torch "
          f"{torch.__version__}, {torch.get_num_threads()} threads, precision {precision}; "
          f"load average before: {load}")

    history = train(model, get_batch, cfg)
    iters = len(history.loss)
    train_seconds = history.elapsed[-1]
    ms_per_iter = 1e3 * train_seconds / iters
    tokens_per_s = iters * hp["batch_size"] * hp["block_size"] / train_seconds
    precise = estimate_loss(model, get_batch, args.final_eval_iters, precision=precision)

    if args.json:
        print("RESULT " + json.dumps({"ms": ms_per_iter, "val": history.val_loss[-1], "iters": iters,
                                      "precise_val": precise["val"], "precision": precision}))
        return
    print()
    print("| measure                                   | value        |")
    print("|-------------------------------------------|--------------|")
    print(f"| training iterations                       | {iters:>12,} |")
    print(f"| ms/iteration (training steps only)        | {ms_per_iter:>12.1f} |")
    print(f"| training tokens/s                         | {tokens_per_s:>12,.0f} |")
    print(f"| wall time of train() (s, with evals)      | {history.seconds:>12.1f} |")
    print(f"| final train loss ({cfg.eval_iters:>3} batches)            | {history.train_loss[-1]:>12.4f} |")
    print(f"| final val loss ({cfg.eval_iters:>3} batches)              | {history.val_loss[-1]:>12.4f} |")
    print(f"| final train loss ({args.final_eval_iters:>3} batches)            | {precise['train']:>12.4f} |")
    print(f"| final val loss ({args.final_eval_iters:>3} batches)              | {precise['val']:>12.4f} |")
    print()
    print("validation loss at each evaluation (iteration: loss, wall-clock seconds since train() began):",
          ", ".join(f"{it}: {v:.3f} ({w:.0f} s)" for it, v, w in zip(history.iters, history.val_loss, history.wall)))
    print(f"load average after: {' / '.join(f'{x:.2f}' for x in os.getloadavg())}")

    sample = model.generate(torch.tensor([tok.encode("\n")]), min(200, config.block_size - 1),
                            temperature=0.8, generator=torch.Generator().manual_seed(0))
    print("\nsample (temperature 0.8):\n" + tok.decode(sample[0].tolist()))

    if args.no_generation:
        return
    longest = max(args.new_tokens)
    gen_config = dataclasses.replace(config, block_size=max(config.block_size, longest + 1), dropout=0.0)
    gen_model = GPT(gen_config).eval()
    prompt = torch.zeros(1, 1, dtype=torch.long)
    print(f"\ngeneration: {gen_config.n_layer} layers, {gen_config.n_embd} dims, block_size "
          f"{gen_config.block_size}, float32, greedy, 1 sequence, median of {args.repeats}")
    print_generation_table(gen_model, prompt, args.new_tokens, args.repeats)


if __name__ == "__main__":
    main()
