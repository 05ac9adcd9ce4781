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
   wall-clock limit (the worker and its kernel are killed);
4. the outcome is recorded with the hash of the graded file, and ``status``/``export`` show a
   gradebook score only when it belongs to the file now in ``submitted/``.
"""
from __future__ import annotations

import contextlib
import csv
import os
import re
import shutil
import sqlite3
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from autograder.notebooks import ROOT, SOLUTIONS, LESSONS
from autograder.preflight import MALFORMED, TAMPERED, LessonSpec, Preflight, check_submission
from autograder.records import StatusBook, file_digest

HERE = Path(__file__).resolve().parent
CONFIG_FILE = HERE / "nbgrader_config.py"

CELL_TIMEOUT = 120        # seconds per cell when grading (COURSE_FAST=1 makes training cells seconds)
NOTEBOOK_TIMEOUT = 900    # seconds per notebook, everything included
MAX_ZIP_MEMBER = 50 * 2**20
STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@+-]{0,99}$")

GRADED, MANUAL, NOT_GRADED, MISSING = "graded", "needs manual grading", "not graded", "missing"
FAILED = "failed"  # shown as "failed: <reason>"
TIMEOUT, KERNEL_DIED, GRADING_ERROR = "timeout", "kernel died", "grading error"
CSV_FIELDS = ["student", "lesson", "score", "max_score", "status", "detail"]


@dataclass
class Paths:
    """Where nbgrader reads and writes; tests point these at a temporary folder."""
    root: Path = ROOT
    work: Path = HERE
    release: Path = LESSONS

    @property
    def source(self) -> Path:
        return self.root / "solutions"

    @property
    def submitted(self) -> Path:
        return self.work / "submitted"

    @property
    def autograded(self) -> Path:
        return self.work / "autograded"

    @property
    def feedback(self) -> Path:
        return self.work / "feedback"

    @property
    def gradebook(self) -> Path:
        return self.work / "gradebook.db"

    @property
    def status_file(self) -> Path:
        return self.work / "status.json"

    @property
    def backups(self) -> Path:
        return self.work / "backups"

    @property
    def logs(self) -> Path:
        return self.work / "logs"

    @property
    def db_url(self) -> str:
        # Parallel workers share this SQLite file: wait for a lock instead of failing after 5 s.
        return f"sqlite:///{self.gradebook}?timeout=60"


def _ensure_tools_on_path() -> None:
    # nbgrader runs `alembic` and jupyter tools by name: make this interpreter's scripts findable.
    scripts = str(Path(sys.executable).parent)
    if scripts not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = scripts + os.pathsep + os.environ.get("PATH", "")


def make_api(paths: Paths | None = None, cell_timeout: int | None = None):
    """An ``NbGraderAPI`` configured from ``autograder/nbgrader_config.py`` with ``paths``."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    _ensure_tools_on_path()
    paths = paths or Paths()
    paths.work.mkdir(parents=True, exist_ok=True)
    config = PyFileConfigLoader(CONFIG_FILE.name, path=str(HERE)).load_config()
    overrides = Config()
    overrides.CourseDirectory.root = str(paths.root)
    overrides.CourseDirectory.release_directory = os.path.relpath(paths.release, paths.root)
    overrides.CourseDirectory.submitted_directory = str(paths.submitted)
    overrides.CourseDirectory.autograded_directory = str(paths.autograded)
    overrides.CourseDirectory.feedback_directory = str(paths.feedback)
    overrides.CourseDirectory.db_url = paths.db_url
    if cell_timeout is not None:
        overrides.Execute.timeout = int(cell_timeout)
    config.merge(overrides)
    coursedir = CourseDirectory(config=config)
    return NbGraderAPI(coursedir=coursedir, config=config)


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
    with contextlib.closing(sqlite3.connect(paths.gradebook)) as db:
        try:
            return db.execute("SELECT COUNT(*) FROM submitted_assignment").fetchone()[0] > 0
        except sqlite3.OperationalError:  # no such table: a gradebook nbgrader has not set up
            return False


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


