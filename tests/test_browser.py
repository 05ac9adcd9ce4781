"""The course as a student sees it: JupyterLab in a real (headless) Chromium.

nbval checks what the kernel returns; this checks what the page shows. JupyterLab and its kernels run
from a fresh virtual environment with the course installed from its wheel alone, as on a class
JupyterHub (tests/wheel_support.py, as in tests/test_wheel.py); a first test checks that the kernel
runs that environment's python and imports the wheel's `course`, not the checkout's. For each
released lesson (`lessons/NN_x/NN_x.ipynb`) it opens JupyterLab on a throw-away copy of `lessons/`
and `solutions/` outside the checkout, clears the outputs, runs Run → Run All Cells, saves, and
checks that
  * every code cell ran, top to bottom, in one kernel;
  * no cell shows an error except those tagged `raises-exception` (the student's unfinished code);
  * at least one matplotlib figure is drawn as an image the browser could decode;
  * every widget output is a live ipywidgets view (not its text fallback), at least one per lesson,
    and each that has an input (text box, dropdown, slider…) redraws when the input changes;
  * nbgrader's Validate button is in the notebook toolbar.
It also runs one solutions notebook and checks that no cell shows an error at all, runs lesson 01
with a common wrong answer and checks that its test cell shows the short message naming the mistake
(no traceback), and, as the
instructor, grades an open question of a graded lesson-01 submission in nbgrader's formgrader.
A screenshot of each notebook goes to `screenshots/` (git-ignored), for a person to look at.

Needs Chromium (`apt-get install chromium`; `.ci/run` installs it) and Playwright (the `test` extra);
skips with a message when either is missing. Deselect with `-m "not browser"`.
Lessons run with COURSE_FAST=1, as in the rest of the test suite.
"""
import csv
import json
import os
import shutil
import sys
import time
from pathlib import Path

import pytest

from autograder import grading

from browser_support import (CONTROLS, LabServer, NotebookPage, change_control, find_chromium, launch_chromium,
                             widget_snapshot)
from wheel_support import build_wheel, inside, make_fresh_env

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "screenshots"
RUN_TIMEOUT = 240  # seconds for Run All on one notebook
WIDGET_TIMEOUT = 20  # seconds for the kernel to answer a widget change


def notebooks(folder: str) -> list[Path]:
    """`folder/NN_name/NN_name.ipynb`, the layout nbgrader uses for one assignment per lesson."""
    return sorted(p for p in (ROOT / folder).glob("[0-9][0-9]_*/[0-9][0-9]_*.ipynb") if p.stem == p.parent.name)


LESSONS = notebooks("lessons")
SOLUTIONS = notebooks("solutions")


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


@pytest.fixture(scope="module")
def chromium() -> str:
    path = find_chromium()
    if path is None:
        pytest.skip("Chromium not found: install it with `apt-get install chromium` (Debian) or set "
                    "COURSE_CHROMIUM to a Chromium/Chrome executable; `.ci/run` installs it in CI")
    return path


@pytest.fixture(scope="module")
def playwright():
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is missing: run `bash tools/setup.sh`")
    with sync_api.sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def fresh_env(tmp_path_factory) -> tuple[Path, dict]:
    """The course's wheel installed alone in a new virtual environment; returns (python, env)."""
    wheel = build_wheel(tmp_path_factory.mktemp("src"), tmp_path_factory.mktemp("wheel"))
    return make_fresh_env(tmp_path_factory.mktemp("venv"), wheel)


def lab_env(env: dict) -> dict:
    """The fresh environment's variables, for a JupyterLab run by its python. JupyterLab, nbgrader and
    ipywidgets reach it through its .pth file, but their front-end extensions (the Validate button,
    live widgets), kernel spec and server extension settings (nbgrader's handlers) are in this
    environment's share/jupyter and etc/jupyter, where the fresh python does not look: added after its own."""
    shared = os.path.join(sys.prefix, "share", "jupyter")
    return env | {"JUPYTER_PATH": os.pathsep.join([env["JUPYTER_PATH"], shared]),
                  "JUPYTER_CONFIG_PATH": os.path.join(sys.prefix, "etc", "jupyter")}


