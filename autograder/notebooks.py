"""Lesson sources → instructor notebooks, through jupytext.

A lesson is ``notebooks/NN_name.py`` in jupytext's percent format: it reviews and diffs as code, and
JupyterLab (with jupytext's extension) opens it as a notebook. Cell metadata sits on the header line
in jupytext's syntax, so nbgrader's fields and the tags are real cell metadata::

    # %% [markdown]
    # %% nbgrader={"grade_id": "merge", ..., "solution": true}
    # %% nbgrader={"grade_id": "test-merge", ..., "grade": true, "points": 2} tags=["raises-exception"]
    # %% tags=["nbval-ignore-output"]

``build_notebook`` reads a source, checks it (see ``check_cells``), and gives nbgrader cells their
``grade_id`` as cell id; ``write_solution`` runs it and saves ``solutions/NN_name/NN_name.ipynb``
with its outputs, as nbval will compare them.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "notebooks"
SOLUTIONS = ROOT / "solutions"
LESSONS = ROOT / "lessons"

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
LANGUAGE_INFO = {"name": "python", "version": "3.11"}  # not the patch version: every rebuild would be a diff
# jupytext's hints for laying the cells out as text (blank lines, markers): not the notebook's business
TEXT_LAYOUT = ("lines_to_next_cell", "lines_to_end_of_cell_marker", "cell_marker")


def lesson_names() -> list[str]:
    """The lessons, in order: the names of ``notebooks/NN_*.py``."""
    return sorted(p.stem for p in SOURCES.glob("[0-9][0-9]_*.py"))


def check_cells(cells: list[nbformat.NotebookNode], where: str) -> None:
    """Refuse a source that nbgrader or nbval would trip over later, naming the cell.

    Autograded test cells must be tagged ``raises-exception``: in the released lesson the student's
    functions raise ``NotImplementedError`` and the lesson must still run to its end (nbval, the
    browser test, a student's "Run All"). The same goes for cells that call the student's functions.
    """
    ids = []
    for number, cell in enumerate(cells):
        meta = cell.metadata.get("nbgrader")
        if meta is None:
            continue
        if not meta.get("grade_id"):
            raise ValueError(f"{where}: cell {number} has nbgrader metadata but no grade_id")
        ids.append(meta["grade_id"])
        tests = cell.cell_type == "code" and meta.get("grade") and not meta.get("solution")
        if tests and "raises-exception" not in cell.metadata.get("tags", []):
            raise ValueError(f"{where}: test cell {meta['grade_id']!r} needs tags=[\"raises-exception\"] "
                             "(in the released lesson the student's functions raise NotImplementedError)")
    duplicated = sorted({i for i in ids if ids.count(i) > 1})
    if duplicated:
        raise ValueError(f"{where}: duplicated grade_ids {duplicated}")


def read_cells(source: Path) -> list[nbformat.NotebookNode]:
    """The checked cells of a percent-format source; nbgrader cells get their grade_id as cell id."""
    import jupytext  # the instructor's tool (pip install ".[instructor]"); students never build lessons

    cells = jupytext.read(source, fmt="py:percent").cells
    check_cells(cells, Path(source).name)
    for cell in cells:
        for key in TEXT_LAYOUT:
            cell.metadata.pop(key, None)
        if "nbgrader" in cell.metadata:
            cell.id = cell.metadata["nbgrader"]["grade_id"]
    return cells


def build_notebook(name: str) -> nbformat.NotebookNode:
    """The instructor notebook for lesson ``name``, unexecuted."""
    source = SOURCES / f"{name}.py"
    if not source.is_file():
        raise FileNotFoundError(f"no lesson source {source}; lessons: {', '.join(lesson_names())}")
    return nbformat.v4.new_notebook(cells=read_cells(source),
                                    metadata={"kernelspec": KERNELSPEC, "language_info": LANGUAGE_INFO})


BUILD_CELL_TIMEOUT = 900  # seconds per cell; lesson 05 trains for minutes, longer on a busy machine


def execute_notebook(nb: nbformat.NotebookNode, cwd: Path, timeout: int = BUILD_CELL_TIMEOUT) -> None:
    """Run every cell in order in a fresh kernel and store the outputs (in place)."""
    from nbclient import NotebookClient

    env_fast = os.environ.pop("COURSE_FAST", None)  # stored outputs come from the full lesson
    from nbclient.exceptions import CellTimeoutError
    try:
        NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=False,
                       resources={"metadata": {"path": str(cwd)}}).execute()
    except CellTimeoutError:
        ran = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.get("execution_count")]
        where = f"code cell {ran[-1]} ({nb.cells[ran[-1]].source.splitlines()[0][:60]!r}) " if ran else "a cell "
        raise TimeoutError(f"{where}ran longer than {timeout} s, so the build stopped and nothing was written. "
                           "On a busy machine give it longer: `python -m autograder build NN --cell-timeout 3600`"
                           ) from None
    finally:
        if env_fast is not None:
            os.environ["COURSE_FAST"] = env_fast
    nb.metadata["language_info"] = dict(LANGUAGE_INFO)
    for cell in nb.cells:  # timestamps would make every rebuild a diff
        cell.metadata.pop("execution", None)


def solution_path(name: str) -> Path:
    return SOLUTIONS / name / f"{name}.ipynb"


def lesson_path(name: str) -> Path:
    return LESSONS / name / f"{name}.ipynb"


def write_solution(name: str, execute: bool = True, cell_timeout: int = BUILD_CELL_TIMEOUT) -> Path:
    """Build, run and save ``solutions/<name>/<name>.ipynb`` (each cell may run ``cell_timeout`` seconds)."""
    path = solution_path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    nb = build_notebook(name)
    if execute:
        execute_notebook(nb, path.parent, timeout=cell_timeout)
    nbformat.validate(nb)
    nbformat.write(nb, path)
    return path


def sources_match(name: str) -> list[str]:
    """Cells whose source in ``solutions/`` differs from ``notebooks/<name>.py`` (empty when in step)."""
    built = build_notebook(name).cells
    stored = nbformat.read(solution_path(name), as_version=4).cells
    problems = []
    if len(built) != len(stored):
        problems.append(f"{name}: {len(built)} cells in the source, {len(stored)} in the notebook")
    for i, (b, s) in enumerate(zip(built, stored)):
        if b.source != s.source or b.cell_type != s.cell_type or b.metadata != s.metadata:
            problems.append(f"{name}: cell {i} differs")
    return problems


# The names the kernel's self-checks need to read an answer as the autograder will (course/checks/_core.py,
# ``refusal``): a student's kernel has neither the instructor's notebook nor the release, so each lesson's
# names travel with the package, written by `build` and `release` (tests/test_pipeline.py checks they are
# in step with solutions/ and lessons/).
LESSON_NAMES_FILE = ROOT / "course" / "checks" / "lesson_names.json"


def course_lesson(name: str) -> bool:
    """Whether ``name`` is one of the course's lessons (whose exercises ``autograder.recheck`` grades),
    as ``LESSON_NAMES_FILE`` records them: read without importing ``course.checks``, which imports
    torch (1.5 s that grading an instructor's own lesson does not need)."""
    return LESSON_NAMES_FILE.is_file() and name in json.loads(LESSON_NAMES_FILE.read_text())


def lesson_names_record(name: str) -> dict[str, list[str]]:
    """What the autograder's rules know of lesson ``name`` (``answers.Lesson``, from solutions/, as the
    grader reads it) but the tests' names, and ``answers``: the names the released answer cells bind
    (the exercises' functions and classes), by which a kernel tells an answer cell from another cell;
    ``answer_cells``: those names cell by cell, in the notebook's order, the order in which the answers'
    process runs the cells."""
    from autograder.answers import Lesson, top_level_names

    lesson = Lesson.from_notebook(nbformat.read(solution_path(name), as_version=4))
    release = nbformat.read(lesson_path(name), as_version=4)
    cells = [sorted(top_level_names(c.source)) for c in release.cells if c.cell_type == "code"
             and (c.metadata.get("nbgrader") or {}).get("solution")]
    return {"names": sorted(lesson.names), "course_names": sorted(lesson.course_names),
            "defined": sorted(lesson.defined), "imports": sorted(lesson.imports),
            "answers": sorted(set().union(*map(set, cells))), "answer_cells": [c for c in cells if c],
            "phrases": sorted(lesson.phrases)}


def write_lesson_names(names: list[str]) -> Path:
    """Update ``course/checks/lesson_names.json`` for the lessons ``names`` (the others are kept)."""
    import json

    records = json.loads(LESSON_NAMES_FILE.read_text()) if LESSON_NAMES_FILE.is_file() else {}
    records |= {name: lesson_names_record(name) for name in names}
    records = {name: records[name] for name in sorted(records) if name in lesson_names()}
    LESSON_NAMES_FILE.write_text(json.dumps(records, indent=1, sort_keys=True) + "\n")
    return LESSON_NAMES_FILE
