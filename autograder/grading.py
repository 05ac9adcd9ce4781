"""The instructor's operations, on nbgrader's Python API, made safe for a real class.

Folders (all under ``autograder/``, git-ignored): ``submitted/<student>/<lesson>/<lesson>.ipynb``,
``autograded/…``, ``feedback/…``, ``gradebook.db`` (nbgrader's), ``status.json`` (ours: the outcome of
the last grading of every submission, see ``records.py``), ``backups/`` and ``logs/``. Sources are
``solutions/<lesson>/``, releases ``lessons/<lesson>/``. ``python -m autograder --help`` lists the
commands; the README's "For instructors" section explains them.

Every submission ends as a score or a named failure, never a silent zero or a stale score:

1. the gradebook is backed up (``backups/``) before anything that can delete from it;
2. ``preflight`` reads the submission against the lesson: malformed notebooks, deleted test cells
   and tampered metadata fail with their name before any code runs;
3. a worker process (``pool``/``worker``) removes the earlier grading of that submission, then
   grades it with nbgrader under a per-cell limit (the cell is interrupted) and a per-notebook
   limit (the worker and its kernel are killed), each counting the time its processes ran or slept, not
   the time they waited for a CPU (``clock``);
4. the outcome is recorded with the hash of the graded file, and ``status``/``export`` show a
   gradebook score only when it belongs to the file now in ``submitted/``.
"""
from __future__ import annotations

import contextlib
import csv
import io
import re
import shutil
import sqlite3
import sys
import time
from pathlib import Path
from typing import Callable, Iterable

from autograder.gradebook import (HERE, Paths, forget_submission, grading_environment, make_api,  # noqa: F401
                                  open_gradebook, read_manual_work, readable_gradebook)
from autograder.notebooks import ROOT, SOLUTIONS
from autograder.preflight import MALFORMED, TAMPERED, LessonSpec, Preflight, check_submission
from autograder.records import ManualRecord, StatusBook, file_digest, write_at_once

_grading_environment = grading_environment  # the old name

CELL_TIMEOUT = 120        # seconds per cell when grading (COURSE_FAST=1 makes training cells seconds)
NOTEBOOK_TIMEOUT = 900    # seconds per notebook, everything included

GRADED, MANUAL, NOT_GRADED, MISSING = "graded", "needs manual grading", "not graded", "missing"
FAILED = "failed"  # shown as "failed: <reason>"
TIMEOUT, KERNEL_DIED, GRADING_ERROR = "timeout", "kernel died", "grading error"
CSV_FIELDS = ["student", "lesson", "score", "max_score", "status", "detail"]


# ---------------------------------------------------------------------------------------------------
# One command at a time

LOCK_NAME = "busy.lock"


class CourseBusy(RuntimeError):
    """Another autograder command is changing the same course (its work folder)."""


_HELD: dict[Path, int] = {}  # the work folders this process holds, and how deep


@contextlib.contextmanager
def one_at_a_time(paths: Paths, command: str):
    """Hold the course's lock (``flock`` on ``<work>/busy.lock``) while ``command`` changes it. A
    `collect` run while `autograde` graded would replace a file under a running worker and forget a
    grading the worker then writes back; two `autograde`s would grade the same notebooks into one
    gradebook. The second command stops at once and names the first; the lock goes with the process
    that held it, however it ends (nothing stale to delete by hand)."""
    import fcntl
    import os

    key = paths.work.resolve()
    if _HELD.get(key):  # (a command that runs another inside it)
        _HELD[key] += 1
        try:
            yield
        finally:
            _HELD[key] -= 1
        return
    paths.work.mkdir(parents=True, exist_ok=True)
    with open(paths.work / LOCK_NAME, "a+", encoding="utf-8") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.seek(0)
            holder = lock.read().strip() or "another autograder command"
            raise CourseBusy(f"{holder} is working on this course ({paths.work}): wait until it has ended, "
                             f"then run `{command}` again") from None
        lock.seek(0)
        lock.truncate()
        lock.write(f"`{command}` (process {os.getpid()}, started {time.strftime('%Y-%m-%d %H:%M:%S')})")
        lock.flush()
        _HELD[key] = 1
        try:
            yield
        finally:
            del _HELD[key]
            lock.truncate(0)
            fcntl.flock(lock, fcntl.LOCK_UN)


def _exclusive(command: str):
    """Run the decorated command (which takes ``paths=``) under ``one_at_a_time``."""
    import functools
    import inspect

    def decorate(fn):
        signature = inspect.signature(fn)

        @functools.wraps(fn)
        def run(*args, **kwargs):
            paths = signature.bind(*args, **kwargs).arguments.get("paths") or Paths()
            with one_at_a_time(paths, command):
                return fn(*args, **kwargs)
        return run
    return decorate


def command_line(paths: Paths) -> str:
    """``python -m autograder`` with the ``--course`` and ``--work`` that name ``paths``, for a message that tells
    the instructor what to run: 'run `python -m autograder --work W release L`' left out the --course of a course
    held elsewhere, and that command released the repository's own lesson into W's gradebook (ch61)."""
    import shlex

    words = ["python -m autograder"]
    if paths.root.resolve() != ROOT.resolve():
        words.append(f"--course {shlex.quote(str(paths.root))}")
    if paths.work.resolve() != (paths.root / "autograder").resolve():
        words.append(f"--work {shlex.quote(str(paths.work))}")
    return " ".join(words)


