"""Lesson sources are jupytext notebooks: what JupyterLab saves is what the repository holds."""
import ast
import textwrap

import jupytext
import pytest

from autograder.notebooks import SOURCES, lesson_names, read_cells

LESSON_NAMES = lesson_names()


@pytest.mark.parametrize("name", LESSON_NAMES)
def test_a_source_is_exactly_what_jupytext_writes(name):
    """An instructor who opens the .py as a notebook and saves it changes nothing but what they edited."""
    path = SOURCES / f"{name}.py"
    nb = jupytext.read(path)
    assert nb.metadata["jupytext"]["text_representation"]["format_name"] == "percent"
    assert nb.metadata["kernelspec"]["name"] == "python3"
    rewritten = jupytext.writes(nb, fmt="py:percent")
    assert rewritten == path.read_text(encoding="utf-8"), (
        f"{path.name} is not in jupytext's own layout; open it in JupyterLab and save it, or run "
        f"`jupytext --to py:percent {path}`")


@pytest.mark.parametrize("name", LESSON_NAMES)
def test_every_exercise_is_real_nbgrader_metadata(name):
    cells = read_cells(SOURCES / f"{name}.py")
    meta = [c.metadata["nbgrader"] for c in cells if "nbgrader" in c.metadata]
    answers = [m for m in meta if m["solution"] and not m["grade"]]
    tests = [m for m in meta if m["grade"] and not m["solution"]]
    assert answers and tests, f"{name}: no nbgrader answer or test cells found in the source"
    assert all(m["schema_version"] == 3 for m in meta)
    assert all(m["points"] > 0 for m in tests), f"{name}: a test cell worth no points"


TEST = '"grade_id": "{ID}", "schema_version": 3, "task": false, "grade": true, "solution": false, "locked": true, "points": 1'


def _source(tmp_path, *cells):
    path = tmp_path / "tiny.py"
    path.write_text("# %% [markdown]\n# # Tiny\n" + "".join(f"\n{c}\nassert True\n" for c in cells))
    return path


def test_a_test_cell_without_raises_exception_is_refused(tmp_path):
    bare = "# %% nbgrader={" + TEST.replace("{ID}", "test-x") + "}"
    with pytest.raises(ValueError, match=r"test cell 'test-x' needs tags=\[\"raises-exception\"\]"):
        read_cells(_source(tmp_path, bare))
    tagged = bare + ' tags=["raises-exception"]'
    cells = read_cells(_source(tmp_path, tagged))
    assert cells[1].id == "test-x" and cells[1].metadata["tags"] == ["raises-exception"]


def test_a_duplicated_grade_id_is_refused(tmp_path):
    cell = "# %% nbgrader={" + TEST.replace("{ID}", "test-x") + '} tags=["raises-exception"]'
    with pytest.raises(ValueError, match=r"duplicated grade_ids \['test-x'\]"):
        read_cells(_source(tmp_path, cell, cell))


def test_text_layout_hints_stay_out_of_the_notebook(tmp_path):
    """jupytext records a missing blank line as cell metadata; the built notebook must not carry it."""
    path = tmp_path / "tight.py"
    path.write_text("# %%\nimport math\n# %%\ndef f():\n    return math.pi\n")
    cells = read_cells(path)
    assert [c.source for c in cells] == ["import math", "def f():\n    return math.pi"]
    assert all(c.metadata == {} for c in cells), [c.metadata for c in cells]


def _names_in_order(code):
    """(name, 'load' | 'store') of each plain name at the cell's top level (not inside a function, class,
    lambda or comprehension), in source order; a function or class defined stores its name."""
    scopes = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda, ast.ListComp, ast.SetComp,
              ast.DictComp, ast.GeneratorExp)
    found = []

    def walk(node):
        if isinstance(node, scopes):
            if not isinstance(node, ast.Lambda) and hasattr(node, "name"):
                found.append((node.lineno, node.col_offset, node.name, "store"))
            for decorator in getattr(node, "decorator_list", []):
                walk(decorator)
            return
        if isinstance(node, ast.Name):
            found.append((node.lineno, node.col_offset, node.id, "load" if isinstance(node.ctx, ast.Load) else "store"))
        for child in ast.iter_child_nodes(node):
            walk(child)

    walk(ast.parse(code))
    return [(name, how) for _, _, name, how in sorted(found)]


@pytest.mark.parametrize("name", LESSON_NAMES)
def test_a_lesson_cell_reads_no_name_a_test_cell_binds_after_its_check(name):
    """A wrong answer fails its test cell at the self-check, so what the cell binds after that line is never
    bound: lesson 05's demo of block_forward read the test cell's `small`, and a student told the mistake was
    then shown "NameError: name 'small' is not defined" in the next cell (ch59; in the graded notebook too)."""
    late = {}  # a name bound after a test cell's self-check -> that test cell
    for cell in read_cells(SOURCES / f"{name}.py"):
        if cell.cell_type != "code":
            continue
        meta = cell.metadata.get("nbgrader", {})
        code = cell.source.split("### BEGIN HIDDEN TESTS")[0]
        if meta.get("grade") and not meta.get("solution"):
            lines = code.splitlines()
            at = next((i for i, line in enumerate(lines) if "checks.check_" in line), len(lines))
            for part, is_late in (("\n".join(lines[:at]), False), (textwrap.dedent("\n".join(lines[at:])), True)):
                try:
                    stored = [n for n, how in _names_in_order(part) if how == "store"]
                except SyntaxError:  # (a check inside a `with`: the cell cut in two there)
                    stored = []
                for n in stored:
                    if is_late:
                        late[n] = meta["grade_id"]
                    else:
                        late.pop(n, None)
            continue
        bound = set()
        for n, how in _names_in_order(code):
            if how == "load" and n in late and n not in bound:
                pytest.fail(f"{name}: a cell reads {n!r}, which {late[n]} binds only after its self-check: "
                            f"bind it in a cell of the lesson (or before the check)")
            if how == "store":
                bound.add(n)
                late.pop(n, None)
