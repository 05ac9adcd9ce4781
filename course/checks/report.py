"""Run a catalogue of wrong answers through the self-checks and print what a student would be told.

    python -m course.checks.report [CATALOGUE.py] [--grade]

``CATALOGUE.py`` (default: the project's own, ``tests/mistake_catalogue.py``) defines ``CATALOGUE``, a
list of entries with ``test`` (a test cell's grade id), ``mistake`` (the name the check should give)
and ``source`` (a whole answer cell). For each entry the answer cell runs on its own (with the names a
lesson imports first) and its exercise's self-checks run on it. The table lists the exercise, the
expected mistake, the message shown (the line that names the mistake, or the first line when none
does) and whether the name matched. With ``--grade``, the answers are also autograded, batched into
one submission per lesson that holds one wrong answer per exercise, and the table adds the points
the exercise got (and flags any other exercise that lost points: collateral).
"""
from __future__ import annotations

import argparse
import importlib.util
import linecache
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path

from course.checks._core import CheckFailed
from course.checks.exercises import BY_TEST, PRELUDE, PRELUDES, run_checks

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Outcome:
    test: str
    expected: str
    named: str | None      # the mistake the check named (None: no name, or no failure)
    shown: str             # the line the student reads
    failed: bool           # the self-check failed at all


def load_catalogue(path: Path):
    spec = importlib.util.spec_from_file_location("mistake_catalogue", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the file runs
    spec.loader.exec_module(module)
    return module.CATALOGUE


def run_entry(entry) -> Outcome:
    """Run one wrong answer cell and its exercise's self-checks; say what the student is told."""
    import contextlib
    import io

    # as a notebook runs the cell: in ``__main__``, its source where ``linecache`` finds it, so that
    # the checks read it with the autograder's rules (``_core.refusal``) and refuse what it refuses
    namespace: dict = {"__name__": "__main__"}
    exercise = BY_TEST[entry.test]
    exec(compile(PRELUDES.get(exercise.lesson, PRELUDE), "<prelude>", "exec"), namespace)
    cell = f"<answer {entry.test} {zlib.crc32(entry.source.encode()):08x}>"
    linecache.cache[cell] = (len(entry.source), None, entry.source.splitlines(True), cell)
    exec(compile(entry.source, cell, "exec"), namespace)
    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed):
            run_checks(exercise, namespace)
    except CheckFailed as error:
        lines = str(error).splitlines()
        named = [line.strip() for line in lines if line.strip().startswith("Mistake — ")]
        return Outcome(entry.test, entry.mistake, error.mistake, (named or lines)[0].strip(), True)
    return Outcome(entry.test, entry.mistake, None, printed.getvalue().strip().splitlines()[-1], False)


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("catalogue", nargs="?", default=str(ROOT / "tests" / "mistake_catalogue.py"))
    parser.add_argument("--grade", action="store_true", help="also autograde (minutes: runs every lesson)")
    parser.add_argument("--lesson", action="append", help="with --grade: only this lesson (repeatable)")
    args = parser.parse_args(argv)
    path = Path(args.catalogue)
    if not path.is_file():
        print(f"no catalogue at {path}", file=sys.stderr)
        return 2
    catalogue = load_catalogue(path)
    points = {}
    if args.grade:
        from course.checks.grade_catalogue import grade_catalogue
        points = grade_catalogue(catalogue, lessons=args.lesson)
    rows = []
    for index, entry in enumerate(catalogue):
        outcome = run_entry(entry)
        got = points.get(index)
        rows.append((outcome, got))
    print(f"{'exercise':28} {'mistake':40} {'named':5} {'points':>9}  message shown")
    for outcome, got in rows:
        ok = "yes" if outcome.named == outcome.expected else ("NO" if outcome.failed else "PASS")
        score = "" if got is None else f"{got.score:g}/{got.max_score:g}{' C' if got.collateral else ''}"
        print(f"{outcome.test:28} {_short(outcome.expected, 40):40} {ok:5} {score:>9}  {_short(outcome.shown, 110)}")
    named = sum(o.named == o.expected for o, _ in rows)
    caught = sum(o.failed for o, _ in rows)
    print(f"\n{len(rows)} wrong answers over {len({o.test for o, _ in rows})} exercises: "
          f"{caught} fail their self-check, {named} named as expected ({100 * named / len(rows):.0f}%).")
    if points:
        lost = sum(1 for g in points.values() if g.score < g.max_score)
        collateral = sum(1 for g in points.values() if g.collateral)
        print(f"autograded: {lost} of {len(points)} lose points in their exercise; "
              f"{collateral} cost another exercise points (C).")
    if points and any(g.score >= g.max_score or g.collateral for g in points.values()):
        return 1
    return 0 if named == len(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