def lessons(paths: Paths | None = None) -> list[str]:
    """The lessons of the course at ``paths``: ``solutions/<name>/<name>.ipynb`` exists."""
    paths = paths or Paths()
    if not paths.source.is_dir():
        return []
    return sorted(d.name for d in paths.source.iterdir() if (d / f"{d.name}.ipynb").is_file())


def _lessons(lesson: str | None, paths: Paths | None = None) -> list[str]:
    names = lessons(paths)
    if lesson is None:
        return names
    if lesson not in names:
        raise SystemExit(f"unknown lesson {lesson!r}; lessons: {', '.join(names) or 'none built'}")
    return [lesson]


def _check(result: dict, what: str) -> None:
    if not result.get("success"):
        raise RuntimeError(f"{what} failed:\n{result.get('error') or result.get('log')}")


def _holds_grades(paths: Paths) -> bool:
    readable_gradebook(paths)
    with contextlib.closing(sqlite3.connect(paths.gradebook)) as db:
        try:
            return db.execute("SELECT COUNT(*) FROM submitted_assignment").fetchone()[0] > 0
        except sqlite3.OperationalError:  # no such table: a gradebook nbgrader has not set up
            return False


def _graded_pairs(paths: Paths) -> set[tuple[str, str]]:
    """(student, lesson) of every submission the gradebook holds (one query: collect asks it once)."""
    if not paths.gradebook.is_file():
        return set()
    readable_gradebook(paths)
    with contextlib.closing(sqlite3.connect(paths.gradebook)) as db:
        try:
            return set(db.execute("SELECT submitted_assignment.student_id, assignment.name FROM submitted_assignment "
                                  "JOIN assignment ON assignment.id = submitted_assignment.assignment_id"))
        except sqlite3.OperationalError:  # no such table: a gradebook nbgrader has not set up
            return set()


def backup_gradebook(paths: Paths, why: str) -> Path | None:
    """A consistent copy of the gradebook in ``backups/gradebook-<time>-<why>.db``; None when there is
    nothing to lose (no gradebook, or one without submissions). SQLite's backup API copies safely even
    while a worker writes."""
    if not paths.gradebook.is_file() or not _holds_grades(paths):
        return None
    paths.backups.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S") + f"-{time.time_ns() % 10**9:09d}"
    target = paths.backups / f"gradebook-{stamp}-{why}.db"
    with contextlib.closing(sqlite3.connect(paths.gradebook)) as source, \
            contextlib.closing(sqlite3.connect(target)) as copy:
        source.backup(copy)
    return target


@_exclusive("release")
def release(lesson: str | None = None, paths: Paths | None = None) -> list[Path]:
    """Regenerate ``lessons/<lesson>/`` from ``solutions/<lesson>/`` (all lessons by default)."""
    paths = paths or Paths()
    # nbgrader writes each lesson into a folder of this run's, and each file then replaces its release at
    # once: with force, it deleted lessons/<lesson>/ and wrote it again, while another section's autograde
    # (a lock of another work folder) read it: missing, its test cells read as edited ("test cell restored"
    # for every student of that run) or its grading failed (ch55)
    staging = Paths(root=paths.root, work=paths.work,
                    release=paths.work / f"release-{time.strftime('%Y%m%d-%H%M%S')}-{time.time_ns() % 10**9:09d}")
    api = make_api(staging)
    backup_gradebook(paths, "release")
    written = []
    book = StatusBook(paths.status_file)
    try:
        for name in _lessons(lesson, paths):
            _check(api.generate_assignment(name, force=True, create=True), f"release of {name}")
            _publish(staging.release / name, paths.release / name)
            written.append(paths.release / name / f"{name}.ipynb")
            _forget_other_tests(paths, book, name)
    finally:
        shutil.rmtree(staging.release, ignore_errors=True)
    return written


def _publish(made: Path, release: Path) -> None:
    """Put the files nbgrader ``made`` in ``release``, each replacing its old version at once (a copy
    beside it, then renamed over it: ``made`` may be on another file system), and remove the files
    ``made`` does not hold: a reader never finds a released notebook missing or half written."""
    release.mkdir(parents=True, exist_ok=True)
    kept = set()
    for path in sorted(made.rglob("*")):
        target = release / path.relative_to(made)
        if path.is_dir():
            target.mkdir(exist_ok=True)
            continue
        kept.add(target)
        part = target.with_name(f".{target.name}.{time.time_ns()}.part")
        shutil.copy2(path, part)
        part.replace(target)
    for path in sorted(release.rglob("*"), reverse=True):
        if path.is_file() and path not in kept:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()


def _forget_other_tests(paths: Paths, book: StatusBook, name: str) -> None:
    """Scores graded against other tests leave the gradebook (status already says "not graded")."""
    tests = _spec(paths, name).fingerprint
    for entry in list(book.entries.values()):
        if entry["lesson"] == name and entry.get("tests") != tests:
            forget_submission(paths, name, entry["student"])


# ---------------------------------------------------------------------------------------------------
# Collect