def release(lesson: str | None = None, paths: Paths | None = None) -> list[Path]:
    """Regenerate ``lessons/<lesson>/`` from ``solutions/<lesson>/`` (all lessons by default)."""
    paths = paths or Paths()
    api = make_api(paths)
    backup_gradebook(paths, "release")
    written = []
    for name in _lessons(lesson, paths):
        _check(api.generate_assignment(name, force=True, create=True), f"release of {name}")
        written.append(paths.release / name / f"{name}.ipynb")
    return written


# ---------------------------------------------------------------------------------------------------
# Collect

def collect(source: Path, lesson: str | None = None, paths: Paths | None = None,
            on_skip: Callable[[str], None] | None = None) -> list[tuple[str, str]]:
    """Copy submissions laid out as ``<student>/<lesson>.ipynb`` (a folder or a .zip) into
    ``submitted/<student>/<lesson>/<lesson>.ipynb``. The source files are only read. A submission that
    replaces a different earlier one is kept in ``backups/submitted-<time>/``; its old grade stops
    counting (``status`` says "not graded") until ``autograde`` runs again."""
    paths = paths or Paths()
    skip = on_skip or (lambda message: print(f"skipped {message}", file=sys.stderr))
    wanted = set(_lessons(lesson, paths))
    found: list[tuple[str, str, bytes]] = []
    source = Path(source)
    if source.suffix == ".zip" and source.is_file():
        with zipfile.ZipFile(source) as archive:
            for info in archive.infolist():
                parts = Path(info.filename).parts
                if info.is_dir() or len(parts) < 2 or not parts[-1].endswith(".ipynb"):
                    continue
                if info.file_size > MAX_ZIP_MEMBER:
                    skip(f"{info.filename}: {info.file_size:,} bytes unpacked (limit {MAX_ZIP_MEMBER:,})")
                    continue
                found.append((parts[-2], Path(parts[-1]).stem, archive.read(info)))
    elif source.is_dir():
        for path in sorted(source.glob("*/*.ipynb")):
            found.append((path.parent.name, path.stem, path.read_bytes()))
    else:
        raise SystemExit(f"{source} is neither a folder nor a .zip of <student>/<lesson>.ipynb")
    collected = []
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for student, name, data in found:
        if student.startswith(".") or student == "__MACOSX" or name.startswith("."):
            continue
        if not STUDENT_ID.match(student):
            skip(f"{student}/{name}.ipynb: a student id is letters, digits and _.@+- (got {student!r})")
            continue
        if name not in wanted:
            if lesson is None:
                skip(f"{student}/{name}.ipynb: no lesson named {name!r} (lessons: {', '.join(sorted(wanted))})")
            continue
        target = paths.submitted / student / name / f"{name}.ipynb"
        if target.is_file() and target.read_bytes() != data:
            keep = paths.backups / f"submitted-{stamp}" / student / f"{name}.ipynb"
            keep.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(target, keep)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        collected.append((student, name))
    return collected


def submitted_students(lesson: str, paths: Paths | None = None) -> list[str]:
    paths = paths or Paths()
    return sorted(p.parent.parent.name for p in paths.submitted.glob(f"*/{lesson}/{lesson}.ipynb"))


@contextlib.contextmanager
def grading_environment():
    # Lessons shrink their training under COURSE_FAST=1; the graded exercises stay the same.
    saved = os.environ.get("COURSE_FAST")
    os.environ["COURSE_FAST"] = "1"
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("COURSE_FAST", None)
        else:
            os.environ["COURSE_FAST"] = saved


_grading_environment = grading_environment  # the old name


# ---------------------------------------------------------------------------------------------------
# Autograde

def _spec(paths: Paths, lesson: str) -> LessonSpec:
    return LessonSpec.load(paths.source / lesson / f"{lesson}.ipynb", paths.release / lesson / f"{lesson}.ipynb")


def _check_released(paths: Paths, specs: dict[str, LessonSpec]) -> None:
    """nbgrader grades with the tests it stored at release, not with solutions/: refuse to grade a
    lesson that is not in this gradebook, or whose tests changed since it was released."""
    from nbgrader.api import Gradebook, MissingEntry

    release = f"python -m autograder{'' if paths.work == HERE else f' --work {paths.work}'} release"
    with Gradebook(paths.db_url) as gradebook:
        for name, spec in specs.items():
            try:
                stored = {c.name: c for c in gradebook.find_notebook(name, name).source_cells}
            except MissingEntry:
                raise SystemExit(f"{name} is not in the gradebook {paths.gradebook}: run `{release} {name}` first")
            changed = [i for i, source in spec.test_sources.items() if i not in stored or stored[i].source != source]
            if changed:
                raise SystemExit(f"the tests of {name} changed since it was released ({', '.join(changed)}): "
                                 f"run `{release} {name}` so that grading uses them")