@pytest.fixture(scope="module")
def lab(tmp_path_factory, chromium, fresh_env):
    """JupyterLab from the fresh environment, serving a copy of lessons/ and solutions/, so the test
    never writes the repo's notebooks."""
    root, state = tmp_path_factory.mktemp("lab-root"), tmp_path_factory.mktemp("lab-state")
    for folder in ("lessons", "solutions"):
        shutil.copytree(ROOT / folder, root / folder, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    python, env = fresh_env
    server = LabServer(root, state, python=python, env=lab_env(env))
    try:
        server.start()
        yield server
    finally:
        server.stop()
    assert server.process.poll() is not None, "jupyter lab is still running after stop()"


@pytest.fixture(scope="module")
def browser(playwright, chromium, tmp_path_factory):
    context = launch_chromium(playwright, chromium, tmp_path_factory.mktemp("chromium-profile"))
    context.set_default_timeout(30_000)
    yield context
    context.close()


@pytest.fixture
def open_notebook(browser, lab):
    """open_notebook("lessons/…ipynb") → a NotebookPage in a fresh tab; its kernel is shut down afterwards."""
    pages = []

    def _open(path: str) -> NotebookPage:
        notebook = NotebookPage(browser.new_page(), lab, path)
        pages.append(notebook)
        notebook.open()
        return notebook

    yield _open
    for notebook in pages:
        notebook.page.close()
    lab.shutdown_kernels()


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
# ipywidgets model names of widgets a student changes (ipywidgets 8: IntSliderModel, DropdownModel, ...).
INPUT_MODEL_SUFFIXES = ("SliderModel", "DropdownModel", "TextareaModel", "TextModel", "CheckboxModel",
                        "ToggleButtonsModel", "RadioButtonsModel", "SelectModel")


def code_cells(nb: dict) -> list[int]:
    return [i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code" and "".join(c["source"]).strip()]


def tags(cell: dict) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def widget_cells(nb: dict) -> list[int]:
    """The cell of each widget output, once per output, in order."""
    return [i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code"
            for o in c.get("outputs", []) if WIDGET_VIEW in o.get("data", {})]


def errors_by_cell(nb: dict) -> dict[int, str]:
    return {i: f"{o['ename']}: {o['evalue']}" for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code"
            for o in c.get("outputs", []) if o["output_type"] == "error"}


def describe_errors(notebook: NotebookPage, errors: dict[int, str]) -> str:
    # What the student sees for each failing cell, cut short.
    return "\n".join(f"--- cell {i} ({e}):\n{notebook.output_text(i)[-1500:]}" for i, e in sorted(errors.items()))


def run_and_save(notebook: NotebookPage, original: dict) -> dict:
    """Clear outputs, Run All, save; returns the saved notebook. Checks the page shows the file's cells."""
    started = time.monotonic()
    notebook.run_all(timeout=RUN_TIMEOUT)
    saved = notebook.save()
    again = f" (Run All clicked {notebook.reclicks + 1} times: a click started nothing)" if notebook.reclicks else ""
    print(f"{notebook.path}: Run All took {time.monotonic() - started:.1f} s{again}")
    shown = notebook.cells().count()
    assert shown == len(original["cells"]) == len(saved["cells"]), (
        f"{notebook.path}: the page shows {shown} cells, the file on disk has {len(original['cells'])}, "
        f"the saved copy {len(saved['cells'])}")
    return saved


def check_all_ran(notebook: NotebookPage, saved: dict) -> None:
    """Every non-empty code cell ran exactly once, top to bottom, in this kernel."""
    cells = code_cells(saved)
    counts = [saved["cells"][i].get("execution_count") for i in cells]
    if None in counts:
        errors = errors_by_cell(saved)
        raise AssertionError(f"{notebook.path}: Run All stopped before code cell {cells[counts.index(None)]}; "
                             f"errors in cells {sorted(errors)}:\n" + describe_errors(notebook, errors))
    assert counts == list(range(1, len(counts) + 1)), (
        f"{notebook.path}: cells did not run once each, top to bottom, in a fresh kernel: counts {counts}")
    prompts = notebook.prompts()
    assert prompts == [f"[{n}]:" for n in counts], f"{notebook.path}: the page's prompts {prompts} disagree with the file"


def check_errors(notebook: NotebookPage, original: dict, saved: dict) -> int:
    """No error output except in cells tagged raises-exception in the file in the repo; returns their number."""
    expected = {i for i, c in enumerate(original["cells"]) if "raises-exception" in tags(c)}
    unexpected = {i: e for i, e in errors_by_cell(saved).items() if i not in expected}
    assert not unexpected, (f"{notebook.path}: errors in cells not tagged raises-exception:\n"
                            + describe_errors(notebook, unexpected))
    return len(expected)


def check_figures(notebook: NotebookPage) -> int:
    figures = notebook.figures()
    assert figures, f"{notebook.path}: no matplotlib figure was drawn (no PNG output on the page)"
    broken = [f for f in figures if not (f["complete"] and f["width"] > 0 and f["height"] > 0)]
    assert not broken, f"{notebook.path}: {len(broken)} of {len(figures)} figures did not decode: {broken}"
    return len(figures)


def input_widget_models(nb: dict) -> list[str]:
    """The input widgets (sliders, dropdowns, text boxes...) in a notebook's saved widget state."""
    state = nb["metadata"].get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})
    names = (m["model_name"] for m in state.get("state", {}).values())
    return sorted(n for n in names if n.endswith(INPUT_MODEL_SUFFIXES))