@_exclusive("collect")
def collect(source: Path, lesson: str | None = None, paths: Paths | None = None,
            on_skip: Callable[[str], None] | None = None, wrapper: bool | None = None,
            on_note: Callable[[str], None] | None = None) -> list[tuple[str, str]]:
    """Copy a class's hand-ins (a folder or a .zip) into ``submitted/<student>/<lesson>/<lesson>.ipynb``;
    how folders map to students, and what is refused, is in ``autograder/collect.py``. The source
    files are only read. A submission that replaces a different earlier one is kept in
    ``backups/submitted-<time>/`` and its old grading leaves the gradebook (after a backup of it):
    ``status`` says "not graded" until ``autograde`` runs again; so does a grading the gradebook
    still holds for a hand-in written where there was none (its folder deleted by hand). Entries not
    taken are listed by ``status`` and the CSV as "not collected". ``wrapper``: whether the source's
    one top folder is a wrapper around the students' folders (None: the rule decides, and
    ``on_note`` is told)."""
    from autograder.collect import collect as collect_entries

    paths = paths or Paths()
    _lessons(lesson, paths)  # refuses an unknown lesson
    backed_up = []

    note = on_note or (lambda message: print(message, file=sys.stderr))

    def forget(student: str, name: str) -> None:
        if not backed_up:
            backed_up.append(backup_gradebook(paths, "collect"))
        if paths.gradebook.is_file():
            keep_manual_work(student, name)
            forget_submission(paths, name, student)

    def keep_manual_work(student: str, name: str) -> None:
        """A person's grading of the file being replaced, kept for when that very file comes back."""
        kept = _keep_manual_work(paths, student, name)
        if kept:
            note(f"{student}/{name}: the manual grading of the replaced file ({kept} "
                 f"entr{'y' if kept == 1 else 'ies'}: scores, extra credit, comments) is kept, and comes "
                 f"back if that very file is collected and graded again")

    def replaced(student: str, name: str) -> None:
        note(f"{student}/{name}: this hand-in replaces a different one collected before (kept in "
             f"{paths.backups.name}/), and its grading is forgotten until autograde runs again")
        forget(student, name)

    graded: list[set] = []  # the gradebook's submissions, read at the first new hand-in

    def arrived(student: str, name: str) -> None:
        """A hand-in where there was none: a grading the gradebook still holds for that pair (its folder
        deleted by hand) is of another file, and would show in the formgrader and nbgrader's export."""
        graded[:] = graded or [_graded_pairs(paths)]
        if (student, name) in graded[0]:
            note(f"{student}/{name}: the gradebook held a grading of an earlier file, not here any more: "
                 f"forgotten until autograde runs again")
            forget(student, name)

    return collect_entries(source, set(lessons(paths)), paths.submitted, paths.backups, paths.collect_record,
                           only=lesson, on_skip=on_skip, on_replace=replaced, wrapper=wrapper, on_note=note,
                           on_new=arrived)


def submitted_students(lesson: str, paths: Paths | None = None) -> list[str]:
    paths = paths or Paths()
    return sorted(p.parent.parent.name for p in paths.submitted.glob(f"*/{lesson}/{lesson}.ipynb"))


# ---------------------------------------------------------------------------------------------------
# Autograde

def _spec(paths: Paths, lesson: str) -> LessonSpec:
    return LessonSpec.load(paths.source / lesson / f"{lesson}.ipynb", paths.release / lesson / f"{lesson}.ipynb")


def _check_released(paths: Paths, specs: dict[str, LessonSpec]) -> None:
    """nbgrader grades with the tests it stored at release, not with solutions/: refuse to grade a
    lesson that is not in this gradebook, or whose tests changed since it was released."""
    from nbgrader.api import MissingEntry

    release = f"{command_line(paths)} release"
    for name in specs:  # (its folder deleted or renamed: each student's grading failed on it, ch61)
        if not (paths.release / name / f"{name}.ipynb").is_file():
            raise SystemExit(f"{name} has no released notebook ({paths.release / name / f'{name}.ipynb'} is missing: "
                             f"its folder deleted or renamed?): run `{release} {name}` to make it again")
    with open_gradebook(paths) as gradebook:
        for name, spec in specs.items():
            try:
                stored = {c.name: c for c in gradebook.find_notebook(name, name).source_cells}
            except MissingEntry:
                raise SystemExit(f"{name} is not in the gradebook {paths.gradebook}: run `{release} {name}` first")
            changed = [i for i, source in spec.test_sources.items() if i not in stored or stored[i].source != source]
            if changed:
                raise SystemExit(f"the tests of {name} changed since it was released ({', '.join(changed)}): "
                                 f"run `{release} {name}` so that grading uses them")


def _add_students(paths: Paths, students: set[str]) -> None:
    """Put every student in the gradebook before the workers start: two workers that both add the
    same new student fail one of them (``UNIQUE constraint failed: student.id``)."""

    with open_gradebook(paths) as gradebook:
        for who in sorted(students):
            gradebook.update_or_create_student(who)


def _forget(paths: Paths, lesson: str, student: str) -> None:
    forget_submission(paths, lesson, student)


