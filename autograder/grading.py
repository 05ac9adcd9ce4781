"""The instructor's operations, on nbgrader's Python API so that one process grades many students.

Folders (all under ``autograder/``, git-ignored): ``submitted/<student>/<lesson>/<lesson>.ipynb``,
``autograded/…``, ``feedback/…``, ``gradebook.db``. Sources are ``solutions/<lesson>/``, releases
``lessons/<lesson>/``. ``python -m autograder --help`` lists the commands.
"""
from __future__ import annotations

import contextlib
import csv
import os
import shutil
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

from autograder.notebooks import LESSONS, ROOT, SOLUTIONS, lesson_names

HERE = Path(__file__).resolve().parent
CONFIG_FILE = HERE / "nbgrader_config.py"


@dataclass
class Paths:
    """Where nbgrader reads and writes; tests point these at a temporary folder."""
    root: Path = ROOT
    work: Path = HERE
    release: Path = LESSONS

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
    def db_url(self) -> str:
        return f"sqlite:///{self.gradebook}"


def _ensure_tools_on_path() -> None:
    # nbgrader runs `alembic` and jupyter tools by name: make this interpreter's scripts findable.
    scripts = str(Path(sys.executable).parent)
    if scripts not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = scripts + os.pathsep + os.environ.get("PATH", "")


def make_api(paths: Paths | None = None):
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
    config.merge(overrides)
    coursedir = CourseDirectory(config=config)
    return NbGraderAPI(coursedir=coursedir, config=config)


def _lessons(lesson: str | None) -> list[str]:
    names = lesson_names()
    if lesson is None:
        return names
    if lesson not in names:
        raise SystemExit(f"unknown lesson {lesson!r}; lessons: {', '.join(names)}")
    return [lesson]


def _check(result: dict, what: str) -> None:
    if not result.get("success"):
        raise RuntimeError(f"{what} failed:\n{result.get('error') or result.get('log')}")


def release(lesson: str | None = None, paths: Paths | None = None) -> list[Path]:
    """Regenerate ``lessons/<lesson>/`` from ``solutions/<lesson>/`` (all lessons by default)."""
    api = make_api(paths)
    written = []
    for name in _lessons(lesson):
        _check(api.generate_assignment(name, force=True, create=True), f"release of {name}")
        written.append((paths or Paths()).release / name / f"{name}.ipynb")
    return written


def collect(source: Path, lesson: str | None = None, paths: Paths | None = None) -> list[tuple[str, str]]:
    """Copy submissions laid out as ``<student>/<lesson>.ipynb`` (a folder or a .zip) into
    ``submitted/<student>/<lesson>/<lesson>.ipynb``. The source files are only read."""
    paths = paths or Paths()
    wanted = set(_lessons(lesson))
    found: list[tuple[str, str, bytes]] = []
    if source.suffix == ".zip":
        with zipfile.ZipFile(source) as archive:
            for info in archive.infolist():
                parts = Path(info.filename).parts
                if len(parts) >= 2 and parts[-1].endswith(".ipynb") and not info.is_dir():
                    found.append((parts[-2], Path(parts[-1]).stem, archive.read(info)))
    elif source.is_dir():
        for path in sorted(source.glob("*/*.ipynb")):
            found.append((path.parent.name, path.stem, path.read_bytes()))
    else:
        raise SystemExit(f"{source} is neither a folder nor a .zip of <student>/<lesson>.ipynb")
    collected = []
    for student, name, data in found:
        if name not in wanted:
            continue
        target = paths.submitted / student / name / f"{name}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        collected.append((student, name))
    return collected


def submitted_students(lesson: str, paths: Paths | None = None) -> list[str]:
    paths = paths or Paths()
    return sorted(p.parent.parent.name for p in paths.submitted.glob(f"*/{lesson}/{lesson}.ipynb"))


@contextlib.contextmanager
def _grading_environment():
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


def autograde(lesson: str | None = None, student: str | None = None,
              paths: Paths | None = None) -> dict[tuple[str, str], dict]:
    """Autograde submitted notebooks; returns nbgrader's result per (student, lesson)."""
    api = make_api(paths)
    results = {}
    with _grading_environment():
        for name in _lessons(lesson):
            students = [student] if student else submitted_students(name, paths)
            for who in students:
                results[(who, name)] = api.autograde(name, who, force=True, create=True)
    return results


def feedback(lesson: str | None = None, student: str | None = None, paths: Paths | None = None) -> None:
    api = make_api(paths)
    for name in _lessons(lesson):
        _check(api.generate_feedback(name, student, force=True), f"feedback for {name}")


def grades(paths: Paths | None = None) -> list[dict]:
    """One row per (student, lesson) in the gradebook: score, max score, and whether it was graded."""
    from nbgrader.api import Gradebook, MissingEntry

    paths = paths or Paths()
    rows = []
    with Gradebook(paths.db_url) as gradebook:
        for assignment in sorted(gradebook.assignments, key=lambda a: a.name):
            for student in sorted(gradebook.students, key=lambda s: s.id):
                try:
                    submission = gradebook.find_submission(assignment.name, student.id)
                except MissingEntry:
                    rows.append(dict(student=student.id, lesson=assignment.name, score="",
                                     max_score=assignment.max_score, status="missing"))
                    continue
                # Open questions are worth 0 points: answering one flags it for reading, but the
                # score is final unless a cell with points still waits for a person.
                waiting = [g for nb in submission.notebooks for g in nb.grades
                           if g.needs_manual_grade and g.max_score > 0]
                rows.append(dict(student=student.id, lesson=assignment.name,
                                 score=round(submission.score, 2), max_score=assignment.max_score,
                                 status="needs manual grading" if waiting else "graded"))
    return rows


def export(out: Path, paths: Paths | None = None) -> Path:
    """Write the grades as CSV (student, lesson, score, max_score, status)."""
    rows = grades(paths)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["student", "lesson", "score", "max_score", "status"])
        writer.writeheader()
        writer.writerows(rows)
    return out


def copy_solutions_tree(target_root: Path) -> Paths:
    """A throw-away course folder holding a copy of ``solutions/`` (for tests and dry runs)."""
    shutil.copytree(SOLUTIONS, target_root / "solutions")
    return Paths(root=target_root, work=target_root / "autograder", release=target_root / "lessons")
