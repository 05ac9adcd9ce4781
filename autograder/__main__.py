"""python -m autograder COMMAND — the instructor's commands. See README.md, "For instructors"."""
from __future__ import annotations

import argparse
import errno
import os
import sys
from pathlib import Path

from autograder import grading
from autograder.notebooks import (BUILD_CELL_TIMEOUT, ROOT, lesson_names, sources_match, write_lesson_names,
                                  write_solution)


def full_lesson_name(name: str) -> str:
    """``05`` → ``05_nanogpt``: a lesson's number is enough when one lesson has it; other names pass as given."""
    matches = [n for n in lesson_names() if n.startswith(f"{name}_")]
    return matches[0] if name not in lesson_names() and len(matches) == 1 else name


def _positive(kind: type):
    """An argument's type that refuses 0 and below: `--notebook-timeout -5` (a typo) failed every notebook of the
    run as 'timeout', each score replaced by a failure, and `--cell-timeout 0` graded with no limit a cell (ch61)."""
    def parse(text: str):
        value = kind(text)
        if not value > 0:
            raise argparse.ArgumentTypeError(f"{text} is not a positive number")
        return value
    parse.__name__ = kind.__name__  # (argparse names the type in its message: 'invalid int value')
    return parse


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__)
    parser.add_argument("--course", type=Path, default=grading.ROOT,
                        help="the course folder, holding solutions/ and lessons/ (default: this repository)")
    parser.add_argument("--work", type=Path,
                        help="submissions, gradebook and status (default: COURSE/autograder; one per section)")
    sub = parser.add_subparsers(dest="command", required=True)

    build = sub.add_parser("build", help="notebooks/NN.py → run → solutions/NN/NN.ipynb, then release it")
    build.add_argument("lesson", nargs="?", help="one lesson (default: all)")
    build.add_argument("--no-execute", action="store_true", help="write the notebook without running it")
    build.add_argument("--cell-timeout", type=_positive(int), default=BUILD_CELL_TIMEOUT,
                       help=f"seconds a lesson cell may run before the build stops (default {BUILD_CELL_TIMEOUT}; "
                            "raise it on a busy machine)")

    release = sub.add_parser("release", help="solutions/ → lessons/ with nbgrader (hidden tests and solutions removed)")
    release.add_argument("lesson", nargs="?")

    collect = sub.add_parser("collect", help="import submissions from a folder or .zip of <student>/<lesson>.ipynb "
                                             "(entries not taken are listed, and shown by status)")
    collect.add_argument("source", type=Path)
    collect.add_argument("--lesson")
    wrapping = collect.add_mutually_exclusive_group()
    wrapping.add_argument("--wrapper", dest="wrapper", action="store_const", const=True, default=None,
                          help="the source's one top folder wraps the students' folders: drop it")
    wrapping.add_argument("--no-wrapper", dest="wrapper", action="store_const", const=False,
                          help="the source's one top folder is a student's (a late hand-in of one student)")

    autograde = sub.add_parser("autograde", help="grade submitted notebooks (all, or one lesson/student)")
    autograde.add_argument("--lesson")
    autograde.add_argument("--student", action="append", help="one student (repeat for several; default: all)")
    autograde.add_argument("--workers", type=_positive(int), default=1, help="notebooks graded in parallel (default 1)")
    autograde.add_argument("--cell-timeout", type=_positive(int), default=grading.CELL_TIMEOUT,
                           help=f"seconds per cell before it is interrupted (default {grading.CELL_TIMEOUT})")
    autograde.add_argument("--notebook-timeout", type=_positive(float), default=grading.NOTEBOOK_TIMEOUT,
                           help=f"seconds per notebook before grading is stopped (default {grading.NOTEBOOK_TIMEOUT})")
    autograde.add_argument("--no-sandbox", action="store_true",
                           help="run student code without bubblewrap (only on a machine that holds nothing of value)")

    feedback = sub.add_parser("feedback", help="HTML feedback for graded submissions (hidden tests left out)")
    feedback.add_argument("--lesson")
    feedback.add_argument("--student", action="append", help="one student (repeat for several; default: all)")

    export = sub.add_parser("export", help="write the grades as CSV")
    export.add_argument("--out", type=Path, help="default: grades.csv in the work folder")

    status = sub.add_parser("status", help="per student and lesson: graded, needs manual grading, failed (why), missing")
    status.add_argument("--lesson")
    status.add_argument("--student", action="append", help="one student (repeat for several; default: all)")

    validate = sub.add_parser("validate", help="(students) run a notebook's tests; exit 0 pass, 1 fail, 2 ungradable")
    validate.add_argument("notebook", type=Path)
    validate.add_argument("--lesson", help="the lesson it answers (default: the file's name)")
    validate.add_argument("--cell-timeout", type=_positive(int), default=grading.CELL_TIMEOUT)

    sub.add_parser("check-sources", help="fail if solutions/ is out of step with notebooks/")

    args = parser.parse_args(argv)
    try:
        return _run(args)
    except grading.CourseBusy as busy:
        print(busy, file=sys.stderr)
        return 2