def _gradebook_ids(paths: Paths, lessons: set[str]) -> dict[tuple[str, str], str]:
    """(student, lesson) → the row id of the submission the gradebook holds (see ``read_grades``)."""

    if not paths.gradebook.is_file():
        return {}
    with open_gradebook(paths) as gradebook:
        return {(s.student.id, name): s.id for name in lessons for s in _submissions(gradebook, name)}


def _submissions(gradebook, lesson: str) -> list:
    """The gradebook's submissions of ``lesson``: none for a lesson it does not hold (never released)."""
    from nbgrader.api import MissingEntry

    try:
        return list(gradebook.assignment_submissions(lesson))
    except MissingEntry:
        return []


def _forget_deleted(paths: Paths, lessons: set[str], wanted: set[str] | None) -> None:
    """Take out of the gradebook the scores of hand-ins whose folder was deleted (the README's way to
    free an id): status showed "missing" while the gradebook went on holding the score (a red team's,
    2026-12-02). A person's grading of that file is kept in the record, for if it comes back."""

    if not paths.gradebook.is_file():
        return
    with open_gradebook(paths) as gradebook:
        gone = [(name, s.student.id) for name in lessons for s in _submissions(gradebook, name)
                if (wanted is None or s.student.id in wanted)
                and not (paths.submitted / s.student.id / name / f"{name}.ipynb").is_file()]
    if gone:
        backup_gradebook(paths, "autograde")
    for name, student in gone:
        _keep_manual_work(paths, student, name)
        forget_submission(paths, name, student)


def _forget_interrupted(paths: Paths, book: StatusBook, tests: dict[str, str] | None = None) -> None:
    """Take out of the gradebook what a run stopped mid-notebook left there: the worker had made the
    submission and not scored it yet, and Ctrl-C or a ``kill -9`` of autograde kept it, a score of 0 that
    status did not show (it says "grading was interrupted") and the formgrader did (ch55). Called when a
    run is interrupted, and when the next one starts (a ``kill -9`` leaves no time); a person's grading
    of that file is in the record already (``_autograde`` puts it there before the worker starts).
    ``tests``: lesson → its tests' fingerprint now; a grading against other tests goes too (status says
    "the lesson's tests changed"): a release for another section's work folder changes them here as
    well, and this gradebook kept those scores, for good where autograde then refused the lesson (ch55)."""
    if not paths.gradebook.is_file():
        return
    held = _graded_pairs(paths)
    stopped = [(e["student"], e["lesson"]) for e in book.entries.values()
               if (e["student"], e["lesson"]) in held and (e.get("state") == "grading" or (
                   tests is not None and e["lesson"] in tests and e.get("tests") != tests[e["lesson"]]))]
    if stopped:
        backup_gradebook(paths, "autograde")
    for student, lesson in stopped:
        forget_submission(paths, lesson, student)


def _keep_manual_work(paths: Paths, student: str, lesson: str) -> int:
    """Put a person's grading of the file last graded (status.json's) in the record (manual.json), by
    that file's and its tests' hashes, before its gradebook entry goes; how many entries were kept."""
    graded = StatusBook(paths.status_file).get(student, lesson) or {}
    manual = read_manual_work(paths, lesson, student)
    if not (manual and graded.get("submission") and graded.get("tests")):
        return 0
    ManualRecord(paths.manual_record).put(student, lesson, graded["submission"], graded["tests"], manual)
    return len(manual)


def _failure_from_log(log: str, cell_timeout: int) -> tuple[str, str]:
    if "DeadKernelError" in log or "Kernel died" in log:
        return KERNEL_DIED, "the Python kernel died while running the notebook (os._exit, a crash, or out of memory)"
    from autograder.preprocessors import OUTPUT_STILL_ARRIVING
    if OUTPUT_STILL_ARRIVING in log:  # the cell had ended; what it printed was still arriving
        return TIMEOUT, ("a cell's output was still arriving long after the cell ended (it printed a great "
                         "deal): print less, e.g. not inside a loop")
    if "CellTimeoutError" in log or "UnresponsiveKernelError" in log or "Timeout waiting for" in log:
        return TIMEOUT, f"a cell ran past {cell_timeout} s and did not stop when interrupted"
    if "nbgrader metadata may be corrupted" in log:  # what nbgrader's own checks found and ours did not
        return TAMPERED, "nbgrader found corrupted nbgrader metadata (see the log in status.json)"
    if "NotJSONError" in log or "NBFormatError" in log:
        return MALFORMED, "nbformat could not read the notebook (see the log in status.json)"
    errors = [line.strip() for line in log.splitlines() if re.match(r"\s*\w+(\.\w+)*(Error|Exception)\b", line)]
    return GRADING_ERROR, (errors[-1] if errors else "nbgrader failed; see the log in status.json")[:300]