def check_widgets(notebook: NotebookPage, saved: dict, expect_inputs: bool,
                  timeout: float = WIDGET_TIMEOUT) -> list[str]:
    """Every widget output is a live view; each that has an input redraws when the input changes.

    A progress bar has no input; `expect_inputs` says the lesson also shows widgets that do.

    Returns what was done to each widget; raises one AssertionError listing every problem.
    """
    cells = widget_cells(saved)
    assert cells, f"{notebook.path}: no cell displayed an ipywidgets widget"
    problems, done = [], []
    for i in sorted(set(cells)):
        views, shown = notebook.widget_outputs(i), notebook.output_text(i)
        if views.count() < cells.count(i) or "Error displaying widget" in shown:
            problems.append(f"cell {i} displayed {cells.count(i)} widget(s) but the page shows "
                            f"{views.count()} live view(s) and this text fallback (is the ipywidgets "
                            f"JupyterLab extension enabled?): {shown[:300]!r}")
            continue
        for k in range(views.count()):
            view = views.nth(k)
            if view.locator(CONTROLS).count() == 0:
                continue  # a display-only widget: nothing to change
            before = widget_snapshot(view)
            action = change_control(view)
            deadline = time.monotonic() + timeout
            while widget_snapshot(view) == before and time.monotonic() < deadline:
                time.sleep(0.25)
            if widget_snapshot(view) == before:
                problems.append(f"cell {i}: {action}, but the widget's output did not change within {timeout} s")
            else:
                done.append(f"cell {i}: {action}")
    if expect_inputs and not problems and not done:
        problems.append("the solution shows input widgets, but none on this page had an input to change")
    assert not problems, (f"{notebook.path}: " + "; ".join(problems)
                          + f" (browser console errors: {notebook.console_errors[-5:]})")
    return done or ["display-only widgets (progress bars), nothing to change"]


def screenshot_name(path: str) -> Path:
    return SCREENSHOTS / f"browser_{path.split('/')[0]}_{Path(path).stem}.png"


def test_there_is_a_lesson_and_a_solution_to_open():
    assert LESSONS, "no lessons/NN_name/NN_name.ipynb found: build lesson 01 first"
    assert SOLUTIONS, "no solutions/NN_name/NN_name.ipynb found: build lesson 01 first"


