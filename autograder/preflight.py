"""Checks on a submitted notebook before nbgrader sees it, against the lesson it claims to answer.

nbgrader alone gets several hostile or broken submissions wrong: a deleted test cell scores 0
silently, mangled metadata or a renamed grade id fails the whole notebook with a traceback, invalid
JSON gives an unreadable error. Here each of those becomes a named failure, decided before any code
runs, or is repaired (below):

* ``malformed notebook``: not UTF-8 JSON, not a notebook nbformat can read, or too large;
* ``too many cells``: far more cells than the lesson has (counted once the JSON is read, before anything heavier:
  640,000 empty cells under the size limit cost 35 s of the batch here, and minutes in nbgrader);
* ``metadata tampered``: nbgrader metadata that names none of the lesson's cells: not a dict, no
  grade id, or an unknown grade id (renamed);
* ``test cell deleted``: a cell worth points is gone (nbgrader would give 0 without a word).

Problems that are repaired reliably are graded and noted: an edited test cell (nbgrader puts the
released source back), the nbgrader metadata of one of the lesson's cells changed (any field: an answer
marked graded with points, a test no longer graded, a mangled value; ``restore_metadata`` puts the
release's back, here and in grading, ``autograder.preprocessors.RestoreMetadata``), a copied cell (the
first of the copies is graded; the consecutive parts of a split answer cell, as one), a deleted solution
or open-question cell. ``refused_answers`` names the answers that grading will not run because they could
reach the grading machinery (see ``autograder.answers``).
"""
from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from autograder.answers import (Lesson, added_cell_names, answer_cells_by_id, answer_names, later_copy_graded,
                               future_annotations, parts_apart, placed, problems, split_and_copied,
                               top_level_names)

MAX_NOTEBOOK_BYTES = 50 * 2**20  # a lesson with its outputs is well under 5 MB
# a notebook may hold this many times its lesson's cells (notes and scratch cells a student added), and
# never fewer than MIN_CELL_LIMIT; the lessons have 38 to 80 cells
CELLS_PER_LESSON_CELL, MIN_CELL_LIMIT = 10, 2_000
# nbgrader's cell metadata fields that decide how a cell is graded (restore_metadata compares them)
FIELDS = ("grade", "solution", "points", "locked", "task", "schema_version")
_UNSET = {"grade": False, "solution": False, "locked": False, "task": False, "points": 0}

MALFORMED = "malformed notebook"
TOO_MANY_CELLS = "too many cells"
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
    metadata: dict[str, dict] = field(default_factory=dict)  # grade id → its nbgrader metadata as released
    lesson_cells: int = 0  # how many cells the released lesson has
    # grade id of a code answer → the functions and classes its cell defines (``char_encode``, ``char_decode``)
    exercises: dict[str, set[str]] = field(default_factory=dict)

    @property
    def max_cells(self) -> int:
        """The most cells a submission of this lesson may have (``too many cells`` beyond)."""
        return max(MIN_CELL_LIMIT, CELLS_PER_LESSON_CELL * self.lesson_cells)

    @classmethod
    def load(cls, source: Path, release: Path) -> "LessonSpec":
        """``source``: solutions/<l>/<l>.ipynb; ``release``: lessons/<l>/<l>.ipynb."""
        nb = nbformat.read(source, as_version=4)
        cells, digest, locked, tests, exercises = {}, hashlib.sha256(), {}, {}, {}
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader")
            if not meta:
                continue
            grade_cell = GradeCell(meta["grade_id"], cell.cell_type, bool(meta.get("grade")),
                                   bool(meta.get("solution")), bool(meta.get("locked")),
                                   float(meta.get("points", 0) or 0))
            cells[grade_cell.grade_id] = grade_cell
            if grade_cell.solution and cell.cell_type == "code":
                exercises[grade_cell.grade_id] = _defined(cell.source)
            if grade_cell.grade or grade_cell.locked:
                digest.update(json.dumps([grade_cell.grade_id, grade_cell.points, cell.source]).encode())
            if grade_cell.locked:
                locked[grade_cell.grade_id] = {cell.source}
                tests[grade_cell.grade_id] = cell.source
        metadata, lesson_cells = nbgrader_metadata(nb), len(nb.cells)
        if release.is_file():
            released = nbformat.read(release, as_version=4)
            for cell in released.cells:
                grade_id = (cell.metadata.get("nbgrader") or {}).get("grade_id")
                if grade_id in locked:
                    locked[grade_id].add(cell.source)
            metadata |= nbgrader_metadata(released)
            lesson_cells = len(released.cells)
        max_score = sum(c.points for c in cells.values() if c.grade)
        return cls(source.stem, cells, locked, tests, max_score, digest.hexdigest()[:16], Lesson.from_notebook(nb),
                   metadata, lesson_cells, exercises)

    @property
    def test_ids(self) -> list[str]:
        """Grade cells worth points: the autograded tests."""
        return [i for i, c in self.cells.items() if c.grade and c.points > 0]