def _outcome(answer: dict, cell_timeout: int, notes: list[str]) -> dict:
    """What the status record says about one worker answer: state, reason, detail, score."""
    if answer.get("timed_out"):
        return dict(state=FAILED, reason=TIMEOUT,
                    detail=f"grading ran past {answer['limit']:.0f} s (the limit per notebook) and was stopped")
    if answer.get("worker_died"):
        return dict(state=FAILED, reason=GRADING_ERROR,
                    detail="the grading process died during this notebook (killed, or out of memory)")
    if answer.get("worker_error"):
        return dict(state=FAILED, reason=GRADING_ERROR, detail=answer["worker_error"][:300])
    if not answer.get("success"):
        reason, detail = _failure_from_log(answer.get("full_log") or answer.get("log") or "", cell_timeout)
        if reason == KERNEL_DIED and answer.get("out_of_memory"):  # its memory cgroup counted the kill
            detail = (f"the Python kernel was killed for using more than the {answer['out_of_memory'][-1] / 2**30:.1f} "
                      f"GB of memory the grader gives a notebook (all its processes and files in memory together): "
                      f"keep fewer or smaller tensors alive")
        return dict(state=FAILED, reason=reason, detail=detail, log=answer.get("log"))
    notes = list(notes)
    for cell in answer.get("interrupted_cells", []):
        notes.append(f"{cell} ran past {cell_timeout} s and was interrupted")
    for cell in answer.get("recheck_stopped", []):
        notes.append(f"{cell} ran past its time limit when graded again with the answers alone in another process, "
                     f"and was stopped there (what it had defined by then was graded): an answer cell only "
                     f"defines its functions")
    for cell in answer.get("too_large_cells", []):
        notes.append(f"{cell} sent a message (an output, an error) over the autograder's size limit: dropped")
    if answer.get("delegating_cells"):
        notes.append(f"0 points for {', '.join(answer['delegating_cells'])}: the answer delegates to the "
                     f"course's reference, or is not a def or class of the notebook's own (the feedback says which)")
    for cell, why in (answer.get("recheck_failed") or {}).items():
        if why.startswith(HIDDEN_FAILURE):
            notes.append(f"0 points for {cell}: its hidden tests, run with the answers alone in another process, "
                         f"fail: {why}")
        else:
            notes.append(f"0 points for {cell}: it passed in the notebook, but graded again with the answers "
                         f"alone in another process it fails: {why}")
    return dict(state=GRADED, reason="", detail="; ".join(notes), score=answer.get("score"),
                auto_scores={cell: grade["auto_score"] for cell, grade in (answer.get("cells") or {}).items()},
                gradebook_id=answer.get("gradebook_id"),
                seconds=round(answer.get("seconds", 0), 3),
                execute_seconds=round(answer.get("execute_seconds") or 0, 3),
                recheck_seconds=round(answer.get("recheck_seconds") or 0, 3))


HIDDEN_FAILURE = "hidden test"  # how the re-check's message for a failed hidden test starts (recheck._failure)
ALONE_NOTE = "graded again alone, with no other notebook beside it: it ran out of time beside another"


class Overlaps:
    """Which jobs of a batch ran while another was running: only such a job can have lost time to a
    neighbour, and only it is graded again alone when a limit of time decided part of it (a notebook
    that ran out of time with nothing beside it, at the end of a batch, did so by itself: grading it
    again would only add its time once more; a red team's slow answers each did, 2026-12-04)."""

    def __init__(self):
        self.running, self.shared = set(), set()

    def started(self, key) -> None:
        if self.running:
            self.shared |= self.running | {key}
        self.running.add(key)

    def ended(self, key) -> bool:
        """Whether ``key``, now done, ran beside another job at any moment."""
        self.running.discard(key)
        return key in self.shared


def _ran_out_of_time(answer: dict, cell_timeout: int) -> bool:
    """Whether a limit of time decided any of ``answer``: the notebook's, a cell's (interrupted, or one
    that did not stop), or a call's in the re-check. With ``--workers N`` such a notebook is graded again
    alone at the end of the batch, and only that result counts: a notebook beside it that takes more
    than its share of the cores (threads, processes) cannot cost it points."""
    if answer.get("timed_out") or answer.get("interrupted_cells"):
        return True
    if any("ran past" in str(why) for why in (answer.get("recheck_failed") or {}).values()):
        return True
    if answer.get("success") or answer.get("worker_died") or answer.get("worker_error"):
        return False
    return _failure_from_log(answer.get("full_log") or answer.get("log") or "", cell_timeout)[0] == TIMEOUT


def autograde(lesson: str | None = None, student: str | Iterable[str] | None = None, paths: Paths | None = None,
              workers: int = 1, cell_timeout: int = CELL_TIMEOUT, notebook_timeout: float = NOTEBOOK_TIMEOUT,
              on_result: Callable[[dict], None] | None = None, sandbox: bool = True) -> dict[tuple[str, str], dict]:
    """Grade the submissions of ``lesson`` (default: all) by ``student`` (one, several, or by default
    all), on ``workers`` worker processes. Returns, per (student, lesson), the row that ``status``
    shows for it, plus ``success`` (a score was recorded). ``on_result`` gets each row as it is decided.
    ``sandbox``: run the students' kernels under bubblewrap (refuses to start when it is missing);
    False only on a machine that holds nothing of value."""
    if sandbox:
        from autograder.sandbox import require
        require()  # fail closed before anything is touched (the lock's file included)
    paths = paths or Paths()
    with one_at_a_time(paths, "autograde"):
        return _autograde(lesson, student, paths, workers, cell_timeout, notebook_timeout, on_result, sandbox)