WHERE_FROM = "import course, json, sys\nprint(json.dumps({'python': sys.executable, 'course': course.__file__}))"


def test_the_kernel_runs_the_fresh_environment_and_the_wheels_course(open_notebook, lab, fresh_env):
    """A notebook with the lessons' kernel spec, run in the lab: its kernel is the fresh environment's
    python (jupyter_client starts a kernel spec's `python` with the server's own), and imports `course` from the
    wheel installed there, not from the checkout. Every lesson below runs on this kernel."""
    python, _ = fresh_env
    kernelspec = json.loads(LESSONS[0].read_text())["metadata"]["kernelspec"]
    names = {p.stem: json.loads(p.read_text())["metadata"]["kernelspec"]["name"] for p in LESSONS + SOLUTIONS}
    assert set(names.values()) == {kernelspec["name"]}, f"the notebooks ask for different kernels: {names}"
    original = {"cells": [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
                           "source": WHERE_FROM}],
                "metadata": {"kernelspec": kernelspec}, "nbformat": 4, "nbformat_minor": 5}
    (lab.root / "selftest").mkdir(exist_ok=True)
    (lab.root / "selftest" / "where_from.ipynb").write_text(json.dumps(original))
    notebook = open_notebook("selftest/where_from.ipynb")
    saved = run_and_save(notebook, original)
    assert not errors_by_cell(saved), describe_errors(notebook, errors_by_cell(saved))
    outputs = saved["cells"][0]["outputs"]
    found = json.loads("".join(text for o in outputs if o.get("name") == "stdout" for text in o["text"]))
    assert Path(found["python"]) == python, f"the kernel runs {found['python']}, not the fresh environment's {python}"
    assert inside(found["course"], python.parent.parent) and not inside(found["course"], ROOT), (
        f"the kernel imported course from {found['course']}, not from the wheel installed in {python.parent.parent}")


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_lesson_runs_and_renders_in_jupyterlab(open_notebook, path):
    original = json.loads(path.read_text())
    notebook = open_notebook(relative(path))

    button = notebook.validate_button()
    assert button.count() == 1 and button.is_visible() and "Validate" in button.inner_text(), (
        f"{notebook.path}: nbgrader's Validate button is not in the notebook toolbar "
        "(check that `jupyter labextension list` shows @jupyter/nbgrader enabled)")

    saved = run_and_save(notebook, original)
    check_all_ran(notebook, saved)
    expected_errors = check_errors(notebook, original, saved)
    figures = check_figures(notebook)
    # The instructor's run says which lessons show widgets: those must render live and respond here.
    solution = json.loads((ROOT / "solutions" / path.parent.name / path.name).read_text())
    if widget_cells(solution):
        actions = check_widgets(notebook, saved, expect_inputs=bool(input_widget_models(solution)))
        anchor = widget_cells(saved)[0]
    else:
        assert not widget_cells(saved), f"{notebook.path}: widgets shown that the solution never shows"
        actions, anchor = ["this lesson has no widgets"], 0
    shot = screenshot_name(notebook.path)
    notebook.screenshot(shot, scroll_to=notebook.cells().nth(anchor))
    print(f"{notebook.path}: {figures} figures, {len(widget_cells(saved))} widgets ({'; '.join(actions)}), "
          f"{expected_errors} raises-exception cells, Validate button shown; screenshot {relative(shot)}")


@pytest.mark.parametrize("path", SOLUTIONS[:1], ids=lambda p: p.stem)
def test_solution_runs_without_errors_in_jupyterlab(open_notebook, path):
    original = json.loads(path.read_text())
    notebook = open_notebook(relative(path))
    saved = run_and_save(notebook, original)
    errors = errors_by_cell(saved)
    assert not errors, f"{notebook.path}: the solution shows errors:\n" + describe_errors(notebook, errors)
    check_all_ran(notebook, saved)
    figures = check_figures(notebook)
    shot = screenshot_name(notebook.path)
    notebook.screenshot(shot, scroll_to=notebook.page.locator(
        ".jp-CodeCell:has(.jp-OutputArea-output[data-mime-type='image/png'])").first)
    print(f"{notebook.path}: no errors, {figures} figures; screenshot {relative(shot)}")