def _run(args) -> int:
    if getattr(args, "lesson", None):
        args.lesson = full_lesson_name(args.lesson)
    course = args.course.resolve()
    paths = grading.Paths(root=course, work=(args.work or course / "autograder").resolve(), release=course / "lessons")
    if args.command == "build":
        names = [args.lesson] if args.lesson else lesson_names()
        for name in names:
            print(f"building {name} …", flush=True)
            try:
                written = write_solution(name, execute=not args.no_execute, cell_timeout=args.cell_timeout)
            except FileNotFoundError as error:
                print(f"  {error}", file=sys.stderr)
                return 2
            except TimeoutError as error:
                print(f"  {name}: {error}".replace(" NN ", f" {name.split('_')[0]} "), file=sys.stderr)
                return 1
            print(f"  wrote {written}")
            for path in grading.release(name, paths=paths):
                print(f"  released {path}")
            if paths.root == ROOT:  # the course's own lessons: the self-checks' copy of their names
                print(f"  wrote {write_lesson_names([name])}")
    elif args.command == "release":
        for path in grading.release(args.lesson, paths=paths):
            print(f"released {path}")
        if paths.root == ROOT:
            print(f"wrote {write_lesson_names([args.lesson] if args.lesson else lesson_names())}")
    elif args.command == "collect":
        for student, lesson in grading.collect(args.source, args.lesson, paths=paths, wrapper=args.wrapper):
            print(f"collected {student}/{lesson}")
    elif args.command == "autograde":
        results = grading.autograde(args.lesson, args.student, paths=paths, workers=args.workers,
                                    cell_timeout=args.cell_timeout, notebook_timeout=args.notebook_timeout,
                                    on_result=lambda row: print(_line(row), flush=True),
                                    sandbox=not args.no_sandbox)
        if not results and args.student:  # (a typo in an id is not a class without submissions; ch55)
            print(f"nothing to grade: no submission{f' of {args.lesson}' if args.lesson else ''} from "
                  f"{', '.join(args.student)} (`{grading.command_line(paths)} status` lists the students' ids)")
        elif not results:
            print(f"nothing to grade: no submissions (run `{grading.command_line(paths)} collect PATH` first)")
        failed = sum(not r["success"] for r in results.values())
        print(f"{len(results) - failed} graded, {failed} failed (see `{grading.command_line(paths)} status`)")
        return 1 if failed else 0
    elif args.command == "feedback":
        failures, written = [], []
        for student in args.student or [None]:  # each --student given, or everyone
            written += grading.feedback(args.lesson, student, paths=paths,
                                        on_failure=lambda message: (failures.append(message), print(message)))
        print(f"{len(written)} feedback files written under {paths.feedback}"
              + (f"; {len(failures)} could not be written (above)" if failures else ""))
        return 1 if failures else 0
    elif args.command == "export":
        print(f"wrote {grading.export(args.out or paths.work / 'grades.csv', paths=paths)}")
    elif args.command == "status":
        rows = [row for student in args.student or [None]
                for row in grading.grades(paths, lesson=args.lesson, student=student)]
        if not rows:
            students = ", ".join(args.student or [])
            which = " and ".join(f"{k} {v}" for k, v in (("lesson", args.lesson), ("student", students)) if v)
            print(f"no submissions{' for ' + which if which else ''} in {paths.work}: "
                  "`collect` the students' notebooks first")
            return 0
        shown, hidden = _capped(rows)
        print(_table(shown))
        if hidden:
            print(f"... and {hidden:,} more entries not collected, not shown here (past the first "
                  f"{SHOWN_NOT_COLLECTED}): `export` lists every one")
        counts = {}
        for row in rows:
            key = row["status"].split(":")[0]
            counts[key] = counts.get(key, 0) + 1
        print(", ".join(f"{n} {k}" for k, n in sorted(counts.items())))
    elif args.command == "validate":
        from autograder.validate import validate
        return validate(args.notebook, args.lesson, paths=paths, cell_timeout=args.cell_timeout)
    elif args.command == "check-sources":
        problems = [p for name in lesson_names() for p in sources_match(name)]
        for p in problems:
            print(p)
        if problems:
            print("run `python -m autograder build` to bring solutions/ and lessons/ in step", file=sys.stderr)
        return 1 if problems else 0
    return 0


