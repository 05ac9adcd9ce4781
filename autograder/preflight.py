"""Checks on a submitted notebook before nbgrader sees it, against the lesson it claims to answer.

nbgrader alone gets several hostile or broken submissions wrong: a deleted test cell scores 0
silently, mangled metadata or a renamed grade id fails the whole notebook with a traceback, invalid
JSON gives an unreadable error. Here each of those becomes a named failure, decided before any code
runs:

* ``malformed notebook``: not UTF-8 JSON, not a notebook nbformat can read, or too large;
* ``metadata tampered``: nbgrader metadata that is not nbgrader's (wrong types, no grade id), an
  unknown grade id (renamed), or a graded cell that is no longer graded;
* ``test cell deleted``: a cell worth points is gone (nbgrader would give 0 without a word).

Problems that nbgrader repairs reliably are graded and noted: an edited test cell (nbgrader puts the
released source back), a copied cell (the first of the copies is graded; the consecutive parts of a
split answer cell, as one), a deleted solution or open-question cell. ``refused_answers`` names the answers that grading will not run because they could
reach the grading machinery (see ``autograder.answers``).
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from autograder.answers import Lesson, answer_cells_by_id, answer_names, problems, split_and_copied

MAX_NOTEBOOK_BYTES = 50 * 2**20  # a lesson with its outputs is well under 5 MB
FLAGS = ("grade", "solution", "locked")

MALFORMED = "malformed notebook"
TAMPERED = "metadata tampered"
TEST_DELETED = "test cell deleted"


@dataclass(frozen=True)
class GradeCell:
    grade_id: str
    cell_type: str
    grade: bool
    solution: bool
    locked: bool
    points: float


@dataclass
class LessonSpec:
    """What a submission of ``name`` must contain: the source's nbgrader cells, in order, and the
    released source of each locked cell (what the student was given)."""
    name: str
    cells: dict[str, GradeCell]
    locked_sources: dict[str, set[str]]  # grade id → its source as released, and in solutions/
    test_sources: dict[str, str]  # grade id → its source in solutions/ (hidden tests included)
    max_score: float
    fingerprint: str  # changes when the graded cells (ids, points, sources) change
    lesson: Lesson = Lesson(frozenset(), frozenset())  # the names the lesson's own cells define

    @classmethod
    def load(cls, source: Path, release: Path) -> "LessonSpec":
        """``source``: solutions/<l>/<l>.ipynb; ``release``: lessons/<l>/<l>.ipynb."""
        nb = nbformat.read(source, as_version=4)
        cells, digest, locked, tests = {}, hashlib.sha256(), {}, {}
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader")
            if not meta:
                continue
            grade_cell = GradeCell(meta["grade_id"], cell.cell_type, bool(meta.get("grade")),
                                   bool(meta.get("solution")), bool(meta.get("locked")),
                                   float(meta.get("points", 0) or 0))
            cells[grade_cell.grade_id] = grade_cell
            if grade_cell.grade or grade_cell.locked:
                digest.update(json.dumps([grade_cell.grade_id, grade_cell.points, cell.source]).encode())
            if grade_cell.locked:
                locked[grade_cell.grade_id] = {cell.source}
                tests[grade_cell.grade_id] = cell.source
        if release.is_file():
            for cell in nbformat.read(release, as_version=4).cells:
                grade_id = (cell.metadata.get("nbgrader") or {}).get("grade_id")
                if grade_id in locked:
                    locked[grade_id].add(cell.source)
        max_score = sum(c.points for c in cells.values() if c.grade)
        return cls(source.stem, cells, locked, tests, max_score, digest.hexdigest()[:16], Lesson.from_notebook(nb))

    @property
    def test_ids(self) -> list[str]:
        """Grade cells worth points: the autograded tests."""
        return [i for i, c in self.cells.items() if c.grade and c.points > 0]


@dataclass
class Preflight:
    failure: str | None = None           # one of MALFORMED, TAMPERED, TEST_DELETED, or None
    problems: list[str] = field(default_factory=list)  # why it failed
    notes: list[str] = field(default_factory=list)     # repaired or suspicious, still graded
    refused: dict[str, list[str]] = field(default_factory=dict)  # answers not run (autograder.answers), why

    @property
    def detail(self) -> str:
        return "; ".join(self.problems + self.notes)


def _fail(reason: str, *problems: str) -> Preflight:
    return Preflight(failure=reason, problems=list(problems))


def _metadata_problem(meta) -> str | None:
    """Why ``meta`` is not valid nbgrader (schema 3) cell metadata, or None."""
    if not isinstance(meta, dict):
        return f"nbgrader metadata is a {type(meta).__name__}, not a dict"
    grade_id = meta.get("grade_id")
    if not isinstance(grade_id, str) or not grade_id:
        return "a cell's nbgrader metadata has no grade id"
    if meta.get("schema_version") != 3:
        return f"cell {grade_id!r}: schema_version is {meta.get('schema_version')!r}, not 3"
    for flag in FLAGS:
        if not isinstance(meta.get(flag, False), bool):
            return f"cell {grade_id!r}: {flag!r} is {meta.get(flag)!r}, not true/false"
    points = meta.get("points", 0)
    if meta.get("grade") and (isinstance(points, bool) or not isinstance(points, (int, float)) or points < 0):
        return f"cell {grade_id!r}: points is {points!r}, not a number"
    return None


def read_submission(data: bytes) -> tuple[nbformat.NotebookNode | None, Preflight | None]:
    """Parse a submission's bytes; a ``Preflight`` failure when it is not a readable notebook."""
    if len(data) > MAX_NOTEBOOK_BYTES:
        return None, _fail(MALFORMED, f"the file is {len(data) / 2**20:.0f} MB; the limit is "
                                      f"{MAX_NOTEBOOK_BYTES / 2**20:.0f} MB (clear the outputs and resubmit)")
    try:
        raw = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as error:
        return None, _fail(MALFORMED, f"the file is not UTF-8 text ({error.reason} at byte {error.start})")
    except json.JSONDecodeError as error:
        return None, _fail(MALFORMED, f"invalid JSON: {error.msg} at line {error.lineno} column {error.colno}")
    except RecursionError:  # `[[[[...]]]]` 200,000 deep: Python's JSON reader gives up
        return None, _fail(MALFORMED, "the JSON is nested too deeply to read (no notebook is): hand in the "
                                      "notebook as Jupyter saved it")
    if isinstance(raw, dict) and isinstance(raw.get("nbformat"), int) and raw["nbformat"] < 4:
        # (not upgraded here: what is graded is the file as handed in, and Jupyter upgrades it on opening)
        return None, _fail(MALFORMED, f"the notebook is in the old format {raw['nbformat']} (an old Jupyter or "
                                      f"another tool wrote it): open it in JupyterLab, save it (which writes "
                                      f"format 4) and hand it in again")
    if not isinstance(raw, dict) or not isinstance(raw.get("cells"), list):
        return None, _fail(MALFORMED, "the JSON is not a notebook (no list of cells)")
    try:  # a lone surrogate, written as the escape "\ud800", reads as JSON but no file can hold it again
        json.dumps(raw, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as error:
        return None, _fail(MALFORMED, f"the text holds {error.object[error.start:error.end]!r}, half of a character "
                                      f"pair that no UTF-8 file can hold: delete it and save the notebook again")
    try:
        nb = nbformat.reads(data.decode("utf-8"), as_version=4)
        nbformat.validate(nb)
    except Exception as error:  # nbformat raises several kinds; all mean "not a valid notebook"
        message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return None, _fail(MALFORMED, f"not a valid notebook: {message[:200]}")
    return nb, None


def check_submission(data: bytes, spec: LessonSpec) -> Preflight:
    """The verdict on a submission's bytes before grading (see the module docstring)."""
    nb, failed = read_submission(data)
    if failed:
        return failed
    seen: dict[str, nbformat.NotebookNode] = {}
    for cell in nb.cells:
        if "nbgrader" in cell.metadata:
            problem = _metadata_problem(cell.metadata["nbgrader"])
            if problem:
                return _fail(TAMPERED, problem)
    present = {c.metadata["nbgrader"]["grade_id"] for c in nb.cells if "nbgrader" in c.metadata}
    for cell in nb.cells:
        if "nbgrader" not in cell.metadata:
            continue
        grade_id = cell.metadata["nbgrader"]["grade_id"]
        if grade_id not in spec.cells:
            absent = [i for i in spec.cells if i not in present]
            hint = f" (the lesson's {', '.join(map(repr, absent))} is missing)" if absent else ""
            return _fail(TAMPERED, f"unknown grade id {grade_id!r}{hint}")
        if grade_id in seen:  # a copy, or a part of a split cell (split_and_copied, below)
            continue
        seen[grade_id] = cell

    result = Preflight()
    split, copied = split_and_copied(nb.cells)
    result.notes += [f"answer in parts: {i} is in consecutive cells (graded as one cell, in order)" for i in split]
    result.notes += [f"copied cell: {i} appears more than once (the first is graded)" for i in copied]
    for grade_id, expected in spec.cells.items():
        cell = seen.get(grade_id)
        if cell is None:
            if expected.grade and expected.points > 0:
                result.problems.append(grade_id)
            else:
                result.notes.append(f"{'answer' if expected.grade else 'solution'} cell deleted: {grade_id}")
            continue
        meta = cell.metadata["nbgrader"]
        if expected.grade and not meta.get("grade"):
            return _fail(TAMPERED, f"cell {grade_id!r} is a graded cell in the lesson but not in the submission")
        points = meta.get("points", 0) if expected.grade else 0
        if expected.locked and (cell.source not in spec.locked_sources[grade_id]
                                or cell.cell_type != expected.cell_type or points != expected.points):
            result.notes.append(f"test cell restored: {grade_id}")  # nbgrader puts back source, type, points
    if result.problems:
        return Preflight(TEST_DELETED, [f"test cell deleted: {', '.join(result.problems)}"], result.notes)
    result.refused = refused_answers(nb, spec)
    result.notes += [f"answer {i} not run, its tests score 0: it {'; it '.join(why)}" for i, why in result.refused.items()]
    return result


def refused_answers(nb: nbformat.NotebookNode, spec: LessonSpec) -> dict[str, list[str]]:
    """The code answers that grading will not run (``autograder.answers``), by grade id, with why.
    The first copy of a pasted cell is the answer (its parts joined, if it was split), as in grading."""
    answers = [(grade_id, cell.source) for grade_id, cell in answer_cells_by_id(nb.cells).items()
               if cell.cell_type == "code" and grade_id in spec.cells and spec.cells[grade_id].solution]
    bound = answer_names([source for _, source in answers])
    refused = {}
    for grade_id, source in answers:
        others = answer_names([other for g, other in answers if g != grade_id])
        reasons = problems(source, spec.lesson, bound, others)
        if reasons:
            refused[grade_id] = reasons
    return refused