def broken_notebook() -> dict:
    """A notebook with every fault the checks look for: a dead widget, a widget that cannot be shown,
    no figure, an error in an untagged cell and a cell that Run All never reaches."""
    bogus_view = {WIDGET_VIEW: {"model_id": "0" * 32, "version_major": 2, "version_minor": 0},
                  "text/plain": "VBox(children=(...))"}
    cells = [
        "import ipywidgets as w\nw.VBox([w.Textarea(value='type here'), w.HTML('never changes')])",
        f"from IPython.display import display\ndisplay({bogus_view!r}, raw=True)",
        "raise ValueError('a deliberate error')",
        "print('never reached')",
    ]
    return {"cells": [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": c}
                      for c in cells],
            "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                        "language": "python"}},
            "nbformat": 4, "nbformat_minor": 5}


def test_the_checks_catch_a_broken_notebook(open_notebook, lab):
    """The checks above can fail: each fault in a deliberately broken notebook is reported."""
    original = broken_notebook()
    (lab.root / "selftest").mkdir(exist_ok=True)
    (lab.root / "selftest" / "broken.ipynb").write_text(json.dumps(original))
    notebook = open_notebook("selftest/broken.ipynb")
    saved = run_and_save(notebook, original)
    with pytest.raises(AssertionError, match="Run All stopped before code cell 3"):
        check_all_ran(notebook, saved)
    with pytest.raises(AssertionError, match=r"not tagged raises-exception:\s+--- cell 2 \(ValueError: a deliberate"):
        check_errors(notebook, original, saved)
    original["cells"][2]["metadata"]["tags"] = ["raises-exception"]
    assert check_errors(notebook, original, saved) == 1
    with pytest.raises(AssertionError, match="no matplotlib figure was drawn"):
        check_figures(notebook)
    with pytest.raises(AssertionError) as failure:
        check_widgets(notebook, saved, expect_inputs=True, timeout=3)
    assert "cell 0: typed into a textarea, but the widget's output did not change within 3 s" in str(failure.value)
    assert "cell 1 displayed 1 widget(s) but the page shows 0 live view(s)" in str(failure.value)


# --- a student's wrong answer: the failed self-check as JupyterLab shows it ----------------------
def test_a_failed_check_shows_a_short_message_not_a_traceback(open_notebook, lab):
    """Lesson 01 with a common wrong `merge` (both overlapping pairs merged), run in the browser: the
    test cell shows which case failed, expected and got, and names the mistake, in a few lines, with
    no traceback into the course's internals. The screenshot is the picture of it."""
    from mistake_catalogue import CATALOGUE
    wrong = next(e for e in CATALOGUE if e.test == "test-merge" and e.mistake == "overlapping pairs merged")
    original = json.loads((ROOT / "lessons" / L01 / f"{L01}.ipynb").read_text())
    ids = [c["metadata"].get("nbgrader", {}).get("grade_id") for c in original["cells"]]
    answer, test = ids.index("merge"), ids.index("test-merge")
    original["cells"][answer]["source"] = wrong.source.strip() + "\n"
    original["cells"] = original["cells"][:test + 1]  # the lesson up to the check; the rest is not needed
    (lab.root / "student").mkdir(exist_ok=True)
    (lab.root / "student" / f"{L01}.ipynb").write_text(json.dumps(original))
    notebook = open_notebook(f"student/{L01}.ipynb")
    run_and_save(notebook, original)
    shown = notebook.output_text(test)
    assert "✗ merge: case 1 of " in shown, f"the failed case is not named; the cell shows:\n{shown}"
    assert "Mistake — overlapping pairs merged" in shown, f"the mistake is not named; the cell shows:\n{shown}"
    assert "expected:" in shown and "got:" in shown, f"no expected/got; the cell shows:\n{shown}"
    for internal in ("Traceback", "_core.py", "course/checks", "File \"", "AssertionError"):
        assert internal not in shown, f"the cell shows {internal!r}, a traceback into internals:\n{shown}"
    lines = [line for line in shown.splitlines() if line.strip()]
    assert len(lines) <= 15, f"the message is {len(lines)} lines long, not a short box:\n{shown}"
    shot = SCREENSHOTS / "browser_failed_check_01_merge.png"
    notebook.screenshot(shot, scroll_to=notebook.cells().nth(answer))
    print(f"{notebook.path}: the failed check shows {len(lines)} lines, mistake named; screenshot {relative(shot)}")


