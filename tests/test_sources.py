"""Lesson sources are jupytext notebooks: what JupyterLab saves is what the repository holds."""
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
