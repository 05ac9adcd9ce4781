"""nbgrader's side of the autograder: where its folders are, its configured API, and the gradebook
operations the autograder does (forget an earlier grading, keep a person's manual work across a
regrade, read scores). Used by ``grading`` (the instructor's commands) and ``worker`` (one grading
process), so that neither imports the other.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from autograder.notebooks import ROOT, LESSONS

HERE = Path(__file__).resolve().parent
CONFIG_FILE = HERE / "nbgrader_config.py"


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
    def collect_record(self) -> Path:
        return self.work / "collect.json"

    @property
    def manual_record(self) -> Path:
        return self.work / "manual.json"

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


def open_gradebook(paths: Paths):
    """nbgrader's ``Gradebook`` at ``paths``. Opening one runs ``alembic`` by name (a fresh gradebook's
    schema), so this interpreter's scripts go on ``PATH`` first: a course run as ``.venv/bin/python``
    without the venv activated works the same."""
    from nbgrader.api import Gradebook

    readable_gradebook(paths)
    _ensure_tools_on_path()
    return Gradebook(paths.db_url)


def readable_gradebook(paths: Paths) -> None:
    """Stop, in a line that says what to do, when ``gradebook.db`` is there but not an SQLite database SQLite
    can read (damaged, cut short, another file copied over it): every command ended in a traceback of
    sqlalchemy's, 'file is not a database' (ch61)."""
    import sqlite3

    if not paths.gradebook.is_file():
        return
    try:
        with contextlib.closing(sqlite3.connect(f"file:{paths.gradebook}?mode=ro", uri=True)) as db:
            db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        return
    except sqlite3.DatabaseError as error:
        problem = f"{type(error).__name__}: {error}"
    backups = sorted(paths.backups.glob("gradebook-*.db")) if paths.backups.is_dir() else []
    restore = (f"copy the newest backup over it (cp {backups[-1]} {paths.gradebook}: `status` then says which "
               f"scores need `autograde` again), or " if backups else "")
    raise SystemExit(f"{paths.gradebook} cannot be read as a gradebook ({problem}): {restore}move it away and run "
                     f"`release` for an empty one (then `autograde` grades every submission again)")


def make_api(paths: Paths | None = None, cell_timeout: int | None = None, sandbox: bool = False):
    """An ``NbGraderAPI`` configured from ``autograder/nbgrader_config.py`` with ``paths``. With
    ``sandbox``, every kernel nbgrader starts runs under bubblewrap (``autograder.sandbox``)."""
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
    overrides.OnlyAnswers.source_directory = str(paths.source)
    overrides.OnlyAnswers.release_directory = str(paths.release)
    overrides.RestoreMetadata.source_directory = str(paths.source)
    overrides.RestoreMetadata.release_directory = str(paths.release)
    if cell_timeout is not None:
        overrides.Execute.timeout = int(cell_timeout)
    if sandbox:
        from autograder.sandbox import require_cached
        require_cached()  # fail closed, before any notebook runs
        overrides.Execute.kernel_manager_class = "autograder.sandbox.SandboxedKernelManager"
    config.merge(overrides)
    coursedir = CourseDirectory(config=config)
    return NbGraderAPI(coursedir=coursedir, config=config)


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


def forget_submission(paths, lesson: str, student: str) -> None:
    """Remove every trace of an earlier grading of (student, lesson): the gradebook's submission, the
    autograded copy and the feedback. Called before each attempt, so a failure never leaves an old
    score behind. The gradebook was backed up when the run started."""
    from nbgrader.api import MissingEntry

    with open_gradebook(paths) as gradebook:
        try:
            gradebook.remove_submission(lesson, student)
        except MissingEntry:
            pass
    for folder in (paths.autograded, paths.feedback):
        shutil.rmtree(folder / student / lesson, ignore_errors=True)


def read_manual_work(paths, lesson: str, student: str) -> dict:
    """What a person added to a graded submission (manual scores, extra credit, comments, flag), by
    cell, so that regrading the same file keeps it."""
    from nbgrader.api import MissingEntry

    with open_gradebook(paths) as gradebook:
        try:
            submission = gradebook.find_submission(lesson, student)
        except MissingEntry:
            return {}
        saved = {}
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                if grade.manual_score is not None or grade.extra_credit:
                    saved[f"grade:{notebook.name}:{grade.name}"] = [grade.manual_score, grade.extra_credit]
            for comment in notebook.comments:
                if comment.manual_comment:
                    saved[f"comment:{notebook.name}:{comment.name}"] = comment.manual_comment
            if notebook.flagged:
                saved[f"flag:{notebook.name}"] = True
        return saved


def restore_manual_work(paths, lesson: str, student: str, saved: dict) -> None:

    with open_gradebook(paths) as gradebook:
        submission = gradebook.find_submission(lesson, student)
        for notebook in submission.notebooks:
            notebook.flagged = saved.get(f"flag:{notebook.name}", notebook.flagged)
            for grade in notebook.grades:
                if f"grade:{notebook.name}:{grade.name}" in saved:
                    grade.manual_score, grade.extra_credit = saved[f"grade:{notebook.name}:{grade.name}"]
                    grade.needs_manual_grade = False
            for comment in notebook.comments:
                comment.manual_comment = saved.get(f"comment:{notebook.name}:{comment.name}", comment.manual_comment)
        gradebook.db.commit()


def zero_auto_scores(paths, lesson: str, student: str, cells) -> None:
    """Score 0 for these test cells of a submission nbgrader has just graded (``autograder.recheck``)."""

    with open_gradebook(paths) as gradebook:
        submission = gradebook.find_submission(lesson, student)
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                if grade.name in cells:
                    grade.auto_score = 0.0
        gradebook.db.commit()


def read_grades(paths, lesson: str, student: str) -> dict:
    """Score, and per-cell grades, of a submission nbgrader has just graded."""

    with open_gradebook(paths) as gradebook:
        submission = gradebook.find_submission(lesson, student)
        cells = {}
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                cells[grade.name] = dict(auto_score=grade.auto_score, manual_score=grade.manual_score,
                                         max_score=grade.max_score, needs_manual=grade.needs_manual_grade)
        # the submission's row id, new at each grading: a gradebook restored from a backup holds another
        return dict(score=submission.score, max_score=submission.max_score, cells=cells, gradebook_id=submission.id)


