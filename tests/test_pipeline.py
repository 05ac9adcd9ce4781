"""The nbgrader pipeline, end to end: sources → solutions → release → submissions → grades.

Everything runs in a temporary course folder; the repository's own gradebook and folders are untouched.
"""
import csv
import json
import os
import re
import shutil

import nbformat
import pytest
from mistake_catalogue import TUNED_MERGE

from autograder import grading
from autograder.notebooks import (LESSON_NAMES_FILE, LESSONS, ROOT, lesson_names, lesson_names_record, lesson_path,
                                  solution_path, sources_match)

LESSON_NAMES = lesson_names()


def test_every_lesson_has_a_solution_and_a_release():
    assert LESSON_NAMES, "no lessons found in notebooks/"
    for name in LESSON_NAMES:
        assert solution_path(name).is_file(), f"{name}: run `python -m autograder build {name}`"
        assert lesson_path(name).is_file(), f"{name}: run `python -m autograder release {name}`"
    stray = sorted(p.name for p in LESSONS.iterdir() if p.is_dir() and p.name not in LESSON_NAMES)
    assert not stray, f"lessons/ holds folders with no source in notebooks/: {stray}"


def test_the_cli_takes_a_lesson_by_its_number():
    from autograder.__main__ import full_lesson_name
    for name in LESSON_NAMES:
        assert full_lesson_name(name[:2]) == full_lesson_name(name) == name
    assert full_lesson_name("99") == "99"  # no such lesson: passed on, to be refused with the list of lessons
    assert full_lesson_name("tiny") == "tiny"  # another course's lesson name


@pytest.mark.parametrize("name", LESSON_NAMES)
def test_solutions_are_built_from_the_sources(name):
    assert sources_match(name) == []


@pytest.mark.parametrize("name", LESSON_NAMES)
def test_the_self_checks_know_the_lessons_names_as_the_autograder_does(name):
    """The kernel's self-checks read an answer with the autograder's rules and the lesson's names
    (course/checks/lesson_names.json, which ships in the package): they must be this lesson's."""
    shipped = json.loads(LESSON_NAMES_FILE.read_text()).get(name)
    assert shipped == lesson_names_record(name), (
        f"course/checks/lesson_names.json is out of step with {name}: run `python -m autograder release {name[:2]}`")


@pytest.mark.parametrize("name", LESSON_NAMES)
def test_solutions_are_fully_executed(name):
    nb = nbformat.read(solution_path(name), as_version=4)
    unrun = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.source.strip()
             and c.execution_count is None]
    assert not unrun, f"{name}: code cells {unrun} have no stored outputs; rebuild the notebook"
    errors = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"
              for o in c.outputs if o.output_type == "error"]
    assert not errors, f"{name}: cells {errors} stored an error"


@pytest.fixture(scope="module")
def course_copy(tmp_path_factory):
    """A throw-away course: a copy of solutions/, released with nbgrader into its own lessons/."""
    root = tmp_path_factory.mktemp("course")
    paths = grading.copy_solutions_tree(root)
    grading.release(paths=paths)
    return paths


def _comparable(path):
    nb = json.loads(path.read_text())
    return [(c["cell_type"], "".join(c["source"]), c.get("metadata"), c.get("outputs")) for c in nb["cells"]]


@pytest.mark.parametrize("name", LESSON_NAMES)
def test_lessons_are_exactly_what_nbgrader_releases(course_copy, name):
    released = course_copy.release / name / f"{name}.ipynb"
    assert _comparable(released) == _comparable(lesson_path(name)), (
        f"lessons/{name} differs from nbgrader's release of solutions/{name}; "
        f"run `python -m autograder release {name}` (never edit lessons/ by hand)")
    text = lesson_path(name).read_text()
    assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text