@dataclass
class Preflight:
    failure: str | None = None           # one of MALFORMED, TOO_MANY_CELLS, TAMPERED, TEST_DELETED, or None
    problems: list[str] = field(default_factory=list)  # why it failed
    notes: list[str] = field(default_factory=list)     # repaired or suspicious, still graded
    refused: dict[str, list[str]] = field(default_factory=dict)  # answers not run (autograder.answers), why
    # grade id of an answer cell left as released → the names a cell the student added defines for it
    outside: dict[str, list[str]] = field(default_factory=dict)

    @property
    def detail(self) -> str:
        return "; ".join(self.problems + self.notes)


def _fail(reason: str, *problems: str) -> Preflight:
    return Preflight(failure=reason, problems=list(problems))


def nbgrader_metadata(nb) -> dict[str, dict]:
    """Each nbgrader cell's metadata in a lesson's notebook (source or release), by grade id."""
    return {cell.metadata["nbgrader"]["grade_id"]: copy.deepcopy(dict(cell.metadata["nbgrader"]))
            for cell in nb.cells if (cell.metadata.get("nbgrader") or {}).get("grade_id")}


def _same(value, expected) -> bool:
    return value == expected and isinstance(value, bool) == isinstance(expected, bool)


def restore_metadata(cells, lesson: dict[str, dict]) -> dict[str, list[str]]:
    """Give every cell whose grade id is one of the lesson's (``lesson``: ``nbgrader_metadata`` of its
    release) the lesson's nbgrader metadata, in place; the cell's source and type stay as they are.
    nbgrader repairs only some fields itself, and it fails the whole notebook on others (an answer
    marked graded with points, as nbgrader's *Manually graded answer* writes it: "No such grade cell",
    a grading error; a red team's, 2026-12-04). Returns the grade ids whose ``FIELDS`` differed, each
    with the fields; a copy is restored like the first (the first is graded), and named once."""
    changed: dict[str, list[str]] = {}
    for cell in cells:
        meta = cell.metadata.get("nbgrader")
        grade_id = meta.get("grade_id") if isinstance(meta, dict) else None
        if not isinstance(grade_id, str) or grade_id not in lesson:
            continue
        expected = lesson[grade_id]
        fields = [f for f in FIELDS if not _same(meta.get(f, _UNSET.get(f)), expected.get(f, _UNSET.get(f)))]
        if fields and grade_id not in changed:
            changed[grade_id] = fields
        if meta != expected:
            cell.metadata["nbgrader"] = nbformat.from_dict(copy.deepcopy(expected))
    return changed


def _metadata_problem(meta, spec: LessonSpec, present: set) -> str | None:
    """Why ``meta`` names none of the lesson's cells (``metadata tampered``), or None."""
    if not isinstance(meta, dict):
        return f"nbgrader metadata is a {type(meta).__name__}, not a dict"
    grade_id = meta.get("grade_id")
    if not isinstance(grade_id, str) or not grade_id:
        return "a cell's nbgrader metadata has no grade id"
    if grade_id not in spec.cells:
        other = _other_lesson(present, spec)
        if other is not None:  # (ch38: a lesson 04 notebook handed in as 06 was told only of an unknown grade id)
            return (f"this is the notebook of lesson {other}, handed in as lesson {spec.name}: hand in lesson "
                    f"{spec.name}'s notebook under this name (and lesson {other}'s under its own)")
        absent = [i for i in spec.cells if i not in present]
        hint = f" (the lesson's {', '.join(map(repr, absent))} is missing)" if absent else ""
        return f"unknown grade id {grade_id!r}{hint}"
    return None