def _forget(paths: Paths, lesson: str, student: str) -> None:
    from autograder.worker import forget_submission
    forget_submission(paths, lesson, student)


def _failure_from_log(log: str, cell_timeout: int) -> tuple[str, str]:
    if "DeadKernelError" in log or "Kernel died" in log:
        return KERNEL_DIED, "the Python kernel died while running the notebook (os._exit, a crash, or out of memory)"
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
        return dict(state=FAILED, reason=reason, detail=detail, log=answer.get("log"))
    notes = list(notes)
    for cell in answer.get("interrupted_cells", []):
        notes.append(f"{cell} ran past {cell_timeout} s and was interrupted")
    if answer.get("delegating_cells"):
        notes.append(f"0 points for {', '.join(answer['delegating_cells'])}: the answer delegates to the "
                     f"course's reference")
    return dict(state=GRADED, reason="", detail="; ".join(notes), score=answer.get("score"),
                seconds=round(answer.get("seconds", 0), 3),
                execute_seconds=round(answer.get("execute_seconds") or 0, 3))


def autograde(lesson: str | None = None, student: str | Iterable[str] | None = None, paths: Paths | None = None,
              workers: int = 1, cell_timeout: int = CELL_TIMEOUT, notebook_timeout: float = NOTEBOOK_TIMEOUT,
              on_result: Callable[[dict], None] | None = None) -> dict[tuple[str, str], dict]:
    """Grade the submissions of ``lesson`` (default: all) by ``student`` (one, several, or by default
    all), on ``workers`` worker processes. Returns, per (student, lesson), the row that ``status``
    shows for it, plus ``success`` (a score was recorded). ``on_result`` gets each row as it is decided."""
    from autograder.pool import run_jobs

    paths = paths or Paths()
    book = StatusBook(paths.status_file)
    specs = {name: _spec(paths, name) for name in _lessons(lesson, paths)}
    wanted = {student} if isinstance(student, str) else set(student) if student is not None else None
    jobs = []
    for name in specs:
        students = [s for s in submitted_students(name, paths) if wanted is None or s in wanted]
        jobs += [(who, name) for who in students]
    if not jobs:
        return {}
    _check_released(paths, {name: specs[name] for name in {name for _, name in jobs}})
    backup_gradebook(paths, "autograde")
    results: dict[tuple[str, str], dict] = {}

    def decide(who: str, name: str, entry: dict) -> None:
        from nbgrader.api import Gradebook

        book.put(who, name, **entry)
        with Gradebook(paths.db_url) as gradebook:
            row = _row(paths, specs[name], who, name, book, gradebook)
        row["success"] = row["status"] in (GRADED, MANUAL)
        row["error"] = entry.get("log") if not row["success"] else None
        results[(who, name)] = row
        if on_result:
            on_result(row)

    to_grade, notes = [], {}
    for who, name in jobs:
        path = paths.submitted / who / name / f"{name}.ipynb"
        data = path.read_bytes()
        base = dict(submission=file_digest(path), tests=specs[name].fingerprint)
        preflight: Preflight = check_submission(data, specs[name])
        if preflight.failure:
            _forget(paths, name, who)
            decide(who, name, dict(base, state=FAILED, reason=preflight.failure, detail=preflight.detail))
            continue
        notes[(who, name)] = (base, preflight.notes)
        before = book.get(who, name) or {}
        same_file = (before.get("submission"), before.get("tests")) == (base["submission"], base["tests"])
        to_grade.append(dict(student=who, lesson=name, keep_manual_work=same_file))

    config = dict(root=str(paths.root), work=str(paths.work), release=str(paths.release), cell_timeout=cell_timeout)
    retry = []

    def on_answer(answer: dict) -> None:
        job = answer["job"]
        who, name = job["student"], job["lesson"]
        base, cell_notes = notes[(who, name)]
        if answer.get("started"):
            book.put(who, name, **base, state="grading", reason="", detail="")
            return
        if "database is locked" in (answer.get("full_log") or "") and not job.get("retried"):
            retry.append(dict(job, retried=True))
            return
        if answer.get("timed_out") or answer.get("worker_died"):
            _forget(paths, name, who)  # the killed worker may have left a half-made submission
        decide(who, name, dict(base, **_outcome(answer, cell_timeout, cell_notes)))

    run_jobs(to_grade, config, workers, notebook_timeout, on_answer, paths.logs)
    if retry:
        run_jobs(retry, config, 1, notebook_timeout, on_answer, paths.logs)
    return results