def _buggy_merge(notebook_path, target):
    """The lesson 01 solution with a classic bug in `merge` (overlapping occurrences double-merged)."""
    nb = nbformat.read(notebook_path, as_version=4)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "merge":
            cell.source = re.sub(r"i \+= 2", "i += 1", cell.source)
            assert "i += 1" in cell.source
    nbformat.write(nb, target)


def _with_merge(notebook_path, target, source):
    nb = nbformat.read(notebook_path, as_version=4)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "merge":
            cell.source = source
    nbformat.write(nb, target)


@pytest.fixture(scope="module")
def graded(course_copy, tmp_path_factory):
    """Three students for every lesson: the solution, the unchanged lesson, and (lesson 01) a bug,
    graded by two workers on a fresh gradebook (the first run over a real class: every student is new
    to the gradebook and hands in several lessons)."""
    inbox = tmp_path_factory.mktemp("inbox")
    for name in LESSON_NAMES:
        for student, source in [("solution", solution_path(name)), ("unchanged", lesson_path(name))]:
            (inbox / student).mkdir(exist_ok=True)
            shutil.copy(source, inbox / student / f"{name}.ipynb")
    if "01_tokenization" in LESSON_NAMES:
        (inbox / "buggy").mkdir()
        _buggy_merge(solution_path("01_tokenization"), inbox / "buggy" / "01_tokenization.ipynb")
        (inbox / "tuned").mkdir()
        _with_merge(solution_path("01_tokenization"), inbox / "tuned" / "01_tokenization.ipynb", TUNED_MERGE)
    before = {p: p.read_bytes() for p in inbox.rglob("*.ipynb")}
    grading.collect(inbox, paths=course_copy)
    assert not course_copy.gradebook.exists() or not grading._holds_grades(course_copy)
    results = grading.autograde(paths=course_copy, workers=2)
    out = grading.export(course_copy.work / "grades.csv", paths=course_copy)
    after = {p: p.read_bytes() for p in inbox.rglob("*.ipynb")}
    assert before == after, "grading modified a student's file"
    with open(out) as f:
        rows = {(r["student"], r["lesson"]): r for r in csv.DictReader(f)}
    return results, rows


@pytest.mark.parametrize("name", LESSON_NAMES)
def test_solution_gets_full_marks(graded, name):
    results, rows = graded
    assert results[("solution", name)]["success"], results[("solution", name)].get("error")
    row = rows[("solution", name)]
    assert float(row["max_score"]) > 0
    assert float(row["score"]) == float(row["max_score"]), row
    assert row["status"] == "graded"


@pytest.mark.parametrize("name", LESSON_NAMES)
def test_unchanged_lesson_gets_zero_without_errors(graded, name):
    results, rows = graded
    assert results[("unchanged", name)]["success"], results[("unchanged", name)].get("error")
    row = rows[("unchanged", name)]
    assert float(row["score"]) == 0.0 and row["status"] == "graded", row


def test_buggy_submission_gets_partial_marks(graded):
    if "01_tokenization" not in LESSON_NAMES:
        pytest.skip("lesson 01 is not built")
    _, rows = graded
    row = rows[("buggy", "01_tokenization")]
    assert 0 < float(row["score"]) < float(row["max_score"]), row
    # exactly the merge exercise's values point is lost; its result still has the right form (1 point)
    assert float(row["score"]) == float(row["max_score"]) - 1, row


def _hidden_lines(name):
    from autograder.preprocessors import hidden_lines
    released = "\n".join(c.source for c in nbformat.read(lesson_path(name), as_version=4).cells)
    found = {line for line in hidden_lines(nbformat.read(solution_path(name), as_version=4)) if line not in released}
    assert len(found) > 10, f"{name}: its hidden tests were not found"
    return found