def _autograde(lesson, student, paths: Paths, workers: int, cell_timeout: int, notebook_timeout: float,
               on_result, sandbox: bool) -> dict[tuple[str, str], dict]:
    from autograder.pool import run_jobs

    book = StatusBook(paths.status_file)
    specs = {name: _spec(paths, name) for name in _lessons(lesson, paths)}
    wanted = {student} if isinstance(student, str) else set(student) if student is not None else None
    wanted = {_known_as(paths, book, who) for who in wanted} if wanted is not None else None
    jobs = []
    for name in specs:
        students = [s for s in submitted_students(name, paths) if wanted is None or s in wanted]
        jobs += [(who, name) for who in students]
    _forget_deleted(paths, set(specs), wanted)
    _forget_interrupted(paths, book, {name: spec.fingerprint for name, spec in specs.items()})
    if not jobs:
        return {}
    _check_released(paths, {name: specs[name] for name in {name for _, name in jobs}})
    backup_gradebook(paths, "autograde")
    _add_students(paths, {who for who, _ in jobs})
    results: dict[tuple[str, str], dict] = {}

    def decide(who: str, name: str, entry: dict) -> None:
        book.put(who, name, **entry)
        with open_gradebook(paths) as gradebook:
            row = _shown(_row(paths, specs[name], who, name, book, gradebook))
        row["success"] = row["status"] in (GRADED, MANUAL)
        row["error"] = entry.get("log") if not row["success"] else None
        results[(who, name)] = row
        if on_result:
            on_result(row)

    to_grade, notes = [], {}
    manual_record = ManualRecord(paths.manual_record)
    held_ids = _gradebook_ids(paths, set(specs))
    for who, name in jobs:
        path = paths.submitted / who / name / f"{name}.ipynb"
        data = path.read_bytes()
        base = dict(submission=file_digest(path), tests=specs[name].fingerprint)
        try:
            preflight: Preflight = check_submission(data, specs[name])
        except Exception as error:  # one notebook that trips the reader must not stop the class's batch
            preflight = Preflight(failure=MALFORMED, problems=[
                f"the notebook could not be read ({type(error).__name__}): hand in the notebook as Jupyter saved it"])
        if preflight.failure:
            _forget(paths, name, who)
            decide(who, name, dict(base, state=FAILED, reason=preflight.failure, detail=preflight.detail))
            continue
        notes[(who, name)] = (base, preflight.notes)
        before = book.get(who, name) or {}
        same_file = (before.get("submission"), before.get("tests")) == (base["submission"], base["tests"]) \
            and before.get("gradebook_id") in (None, held_ids.get((who, name)))  # (not a restored backup's)
        if same_file:  # a person's grading of this file, held in the record until its regrade succeeds:
            # the worker takes it out of the gradebook first, and a regrade that failed (a time limit, a
            # dead worker) lost it (a red team's, 2026-12-02)
            held = read_manual_work(paths, name, who)
            if held:
                manual_record.put(who, name, base["submission"], base["tests"], held)
        # a person's grading of this very file, kept when another hand-in replaced it for a while
        returned = manual_record.get(who, name, base["submission"], base["tests"])
        to_grade.append(dict(student=who, lesson=name, keep_manual_work=same_file, manual_work=returned,
                             outside=preflight.outside))

    config = dict(root=str(paths.root), work=str(paths.work), release=str(paths.release), cell_timeout=cell_timeout,
                  sandbox=sandbox)
    retry = []
    overlaps = Overlaps()

    def on_answer(answer: dict) -> None:
        job = answer["job"]
        who, name = job["student"], job["lesson"]
        base, cell_notes = notes[(who, name)]
        if answer.get("started"):
            overlaps.started((who, name))
            book.put(who, name, **base, state="grading", reason="", detail="")
            return
        beside_another = overlaps.ended((who, name))
        if "database is locked" in (answer.get("full_log") or "") and not job.get("retried"):
            retry.append(dict(job, retried=True))
            return
        if answer.get("timed_out") or answer.get("worker_died"):
            _forget(paths, name, who)  # the killed worker may have left a half-made submission
        if workers > 1 and not job.get("retried") and beside_another and _ran_out_of_time(answer, cell_timeout):
            retry.append(dict(job, retried=True, alone=True))  # graded again when nothing runs beside it
            return
        if job.get("manual_work") and answer.get("kept_manual_work"):  # put back: the record's copy is spent
            manual_record.remove(who, name, base["submission"], base["tests"])
        outcome = _outcome(answer, cell_timeout, cell_notes)
        if job.get("alone"):
            outcome["detail"] = "; ".join(filter(None, [outcome.get("detail"), ALONE_NOTE]))
        decide(who, name, dict(base, **outcome))

    try:
        run_jobs(to_grade, config, workers, notebook_timeout, on_answer, paths.logs)
        if retry:
            run_jobs(retry, config, 1, notebook_timeout, on_answer, paths.logs)
    except BaseException:  # Ctrl-C (run_jobs has killed the workers): no half-made grading stays
        _forget_interrupted(paths, book)
        raise
    return results


# ---------------------------------------------------------------------------------------------------
# Status, export, feedback