# --- the instructor: manual grading in nbgrader's formgrader -----------------------------------
L01 = "01_tokenization"
# What the instructor gives an open-question answer. Open questions are worth 0 points, so the
# score is 0 and the credit is extra; nbgrader counts extra credit only once a person scored the cell.
MANUAL_SCORE, EXTRA_CREDIT = 0.0, 1.5
COMMENT = "Clear about UTF-8 bytes; well argued."


def open_question(nb: dict) -> str:
    """The grade id of a lesson's first open question: a markdown answer graded by a person."""
    for cell in nb["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell["cell_type"] == "markdown" and meta.get("grade") and meta.get("solution"):
            return meta["grade_id"]
    raise AssertionError("the lesson has no open question (a markdown answer cell with grade: true)")


def exported(paths, student: str, lesson: str) -> dict:
    """The student's row of `python -m autograder export`."""
    out = grading.export(paths.work / "grades.csv", paths=paths)
    with open(out, newline="") as f:
        rows = [r for r in csv.DictReader(f) if (r["student"], r["lesson"]) == (student, lesson)]
    assert len(rows) == 1, f"export has {len(rows)} rows for {student}/{lesson}"
    return rows[0]


def manual_grading(paths, question: str, student: str):
    from nbgrader.api import Gradebook

    with Gradebook(paths.db_url) as gradebook:
        grade = gradebook.find_grade(question, L01, L01, student)
        comment = gradebook.find_comment(question, L01, L01, student)
        return grade.manual_score, grade.extra_credit, comment.manual_comment


XSS = ('\n\n<img src="no-such-image" onerror="document.body.dataset.xss = \'ran\'">'
       '<script>document.body.dataset.xss = "ran"</script>')


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    """A throw-away course with lesson 01 released, one submission (the solution) collected and graded."""
    root = tmp_path_factory.mktemp("class")
    paths = grading.copy_solutions_tree(root)
    grading.release(L01, paths=paths)
    inbox = tmp_path_factory.mktemp("inbox")
    (inbox / "ada").mkdir()
    # the solution, its open question answered with HTML that runs a script where it is rendered raw
    nb = json.loads((ROOT / "solutions" / L01 / f"{L01}.ipynb").read_text())
    question = open_question(nb)
    cell = next(c for c in nb["cells"] if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == question)
    cell["source"] = cell["source"] + [XSS]
    (inbox / "ada" / f"{L01}.ipynb").write_text(json.dumps(nb))
    grading.collect(inbox, L01, paths=paths)
    results = grading.autograde(L01, paths=paths)
    assert [r["success"] for r in results.values()] == [True], results
    return paths


@pytest.fixture(scope="module")
def formgrader_lab(tmp_path_factory, chromium, graded_class):
    """JupyterLab on the graded course, its nbgrader configuration the autograder's own
    (``autograder/nbgrader_config.py``, as when JupyterLab starts in ``autograder/``), with the
    throw-away course's folders and gradebook."""
    paths, state = graded_class, tmp_path_factory.mktemp("formgrader-state")
    coursedir = grading.make_api(paths).coursedir
    settings = ["course_id", "root", "source_directory", "release_directory", "submitted_directory",
                "autograded_directory", "feedback_directory", "db_url"]
    (state / "config").mkdir()
    (state / "config" / "nbgrader_config.py").write_text(
        f"c = get_config()\nload_subconfig({str(ROOT / 'autograder' / 'nbgrader_config.py')!r})\n" + "".join(
            f"c.CourseDirectory.{name} = {getattr(coursedir, name)!r}\n" for name in settings))
    server = LabServer(paths.root, state)
    try:
        server.start()
        yield server
    finally:
        server.stop()


def test_a_manual_grade_from_the_formgrader_is_exported_and_survives_a_regrade(browser, formgrader_lab, graded_class):
    """The instructor opens Nbgrader → Formgrader in JupyterLab, finds the submission through Manual
    Grading, scores an open question (0 points + extra credit) and comments; `export` counts it, and
    `autograde` of the same file keeps it."""
    paths, student = graded_class, "ada"
    question = open_question(json.loads((ROOT / "solutions" / L01 / f"{L01}.ipynb").read_text()))
    before = exported(paths, student, L01)
    assert before["status"] == "graded" and before["score"] == before["max_score"], before

    page = browser.new_page()
    page.goto(formgrader_lab.url("lab/workspaces/formgrader"), timeout=90_000)
    page.locator(".lm-MenuBar-item", has=page.locator(".lm-MenuBar-itemLabel:text-is('Nbgrader')")).click()
    page.locator(".lm-Menu-item[data-command='nbgrader:open-formgrader']").click()
    frame = page.frame_locator(".jp-MainAreaWidget iframe")
    # Manual Grading → the lesson → its notebook → the one submission (names hidden): links picked
    # by their address, so a click never lands on the page being left.
    frame.locator("a:text-is('Manual Grading')").click()
    frame.locator(f"a[href$='/formgrader/gradebook/{L01}']").click()
    frame.locator(f"a[href$='/formgrader/gradebook/{L01}/{L01}']").click()
    frame.locator("a[href*='/formgrader/submissions/']", has_text="Submission #1").click()
    wanted = (MANUAL_SCORE, EXTRA_CREDIT, COMMENT)
    # Each field saves on change; wait for each save to reach the gradebook before the next, so a
    # late reply cannot redraw a field that was just typed into.
    steps = [(f"input.score[id='{question}']", MANUAL_SCORE, 0),
             (f"input.extra-credit[id='{question}_extra_credit']", EXTRA_CREDIT, 1),
             (f"textarea[id='{question}-comment']", COMMENT, 2)]
    try:
        for field, value, k in steps:
            # typed again if not saved within 15 s: a field filled before the page's script bound its
            # change handler sends nothing (seen once on a busy machine, no request in 60 s)
            for _ in range(4):
                frame.locator(field).fill(str(value))
                frame.locator(field).press("Tab")
                deadline = time.monotonic() + 15
                while manual_grading(paths, question, student)[k] != value and time.monotonic() < deadline:
                    time.sleep(0.5)
                if manual_grading(paths, question, student)[k] == value:
                    break
            assert manual_grading(paths, question, student)[k] == value, (
                f"the formgrader did not save {field} = {value!r} typed 4 times, 15 s each "
                f"(gradebook: {manual_grading(paths, question, student)}); server log:\n{formgrader_lab.log_tail()}")
        xss_ran = frame.locator("body[data-xss]").count() > 0
    finally:
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "browser_formgrader.png"))
        page.close()
    assert manual_grading(paths, question, student) == wanted
    # the student's HTML was shown as text, its script never ran in the instructor's JupyterLab (where it
    # could have called the server's API to change grades)
    assert not xss_ran, "a script in the student's markdown answer ran in the formgrader"

    after = exported(paths, student, L01)
    assert float(after["score"]) == pytest.approx(float(before["score"]) + EXTRA_CREDIT), (before, after)
    grading.autograde(L01, paths=paths)  # the same file and tests: a person's grading is kept
    again = exported(paths, student, L01)
    assert (again["status"], again["score"]) == (after["status"], after["score"]), (after, again)
    assert manual_grading(paths, question, student) == wanted