def grade_id_of(cell) -> str | None:
    """A cell's grade id, None where it has none that is a string (a grade id of another type is tampering:
    ``_metadata_problem``)."""
    meta = cell.metadata.get("nbgrader")
    grade_id = meta.get("grade_id") if isinstance(meta, dict) else None
    return grade_id if isinstance(grade_id, str) else None


def pasted_from_other_lessons(cells: list, name: str, own: set[str]) -> dict[str, str]:
    """Of ``cells``, the grade ids of another lesson of the course's (→ that lesson) on cells pasted whole, with
    their nbgrader metadata, into a notebook of lesson ``name`` that holds some of its own cells (``own``, its
    grade ids): a student who copied lesson 01's ``char_encode`` cell into lesson 02 to reuse it had the whole
    notebook failed as 'metadata tampered (unknown grade id 'char-encode-decode')', every honest exercise lost
    (ch61). Such a cell is one the student added: not graded, not run (only the lesson's answer cells are)."""
    from course.checks.exercises import EXERCISES

    ids = [grade_id_of(c) for c in cells]
    if not own & set(ids):
        return {}  # (a whole notebook of another lesson: named as such, see _metadata_problem)
    others = {i: e.lesson for e in EXERCISES if e.lesson != name for i in (e.test, e.answer) if i not in own}
    return {i: others[i] for i in ids if i in others}


def _other_lesson(present: set, spec: LessonSpec) -> str | None:
    """The other lesson whose test cells the notebook holds, when it holds none of ``spec``'s graded cells."""
    from course.checks.exercises import BY_TEST

    if present & spec.cells.keys():
        return None
    lessons = {BY_TEST[i].lesson for i in present if i in BY_TEST and BY_TEST[i].lesson != spec.name}
    return lessons.pop() if len(lessons) == 1 else None


def too_many_cells(count: int, max_cells: int, lesson_cells: int) -> Preflight:
    return _fail(TOO_MANY_CELLS, f"the notebook has {count:,} cells, the lesson {lesson_cells:,} (the limit is "
                                 f"{max_cells:,}): hand in the lesson's notebook with your answers in "
                                 f"it, without the cells added (start from a fresh copy of the lesson and paste "
                                 f"your answers in)")