def _students(paths: Paths, book: StatusBook) -> list[str]:

    found = {p.name for p in paths.submitted.iterdir() if p.is_dir()} if paths.submitted.is_dir() else set()
    found |= book.students()
    if paths.gradebook.is_file():
        with open_gradebook(paths) as gradebook:
            found |= {s.id for s in gradebook.students}
    return sorted(found)


def _row(paths: Paths, spec: LessonSpec, student: str, lesson: str, book: StatusBook, gradebook) -> dict:
    """One line of ``status``/``export``: a score only when the record says this very file was graded.
    ``gradebook``: an open nbgrader ``Gradebook``, or None when there is none yet."""
    from nbgrader.api import MissingEntry

    row = dict(student=student, lesson=lesson, score="", max_score=spec.max_score, status=MISSING, detail="")
    path = paths.submitted / student / lesson / f"{lesson}.ipynb"
    entry = book.get(student, lesson)
    if not path.is_file():
        return row
    if entry is None:
        return dict(row, status=NOT_GRADED, detail="submitted, never graded: run autograde")
    if entry.get("submission") != file_digest(path):
        return dict(row, status=NOT_GRADED, detail="the submission changed since it was graded: run autograde")
    if entry.get("tests") != spec.fingerprint:
        return dict(row, status=NOT_GRADED, detail="the lesson's tests changed since grading: run autograde")
    if entry["state"] == "grading":
        return dict(row, status=NOT_GRADED, detail="grading was interrupted: run autograde")
    if entry["state"] == FAILED:
        return dict(row, status=f"{FAILED}: {entry['reason']}", detail=entry.get("detail", ""))
    if gradebook is None:  # (it was 'restored from a backup?', of a gradebook deleted or moved away, ch61)
        return dict(row, status=NOT_GRADED, detail=f"there is no gradebook ({paths.gradebook.name} is missing): copy "
                                                   f"the newest backup from {paths.backups.name}/ over it, or "
                                                   f"release and autograde again")
    try:
        submission = gradebook.find_submission(lesson, student)
    except MissingEntry:
        return dict(row, status=NOT_GRADED,
                    detail="the gradebook has no score for it (restored from a backup?): run autograde")
    recorded = entry.get("auto_scores")
    held = {g.name: g.auto_score for nb in submission.notebooks for g in nb.grades}
    if recorded is not None and held != recorded or entry.get("gradebook_id") not in (None, submission.id):
        # (the row id too: another file's grading, restored, can have the same automatic scores and keep
        # a person's extra credit for that other file; a red team's, 2026-12-02)
        return dict(row, status=NOT_GRADED,
                    detail="the gradebook's scores are not those recorded when this file was graded "
                           "(a backup restored?): run autograde")
    # Open questions are worth 0 points: answering one flags it for reading, but the score is final
    # unless a cell with points still waits for a person.
    waiting = [g.name for nb in submission.notebooks for g in nb.grades if g.needs_manual_grade and g.max_score > 0]
    detail = entry.get("detail", "")
    if waiting:
        detail = "; ".join(filter(None, [f"to grade by hand: {', '.join(waiting)}", detail]))
    return dict(row, score=round(submission.score, 2), status=MANUAL if waiting else GRADED, detail=detail)


def grades(paths: Paths | None = None, lesson: str | None = None, student: str | None = None) -> list[dict]:
    """One row per (student, lesson): score, max_score, status and detail (see ``_row``)."""

    paths = paths or Paths()
    book = StatusBook(paths.status_file)
    names = _lessons(lesson, paths)
    specs = {name: _spec(paths, name) for name in names}
    student = _known_as(paths, book, student) if student is not None else None
    students = [s for s in _students(paths, book) if student in (None, s)]
    rows = []
    with contextlib.ExitStack() as stack:
        gradebook = stack.enter_context(open_gradebook(paths)) if paths.gradebook.is_file() else None
        for name in names:
            for who in students:
                rows.append(_row(paths, specs[name], who, name, book, gradebook))
    rows += _not_collected(paths, lesson, student, specs)
    if lesson is None:
        rows += _of_no_lesson(paths, set(names), student)
    return [_shown(row) for row in rows]


def _known_as(paths: Paths, book: StatusBook, student: str) -> str:
    """The id of the student ``student`` names: itself, or the one known id equal to it ignoring case (ids are
    one ignoring case, as collect files them): `status --student Alice` of the collected `alice` said 'no
    submissions … collect the students' notebooks first', and `autograde --student Alice` graded nothing (ch61)."""
    known = _students(paths, book)
    if student in known:
        return student
    same = [who for who in known if who.casefold() == student.casefold()]
    return same[0] if len(same) == 1 else student


def _of_no_lesson(paths: Paths, names: set[str], student: str | None) -> list[dict]:
    """A row for each hand-in (or grading) of a lesson the course no longer has in solutions/ (renamed, removed):
    its scores left status and the CSV without a word (ch61). The hand-in stays in submitted/."""
    found = {(p.parent.parent.name, p.parent.name) for p in paths.submitted.glob("*/*/*.ipynb")
             if p.name == f"{p.parent.name}.ipynb"} if paths.submitted.is_dir() else set()
    return [dict(student=who, lesson=name, score="", max_score="", status=NOT_GRADED,
                 detail=f"the course has no lesson {name!r} now (solutions/{name}/{name}.ipynb renamed or removed?): "
                        f"the hand-in is kept in submitted/{who}/{name}/; put the lesson back to grade it")
            for who, name in sorted(found) if name not in names and student in (None, who)]


