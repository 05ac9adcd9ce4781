"""python -m autograder COMMAND — the instructor's commands. See README.md, "For instructors"."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from autograder import grading
from autograder.notebooks import lesson_names, sources_match, write_solution


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    build = sub.add_parser("build", help="notebooks/NN.py → run → solutions/NN/NN.ipynb, then release it")
    build.add_argument("lesson", nargs="?", help="one lesson (default: all)")
    build.add_argument("--no-execute", action="store_true", help="write the notebook without running it")

    release = sub.add_parser("release", help="solutions/ → lessons/ with nbgrader (hidden tests and solutions removed)")
    release.add_argument("lesson", nargs="?")

    collect = sub.add_parser("collect", help="import submissions from a folder or .zip of <student>/<lesson>.ipynb")
    collect.add_argument("source", type=Path)
    collect.add_argument("--lesson")

    autograde = sub.add_parser("autograde", help="grade submitted notebooks (all, or one lesson/student)")
    autograde.add_argument("--lesson")
    autograde.add_argument("--student")

    feedback = sub.add_parser("feedback", help="HTML feedback for graded submissions (hidden tests left out)")
    feedback.add_argument("--lesson")
    feedback.add_argument("--student")

    export = sub.add_parser("export", help="write the grades as CSV")
    export.add_argument("--out", type=Path, default=grading.HERE / "grades.csv")

    sub.add_parser("check-sources", help="fail if solutions/ is out of step with notebooks/")

    args = parser.parse_args(argv)
    if args.command == "build":
        names = [args.lesson] if args.lesson else lesson_names()
        for name in names:
            print(f"building {name} …", flush=True)
            print(f"  wrote {write_solution(name, execute=not args.no_execute)}")
            for path in grading.release(name):
                print(f"  released {path}")
    elif args.command == "release":
        for path in grading.release(args.lesson):
            print(f"released {path}")
    elif args.command == "collect":
        for student, lesson in grading.collect(args.source, args.lesson):
            print(f"collected {student}/{lesson}")
    elif args.command == "autograde":
        failed = 0
        for (student, lesson), result in grading.autograde(args.lesson, args.student).items():
            ok = result.get("success")
            failed += not ok
            print(f"{'graded' if ok else 'FAILED'}  {student}/{lesson}")
            if not ok:
                print(result.get("error") or result.get("log"), file=sys.stderr)
        return 1 if failed else 0
    elif args.command == "feedback":
        grading.feedback(args.lesson, args.student)
        print(f"feedback written under {grading.Paths().feedback}")
    elif args.command == "export":
        print(f"wrote {grading.export(args.out)}")
    elif args.command == "check-sources":
        problems = [p for name in lesson_names() for p in sources_match(name)]
        for p in problems:
            print(p)
        if problems:
            print("run `python -m autograder build` to bring solutions/ and lessons/ in step", file=sys.stderr)
        return 1 if problems else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