def read_submission(data: bytes, max_cells: int | None = None,
                    lesson_cells: int = 0) -> tuple[nbformat.NotebookNode | None, Preflight | None]:
    """Parse a submission's bytes; a ``Preflight`` failure when it is not a readable notebook, or when it
    has more than ``max_cells`` cells (counted before anything heavier than reading the JSON)."""
    if len(data) > MAX_NOTEBOOK_BYTES:
        return None, _fail(MALFORMED, f"the file is {len(data) / 2**20:.0f} MB; the limit is "
                                      f"{MAX_NOTEBOOK_BYTES / 2**20:.0f} MB (clear the outputs and resubmit)")
    if not data.strip():  # ('invalid JSON: Expecting value at line 1 column 1' told no one what happened, ch61)
        return None, _fail(MALFORMED, f"the file is empty ({len(data)} bytes): the notebook was not saved, or its "
                                      f"upload failed; hand in the notebook again")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or data[:2] in (b"{\x00", b"\x00{"):
        return None, _fail(MALFORMED, "the file is UTF-16 text (an editor or a script saved it so), and Jupyter "
                                      "writes UTF-8: save it again as UTF-8, or hand in the notebook as Jupyter "
                                      "saved it")
    try:
        raw = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as error:
        return None, _fail(MALFORMED, f"the file is not UTF-8 text ({error.reason} at byte {error.start}): hand in "
                                      f"the notebook as Jupyter saved it")
    except json.JSONDecodeError as error:
        if data.startswith(b"\xef\xbb\xbf"):  # (ch38: "Unexpected UTF-8 BOM" named no fix)
            return None, _fail(MALFORMED, "the file starts with a byte-order mark (BOM), which a text editor added "
                                          "and Jupyter does not write: save it again without one (in the editor's "
                                          "encoding menu, 'UTF-8' rather than 'UTF-8 with BOM'), or hand in the "
                                          "notebook as Jupyter saved it")
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
    if max_cells is not None and len(raw["cells"]) > max_cells:
        return None, too_many_cells(len(raw["cells"]), max_cells, lesson_cells)
    try:  # a lone surrogate, written as the escape "\ud800", reads as JSON but no file can hold it again
        json.dumps(raw, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as error:
        return None, _fail(MALFORMED, f"the text holds {error.object[error.start:error.end]!r}, half of a character "
                                      f"pair that no UTF-8 file can hold: delete it and save the notebook again")
    try:
        nb = nbformat.reads(data.decode("utf-8"), as_version=4)
        ids_read_as_format_4_5(nb)
        nbformat.validate(nb)
    except Exception as error:  # nbformat raises several kinds; all mean "not a valid notebook"
        message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return None, _fail(MALFORMED, f"not a valid notebook: {message[:200]}")
    return nb, None


def ids_read_as_format_4_5(nb: nbformat.NotebookNode) -> None:
    """A notebook of format 4.0-4.4 whose cells carry ids, which only 4.5 has, read as 4.5 (the cells without
    one given one): Colab saves a notebook as 4.0 and may keep the ids of the 4.5 lesson uploaded, and Jupyter,
    nbconvert and the student's self-checks run it, while nbformat's schema refuses it ("'id' was unexpected"):
    an honest lesson 03 was failed as a malformed notebook (rt54). Nothing else of the file changes."""
    if nb.get("nbformat") == 4 and isinstance(nb.get("nbformat_minor"), int) and nb.nbformat_minor < 5 \
            and isinstance(nb.get("cells"), list) and any(isinstance(c, dict) and "id" in c for c in nb.cells):
        nb.nbformat_minor = 5
        for cell in nb.cells:
            if isinstance(cell, dict) and "id" not in cell:
                cell["id"] = nbformat.v4.nbbase.random_cell_id()


def check_submission(data: bytes, spec: LessonSpec) -> Preflight:
    """The verdict on a submission's bytes before grading (see the module docstring)."""
    nb, failed = read_submission(data, spec.max_cells, spec.lesson_cells)
    if failed:
        return failed
    graded = [cell for cell in nb.cells if "nbgrader" in cell.metadata]
    present = {meta.get("grade_id") for meta in (c.metadata["nbgrader"] for c in graded)
               if isinstance(meta, dict) and isinstance(meta.get("grade_id"), str)}
    pasted = pasted_from_other_lessons(graded, spec.name, set(spec.cells))
    graded = [cell for cell in graded if grade_id_of(cell) not in pasted]
    for cell in graded:
        problem = _metadata_problem(cell.metadata["nbgrader"], spec, present)
        if problem:
            return _fail(TAMPERED, problem)
    # each of the lesson's cells with the release's nbgrader metadata, as grading gives it (RestoreMetadata)
    restored = restore_metadata(graded, spec.metadata)
    seen: dict[str, nbformat.NotebookNode] = {}
    for cell in graded:
        seen.setdefault(cell.metadata["nbgrader"]["grade_id"], cell)  # (a later copy: split_and_copied)

    result = Preflight()
    result.notes += [f"cell of lesson {lesson} pasted in: {i} (a cell the student added: not graded)"
                     for i, lesson in pasted.items()]
    split, copied = split_and_copied(nb.cells)
    apart = parts_apart(nb.cells)
    result.notes += [f"answer in parts: {i} is in " + (
        "cells with other cells between them, above its test cell" if i in apart
        else "consecutive cells") + " (graded as one cell, in order)" for i in split]
    later = later_copy_graded(nb.cells)
    result.notes += [f"copied cell: {i} appears more than once (" + (
        "the last copy above its test cell is graded, the one the notebook's test ran after" if i in later
        else "the first is graded") + ")" for i in copied]
    for grade_id, expected in spec.cells.items():
        cell = seen.get(grade_id)
        if cell is None:
            if expected.grade and expected.points > 0:
                result.problems.append(grade_id)
            else:
                result.notes.append(f"{'answer' if expected.grade else 'solution'} cell deleted: {grade_id}")
            continue
        if expected.locked and (_lines(cell.source) not in {_lines(s) for s in spec.locked_sources[grade_id]}
                                or cell.cell_type != expected.cell_type or grade_id in restored):
            result.notes.append(f"test cell restored: {grade_id}")  # nbgrader puts back source, type, points
        elif grade_id in restored:
            result.notes.append(f"metadata restored: {grade_id} (nbgrader's {', '.join(restored[grade_id])} "
                                f"put back as released)")
    if result.problems:
        return Preflight(TEST_DELETED, [f"test cell deleted: {', '.join(result.problems)}"], result.notes)
    result.outside = answers_outside(nb, spec)
    result.notes += [f"answer outside its cell: {', '.join(names)} defined in a cell the student added, which is not "
                     f"graded (only the answer cell {grade_id} is: paste the code there)"
                     for grade_id, names in result.outside.items()]
    result.refused = refused_answers(nb, spec)
    result.notes += [f"answer {i} not run, its tests score 0: it {'; it '.join(why)}" for i, why in result.refused.items()]
    return result


def _lines(source: str) -> str:
    """A cell's source with Windows' and old Macs' line ends read as ``\n``: a notebook saved through an
    editor that wrote them (ch38) had every test cell noted "restored" for nothing but those."""
    return source.replace("\r\n", "\n").replace("\r", "\n")


def _defined(source: str) -> set[str]:
    """The functions and classes a cell defines at its top level (none when it does not parse)."""
    import ast
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return set()
    return {node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}


def answers_outside(nb: nbformat.NotebookNode, spec: LessonSpec) -> dict[str, list[str]]:
    """The exercises whose answer cell does not define its function (or still raises NotImplementedError)
    while a cell the student added does, by the answer's grade id, with those names: that cell is not graded,
    and the test says only "not implemented yet" (an honest answer written below the released cell lost its
    points without a word in the status, rt28). The status notes each; the feedback says it in the
    exercise's test cells (``worker.note_outside``)."""
    answers = answer_cells_by_id(nb.cells)
    added = set()
    for cell in nb.cells:
        if cell.cell_type == "code" and not cell.metadata.get("nbgrader"):
            added |= top_level_names(cell.source if isinstance(cell.get("source"), str) else "")
    outside = {}
    for grade_id, names in spec.exercises.items():
        cell = answers.get(grade_id)
        source = cell.source if cell is not None and isinstance(cell.get("source"), str) else ""
        missing = sorted(n for n in names & added
                         if n not in _defined(source) or "NotImplementedError" in source)
        if missing:
            outside[grade_id] = missing
    return outside


def refused_answers(nb: nbformat.NotebookNode, spec: LessonSpec) -> dict[str, list[str]]:
    """The code answers that grading will not run (``autograder.answers``), by grade id, with why.
    The graded copy of a pasted cell is the answer (``graded_copies``; its parts joined, if it was split), as in
    grading."""
    answers = [(grade_id, cell.source) for grade_id, cell in answer_cells_by_id(nb.cells).items()
               if cell.cell_type == "code" and grade_id in spec.cells and spec.cells[grade_id].solution]
    bound = answer_names([source for _, source in answers])
    added = added_cell_names(nb.cells)
    refused, lazy = {}, False  # lazy: an answer cell above, run, imports annotations from __future__
    for grade_id, source in answers:
        others = answer_names([other for g, other in answers if g != grade_id])
        reasons = placed(problems(source, spec.lesson, bound, others, lazy), added)
        if reasons:
            refused[grade_id] = reasons
        lazy = lazy or not reasons and future_annotations([source])
    return refused