def _shown(row: dict) -> dict:
    """The row with its text as a terminal and a spreadsheet should show it (``collect.shown``): a detail
    quotes what a student's code raised and a zip entry's name."""
    from autograder.collect import shown

    return {k: shown(v) if isinstance(v, str) else v for k, v in row.items()}


def _not_collected(paths: Paths, lesson: str | None, student: str | None, specs: dict[str, LessonSpec]) -> list[dict]:
    """A row for every entry the latest ``collect`` of each source did not take (see collect.py)."""
    from autograder.collect import NOT_COLLECTED, SHOWN_NAME, clipped, read_skipped

    rows = []
    for s in read_skipped(paths.collect_record):
        if (lesson is not None and s["lesson"] != lesson) or (student is not None and s["student"] != student):
            continue
        spec = specs.get(s["lesson"])
        rows.append(dict(student=s["student"] or "?", lesson=s["lesson"] or "?", score="",
                         max_score=spec.max_score if spec else "", status=NOT_COLLECTED,
                         detail=f"{clipped(s['entry'])} in {Path(s['source']).name}: {clipped(s['reason'], 3 * SHOWN_NAME)}"))
    return rows


def export(out: Path, paths: Paths | None = None) -> Path:
    """Write the grades as CSV: student, lesson, score, max_score, status, detail. ``score`` is empty
    unless the status is "graded" or "needs manual grading"."""
    out = Path(out)
    if out.is_dir():
        raise SystemExit(f"{out} is a folder: give the CSV file's name (e.g. {out / 'grades.csv'})")
    rows = grades(paths)
    text = io.StringIO(newline="")
    writer = csv.DictWriter(text, fieldnames=CSV_FIELDS)
    writer.writeheader()
    writer.writerows({k: _as_text(v) for k, v in row.items()} for row in rows)
    write_at_once(out, text.getvalue().encode("utf-8"))  # (a full disk leaves the last CSV whole, ch61)
    return out


def _as_text(value):
    """A cell a spreadsheet shows as text: one that would start a formula (``=``, ``+``, ``-``, ``@``, a
    tab or a carriage return; a zip entry named ``=IMPORTXML(…)`` would send the sheet's cells away)
    gets a leading ``'``, as OWASP advises. Numbers stay numbers."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


@_exclusive("feedback")
def feedback(lesson: str | None = None, student: str | None = None, paths: Paths | None = None,
             on_failure: Callable[[str], None] | None = None,
             on_note: Callable[[str], None] | None = None) -> list[Path]:
    """HTML feedback for graded submissions (hidden tests and their tracebacks left out), one student
    at a time: a submission nbgrader cannot render is reported to ``on_failure`` (default: stderr)
    with the student's name, and the others still get theirs. Feedback of submissions that are not
    graded now is removed, so none is stale. ``on_note`` (default: stderr) is told which hand-ins get none and
    why (changed since grading, failed), and of a ``student`` that names no one: `feedback` wrote '0 feedback
    files' and no word why (ch61)."""
    from autograder.collect import NOT_COLLECTED

    paths = paths or Paths()
    say = on_failure or (lambda message: print(message, file=sys.stderr))
    note = on_note or (lambda message: print(message, file=sys.stderr))
    api = make_api(paths)
    written, anyone = [], False
    for name in _lessons(lesson, paths):
        rows = grades(paths, name, student)
        anyone = anyone or bool(rows)
        graded = [r["student"] for r in rows if r["status"] in (GRADED, MANUAL)]
        for r in rows:  # an older feedback must not linger, nor one for a file that is not graded now
            shutil.rmtree(paths.feedback / r["student"] / name, ignore_errors=True)
            if r["status"] not in (GRADED, MANUAL, NOT_COLLECTED) and (r["status"] != MISSING or student):
                note(f"no feedback for {r['student']}/{name}: {r['status']}"
                     + (f" ({r['detail']})" if r["detail"] else " (no submission)" if r["status"] == MISSING else ""))
        for who in graded:
            result = api.generate_feedback(name, who, force=True)
            target = paths.feedback / who / name / f"{name}.html"
            if result.get("success") and target.is_file():
                written.append(target)
            else:
                shutil.rmtree(paths.feedback / who / name, ignore_errors=True)
                errors = [line.strip() for line in (result.get("log") or result.get("error") or "").splitlines()
                          if re.match(r"\s*\w+(\.\w+)*(Error|Exception)\b", line)]
                say(f"no feedback for {who}/{name}: {errors[-1] if errors else 'nbgrader failed'}"[:300])
    if student is not None and not anyone:
        note(f"no feedback for {student}: no student of that id in {paths.work} (`status` lists the students' ids)")
    return written


def copy_solutions_tree(target_root: Path) -> Paths:
    """A throw-away course folder holding a copy of ``solutions/`` (for tests and dry runs)."""
    shutil.copytree(SOLUTIONS, target_root / "solutions")
    return Paths(root=target_root, work=target_root / "autograder", release=target_root / "lessons")
