"""How fast the autograder grades a class: N synthetic submissions of one lesson.

    .venv/bin/python benchmarks/bench_autograde.py [--n 100] [--workers 1] [--exec-runs 5] [--no-sandbox]

The submissions are the released lesson with the solution's answers typed in, each a little
different (a comment naming the student, an extra blank line), as a class of good students would
hand in. The script prints the wall time per notebook and the overhead beyond executing the
notebook itself, two ways: measured inside the worker (the time nbgrader's Execute took, kernel
start to shutdown, subtracted from the time per notebook), and by subtraction of the same notebook
run by nbclient alone before and after grading. Grading runs each kernel in the sandbox (bubblewrap)
and the plain nbclient run does not, so the second way counts the sandbox in the overhead (and
``--no-sandbox`` shows what it costs). On a shared machine the second is noisy: the load average is
printed.
"""
from __future__ import annotations

import argparse
import copy
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from autograder import grading  # noqa: E402
from autograder.__main__ import full_lesson_name  # noqa: E402
from autograder.notebooks import lesson_names, solution_path  # noqa: E402


def answered(released, solution, student: int):
    nb = copy.deepcopy(released)
    by_id = {(c.metadata.get("nbgrader") or {}).get("grade_id"): c for c in solution.cells}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader") or {}
        if meta.get("solution") and cell.cell_type == "code":
            lines = [line for line in by_id[meta["grade_id"]].source.splitlines()
                     if "### BEGIN SOLUTION" not in line and "### END SOLUTION" not in line]
            cell.source = f"# submission {student}\n" + "\n".join(lines) + "\n" * (student % 3)
    return nb


def execute_once(nb, folder: Path) -> float:
    from nbclient import NotebookClient

    nb = copy.deepcopy(nb)
    start = time.perf_counter()
    with grading.grading_environment():
        NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=True,
                       resources={"metadata": {"path": str(folder)}}).execute()
    return time.perf_counter() - start


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lesson", default="01_tokenization", help="a lesson, in full or by its number (05)")
    parser.add_argument("--n", type=int, default=100, help="submissions (default 100)")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--exec-runs", type=int, default=5, help="plain nbclient runs, half before, half after")
    parser.add_argument("--no-sandbox", action="store_true", help="grade without bubblewrap, to see what it costs")
    args = parser.parse_args()
    args.lesson = full_lesson_name(args.lesson)
    if args.lesson not in lesson_names():
        parser.error(f"no lesson {args.lesson!r}: the lessons are {', '.join(lesson_names())}")

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        paths = grading.Paths(root=root, work=root / "autograder", release=root / "lessons")
        (paths.source / args.lesson).mkdir(parents=True)
        (paths.source / args.lesson / f"{args.lesson}.ipynb").write_bytes(solution_path(args.lesson).read_bytes())
        grading.release(args.lesson, paths=paths)
        released = nbformat.read(paths.release / args.lesson / f"{args.lesson}.ipynb", as_version=4)
        solution = nbformat.read(solution_path(args.lesson), as_version=4)
        inbox = root / "inbox"
        for k in range(args.n):
            (inbox / f"student{k:03d}").mkdir(parents=True)
            nbformat.write(answered(released, solution, k), inbox / f"student{k:03d}" / f"{args.lesson}.ipynb")
        grading.collect(inbox, args.lesson, paths=paths)
        plain = answered(released, solution, 0)
        folder = paths.release / args.lesson

        load_before = load()
        runs = [execute_once(plain, folder) for _ in range((args.exec_runs + 1) // 2)]
        seconds = []
        start = time.perf_counter()
        results = grading.autograde(args.lesson, paths=paths, workers=args.workers, sandbox=not args.no_sandbox,
                                    on_result=lambda row: seconds.append(time.perf_counter()))
        total = time.perf_counter() - start
        runs += [execute_once(plain, folder) for _ in range(args.exec_runs // 2)]
        load_after = load()

        graded = sum(r["status"] == "graded" for r in results.values())
        full = sum(r["score"] == r["max_score"] for r in results.values())
        entries = grading.StatusBook(paths.status_file).entries.values()
        in_worker = statistics.mean(e["seconds"] for e in entries if "seconds" in e)
        executing = statistics.mean(e["execute_seconds"] for e in entries if "execute_seconds" in e)
        rechecking = statistics.mean(e.get("recheck_seconds", 0) for e in entries if "seconds" in e)
        exec_mean = statistics.mean(runs)
        per_notebook = total / args.n
        # between consecutive answers: the cost of one more notebook, worker start-up excluded
        steady = (seconds[-1] - seconds[0]) / (len(seconds) - 1) * args.workers if len(seconds) > 1 else total

        print(f"lesson {args.lesson}: {args.n} submissions, {args.workers} worker(s), "
              f"{'no sandbox' if args.no_sandbox else 'sandboxed (bwrap)'}; "
              f"{graded} graded, {full} with full marks")
        print(f"load average (1, 5, 15 min) before: {load_before}   after: {load_after}   cores: {os.cpu_count()}")
        print()
        rows = [
            (f"plain nbclient run of the notebook (mean of {len(runs)}; min, max)",
             f"{exec_mean:.2f} s ({min(runs):.2f}, {max(runs):.2f})"),
            ("autograde, whole batch", f"{total:.1f} s"),
            ("seconds per notebook (batch / n)", f"{per_notebook:.2f} s"),
            ("  first answer (includes starting the workers)", f"{seconds[0] - start:.2f} s"),
            ("  steady state (between answers × workers)", f"{steady:.2f} s"),
            ("  of it: grading in the worker (nbgrader's call and the re-check)", f"{in_worker:.2f} s"),
            ("  of it: executing the notebook (kernel start to shutdown)", f"{executing:.2f} s"),
            ("  of it: the re-check out of the student's process (autograder.recheck)", f"{rechecking:.2f} s"),
            ("overhead per notebook beyond execution (steady − executing)", f"{steady - executing:.2f} s"),
            ("  inside the worker (grading − executing)", f"{in_worker - executing:.2f} s"),
            ("overhead by subtraction (batch / n × workers − plain nbclient)",
             f"{per_notebook * args.workers - exec_mean:.2f} s"),
        ]
        width = max(len(name) for name, _ in rows)
        for name, value in rows:
            print(f"{name:<{width}}  {value}")

if __name__ == "__main__":
    main()