# ---------------------------------------------------------------------------------------------------
# Status, export, feedback

def _students(paths: Paths, book: StatusBook) -> list[str]:
    from nbgrader.api import Gradebook

    found = {p.name for p in paths.submitted.iterdir() if p.is_dir()} if paths.submitted.is_dir() else set()
    found |= book.students()
    if paths.gradebook.is_file():
        with Gradebook(paths.db_url) as gradebook:
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
    try:
        if gradebook is None:
            raise MissingEntry()
        submission = gradebook.find_submission(lesson, student)
    except MissingEntry:
        return dict(row, status=NOT_GRADED,
                    detail="the gradebook has no score for it (restored from a backup?): run autograde")
    # Open questions are worth 0 points: answering one flags it for reading, but the score is final
    # unless a cell with points still waits for a person.
    waiting = [g.name for nb in submission.notebooks for g in nb.grades if g.needs_manual_grade and g.max_score > 0]
    detail = entry.get("detail", "")
    if waiting:
        detail = "; ".join(filter(None, [f"to grade by hand: {', '.join(waiting)}", detail]))
    return dict(row, score=round(submission.score, 2), status=MANUAL if waiting else GRADED, detail=detail)


def grades(paths: Paths | None = None, lesson: str | None = None, student: str | None = None) -> list[dict]:
    """One row per (student, lesson): score, max_score, status and detail (see ``_row``)."""
    from nbgrader.api import Gradebook

    paths = paths or Paths()
    book = StatusBook(paths.status_file)
    names = _lessons(lesson, paths)
    specs = {name: _spec(paths, name) for name in names}
    students = [s for s in _students(paths, book) if student in (None, s)]
    rows = []
    with contextlib.ExitStack() as stack:
        gradebook = stack.enter_context(Gradebook(paths.db_url)) if paths.gradebook.is_file() else None
        for name in names:
            for who in students:
                rows.append(_row(paths, specs[name], who, name, book, gradebook))
    return rows


def export(out: Path, paths: Paths | None = None) -> Path:
    """Write the grades as CSV: student, lesson, score, max_score, status, detail. ``score`` is empty
    unless the status is "graded" or "needs manual grading"."""
    rows = grades(paths)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=CSV_FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    return out


def feedback(lesson: str | None = None, student: str | None = None, paths: Paths | None = None) -> list[Path]:
    """HTML feedback for graded submissions (hidden tests and their tracebacks left out). Feedback of
    submissions that are not graded now is removed, so none is stale."""
    paths = paths or Paths()
    api = make_api(paths)
    written = []
    for name in _lessons(lesson, paths):
        rows = grades(paths, name, student)
        graded = [r["student"] for r in rows if r["status"] in (GRADED, MANUAL)]
        if graded:
            # one nbgrader call per lesson (all autograded students) unless one student is asked for
            _check(api.generate_feedback(name, student, force=True), f"feedback for {name}")
        for r in rows:
            if r["student"] not in graded:  # an older grading's feedback must not linger
                shutil.rmtree(paths.feedback / r["student"] / name, ignore_errors=True)
        written += [paths.feedback / who / name / f"{name}.html" for who in graded]
    return written


def copy_solutions_tree(target_root: Path) -> Paths:
    """A throw-away course folder holding a copy of ``solutions/`` (for tests and dry runs)."""
    shutil.copytree(SOLUTIONS, target_root / "solutions")
    return Paths(root=target_root, work=target_root / "autograder", release=target_root / "lessons")