def _line(row: dict) -> str:
    score = f"{row['score']}/{row['max_score']}" if row["score"] != "" else "-"
    detail = f"  ({row['detail']})" if row["detail"] else ""
    return f"{row['status']:<28} {score:>9}  {row['student']}/{row['lesson']}{detail}"


# "not collected" rows that ``status`` prints at most: a zip of 100,000 stray files printed 100,000 lines, the
# class's grades lost among them (ch53); the CSV lists every one
SHOWN_NOT_COLLECTED = 100


def _capped(rows: list[dict]) -> tuple[list[dict], int]:
    """The rows ``status`` shows, and how many "not collected" rows it leaves out: every other row, and of
    those not collected the first ``SHOWN_NOT_COLLECTED``, those naming a lesson (a student's notebook not
    taken) before those naming none (a stray file), each in its order."""
    from autograder.collect import NOT_COLLECTED

    skipped = [i for i, r in enumerate(rows) if r["status"] == NOT_COLLECTED]
    if len(skipped) <= SHOWN_NOT_COLLECTED:
        return rows, 0
    kept = set(sorted(skipped, key=lambda i: rows[i]["lesson"] == "?")[:SHOWN_NOT_COLLECTED])
    return [r for i, r in enumerate(rows) if r["status"] != NOT_COLLECTED or i in kept], len(skipped) - len(kept)


def _table(rows: list[dict]) -> str:
    header = ["student", "lesson", "score", "status", "detail"]
    cells = [[r["student"], r["lesson"], f"{r['score']}/{r['max_score']}" if r["score"] != "" else "-",
              r["status"], r["detail"]] for r in rows]
    widths = [max([len(h)] + [len(c[i]) for c in cells]) for i, h in enumerate(header[:-1])]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths + [0])).rstrip()]
    lines += ["  ".join(c.ljust(w) for c, w in zip(cell, widths + [0])).rstrip() for cell in cells]
    return "\n".join(lines)


def run(argv: list[str] | None = None) -> int:
    """``main``, and on Ctrl-C one line instead of a traceback (ch38): what was graded is kept, and ``status``
    names the rest, which the next ``autograde`` grades."""
    try:
        code = main(argv)
        sys.stdout.flush()  # (a pipe closed early fails here, not as Python exits)
        return code
    except KeyboardInterrupt:
        print("\ninterrupted: what was done is kept; `status` shows the rest (\"grading was interrupted\" or "
              "\"never graded\"), which the next `autograde` grades", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `status | head`: the reader has what it wanted, and no traceback (ch55)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # Python's exit flushes stdout again
        return 141  # a shell's code for a command ended by SIGPIPE
    except OSError as error:
        if error.errno not in CANNOT_WRITE:
            raise
        print(cannot_write(error), file=sys.stderr)
        return 2


# a full disk, a quota, a read-only or forbidden folder: the machine's state, said in a line, not a traceback (ch61)
CANNOT_WRITE = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EACCES, errno.EPERM}


def cannot_write(error: OSError) -> str:
    where = f" ({error.filename})" if error.filename else ""
    return (f"stopped: {error.strerror}{where}. Free some space or make the folder writable, then run the command "
            f"again: what was written before is whole and kept (each file is replaced at once), and it goes on from there")


if __name__ == "__main__":
    sys.exit(run())
