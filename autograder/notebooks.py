"""Lesson sources → instructor notebooks.

A lesson is written as a percent-format Python file, ``notebooks/NN_name.py``, which reviews and
diffs as code. Each cell starts with a header line::

    # %% [markdown]                      a markdown cell ("# " is stripped from each line)
    # %%                                 a code cell
    # %% solution id=char-encode         the student's answer cell (nbgrader "autograded answer")
    # %% tests=2 id=test-char-encode     an autograded test cell worth 2 points (locked)
    # %% [markdown] answer id=q-why-bpe  an open question's model answer (### BEGIN SOLUTION inside)
    # %% tags=nbval-ignore-output,nbval-skip   any cell may carry tags

Test cells, and cells marked ``student`` (they call the student's unfinished code), are tagged
``raises-exception`` so the released lesson, where those functions raise ``NotImplementedError``,
still runs from top to bottom. ``build_notebook`` writes ``solutions/NN_name/NN_name.ipynb``;
``execute_notebook`` runs it and stores its outputs, as nbval will compare them.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "notebooks"
SOLUTIONS = ROOT / "solutions"
LESSONS = ROOT / "lessons"

HEADER = re.compile(r"^# %%(?P<markdown> \[markdown\])?(?P<options>.*)$")
FLAGS = {"solution", "answer", "locked", "student"}


def lesson_names() -> list[str]:
    """The lessons, in order: the names of ``notebooks/NN_*.py``."""
    return sorted(p.stem for p in SOURCES.glob("[0-9][0-9]_*.py"))


def parse_options(text: str, where: str) -> dict:
    options: dict = {"tags": []}
    for token in text.split():
        key, _, value = token.partition("=")
        if key in FLAGS and not value:
            options[key] = True
        elif key == "id" and value:
            options["id"] = value
        elif key == "tests" and value.isdigit():
            options["tests"] = int(value)
        elif key == "tags" and value:
            options["tags"] += value.split(",")
        else:
            raise ValueError(f"{where}: unknown cell option {token!r}; expected one of "
                             f"{sorted(FLAGS)}, id=NAME, tests=POINTS, tags=a,b")
    return options


def nbgrader_metadata(options: dict, where: str) -> dict | None:
    kinds = [k for k in ("solution", "tests", "answer", "locked") if k in options]
    if not kinds:
        return None
    if len(kinds) > 1:
        raise ValueError(f"{where}: a cell is one of solution, tests=N, answer, locked; got {kinds}")
    if "id" not in options:
        raise ValueError(f"{where}: an nbgrader cell needs id=NAME")
    meta = {"grade_id": options["id"], "schema_version": 3, "task": False,
            "grade": False, "solution": False, "locked": False}
    kind = kinds[0]
    if kind == "solution":
        meta["solution"] = True
    elif kind == "tests":
        meta.update(grade=True, locked=True, points=options["tests"])
    elif kind == "answer":  # an open question: a manually graded answer worth no points
        meta.update(grade=True, solution=True, points=0)
    else:
        meta["locked"] = True
    return meta


def read_cells(source: Path) -> list[nbformat.NotebookNode]:
    """Parse a percent-format lesson source into notebook cells."""
    lines = source.read_text(encoding="utf-8").split("\n")
    cells, header, body, header_line = [], None, [], 0

    def flush():
        if header is None:
            if any(line.strip() for line in body):
                raise ValueError(f"{source}:1: text before the first '# %%' cell header")
            return
        while body and not body[-1].strip():
            body.pop()
        while body and not body[0].strip():
            body.pop(0)
        where = f"{source.name}:{header_line}"
        options = parse_options(header.group("options"), where)
        if header.group("markdown"):
            text = "\n".join(_unmark(line, where) for line in body)
            cell = nbformat.v4.new_markdown_cell(text)
        else:
            cell = nbformat.v4.new_code_cell("\n".join(body))
            if "tests" in options or "student" in options:
                options["tags"].append("raises-exception")
        meta = nbgrader_metadata(options, where)
        if meta:
            cell.metadata["nbgrader"] = meta
        if "id" in options:
            cell.id = options["id"]
        if options["tags"]:
            cell.metadata["tags"] = sorted(set(options["tags"]))
        cells.append(cell)

    for number, line in enumerate(lines, 1):
        match = HEADER.match(line)
        if match:
            flush()
            header, body, header_line = match, [], number
        else:
            body.append(line)
    flush()
    ids = [c.metadata["nbgrader"]["grade_id"] for c in cells if "nbgrader" in c.metadata]
    duplicated = sorted({i for i in ids if ids.count(i) > 1})
    if duplicated:
        raise ValueError(f"{source.name}: duplicated cell ids {duplicated}")
    return cells


def _unmark(line: str, where: str) -> str:
    if line.startswith("# "):
        return line[2:]
    if line == "#":
        return ""
    raise ValueError(f"{where}: markdown lines must start with '# ' (got {line!r})")


def build_notebook(name: str) -> nbformat.NotebookNode:
    """The instructor notebook for lesson ``name``, unexecuted."""
    source = SOURCES / f"{name}.py"
    if not source.is_file():
        raise FileNotFoundError(f"no lesson source {source}; lessons: {', '.join(lesson_names())}")
    nb = nbformat.v4.new_notebook()
    nb.cells = read_cells(source)
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
        "language_info": {"name": "python", "version": "3.11"},
    }
    return nb


def execute_notebook(nb: nbformat.NotebookNode, cwd: Path, timeout: int = 900) -> None:
    """Run every cell in order in a fresh kernel and store the outputs (in place)."""
    from nbclient import NotebookClient

    env_fast = os.environ.pop("COURSE_FAST", None)  # stored outputs come from the full lesson
    try:
        NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=False,
                       resources={"metadata": {"path": str(cwd)}}).execute()
    finally:
        if env_fast is not None:
            os.environ["COURSE_FAST"] = env_fast
    nb.metadata["language_info"] = {"name": "python", "version": "3.11"}
    for cell in nb.cells:  # timestamps would make every rebuild a diff
        cell.metadata.pop("execution", None)


def solution_path(name: str) -> Path:
    return SOLUTIONS / name / f"{name}.ipynb"


def lesson_path(name: str) -> Path:
    return LESSONS / name / f"{name}.ipynb"


def write_solution(name: str, execute: bool = True) -> Path:
    """Build, run and save ``solutions/<name>/<name>.ipynb``."""
    path = solution_path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    nb = build_notebook(name)
    if execute:
        execute_notebook(nb, path.parent)
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