def test_feedback_hides_hidden_tests(graded, course_copy):
    if "01_tokenization" not in LESSON_NAMES:
        pytest.skip("lesson 01 is not built")
    grading.feedback("01_tokenization", "solution", paths=course_copy)
    html = (course_copy.feedback / "solution" / "01_tokenization" / "01_tokenization.html").read_text()
    import html as html_module
    text = html_module.unescape(html)
    assert "BEGIN HIDDEN TESTS" not in text
    assert not [line for line in _hidden_lines("01_tokenization") if line in text]
    assert "char_encode" in html  # the visible tests and the student's code are there


@pytest.mark.parametrize("name", LESSON_NAMES)
def test_the_students_kernel_never_gets_the_hidden_tests(graded, course_copy, name):
    """The notebook that nbgrader ran (the autograded one) holds none of the lesson's hidden tests: the
    grader ran them, with the answers in another process (autograder/recheck.py)."""
    ran = nbformat.read(course_copy.autograded / "solution" / name / f"{name}.ipynb", as_version=4)
    sources = "\n".join(cell.source for cell in ran.cells)
    assert "BEGIN HIDDEN TESTS" not in sources
    assert not [line for line in _hidden_lines(name) if line in sources]


def test_an_answer_tuned_to_what_the_student_sees_fails_the_hidden_tests(graded, course_copy):
    if "01_tokenization" not in LESSON_NAMES:
        pytest.skip("lesson 01 is not built")
    _, rows = graded
    row = rows[("tuned", "01_tokenization")]
    assert float(row["score"]) == float(row["max_score"]) - 1, row  # merge's values point, nothing else
    assert "0 points for test-merge: its hidden tests, run with the answers alone in another process, fail: " \
           "hidden test (a list of " in row["detail"] and "ids): wrong result" in row["detail"], row
    grading.feedback("01_tokenization", "tuned", paths=course_copy)
    html = (course_copy.feedback / "tuned" / "01_tokenization" / "01_tokenization.html").read_text()
    assert "hidden tests, run with your answers in a process of their own, failed" in html


def test_build_says_which_cell_ran_too_long_and_how_to_give_it_longer(tmp_path):
    from autograder.notebooks import execute_notebook
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1"),
                                         nbformat.v4.new_code_cell("import time; time.sleep(30)"),
                                         nbformat.v4.new_code_cell("y = 2")])
    with pytest.raises(TimeoutError) as error:
        execute_notebook(nb, tmp_path, timeout=2)
    message = str(error.value)
    assert "code cell 1 ('import time" in message and "2 s" in message, message
    assert "--cell-timeout" in message, message


def test_the_graders_exporter_checks_the_notebook_once_after_its_preprocessors(monkeypatch):
    """nbconvert checks the notebook against the schema after each preprocessor; the grader's (its
    ``optimistic_validation``, nbgrader_config.py) once, after the last, and a notebook a preprocessor
    left invalid still fails."""
    from nbconvert.exporters import NotebookExporter
    from nbconvert.preprocessors import Preprocessor
    from traitlets.config.loader import PyFileConfigLoader

    class Breaks(Preprocessor):
        def preprocess(self, nb, resources):
            nb.cells[0]["cell_type"] = "not a cell type"
            return nb, resources

    class Keeps(Preprocessor):
        def preprocess(self, nb, resources):
            return nb, resources

    checked = []  # (nbconvert's checks pass relax_add_props; nbformat's own, on writing, do not)
    real = nbformat.validate
    monkeypatch.setattr(nbformat, "validate", lambda nb, **kw: (checked.append(kw.get("relax_add_props")), real(nb, **kw)))
    config = PyFileConfigLoader("nbgrader_config.py", path=os.path.dirname(grading.__file__)).load_config()
    exporter = NotebookExporter(config=config)
    for _ in range(3):
        exporter.register_preprocessor(Keeps(), enabled=True)
    exporter.from_notebook_node(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")]))
    assert checked.count(True) == 1, f"checked {checked.count(True)} times"
    exporter.register_preprocessor(Breaks(), enabled=True)
    with pytest.raises(nbformat.ValidationError):
        exporter.from_notebook_node(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")]))
