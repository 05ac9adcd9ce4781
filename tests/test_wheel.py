"""The course anywhere: no clone, just the package and a lesson notebook.

A student on a class JupyterHub or on Colab installs the course with pip and opens a lesson copied
into any folder. Here: build the wheel, check what it ships and requires, and install it in a fresh
virtual environment outside the checkout (tests/wheel_support.py), whose python must import the
wheel's `course`, not the checkout's.

tests/test_browser.py runs every released lesson in JupyterLab from that fresh environment (a wheel
built the same way). Only when it cannot run a lesson (Chromium or Playwright missing, or its test
not selected, e.g. with `-m "not browser"`) does this file run the lesson itself: copied alone into an
empty folder, under nbval in the fresh environment (COURSE_FAST=1). lessons/ hold no stored outputs,
so nbval compares none: it checks that every cell runs and that no cell raises except those tagged
`raises-exception`; a last cell checks that the kernel imported `course` from the fresh environment.
"""
import importlib.util
import json
import shutil
import subprocess
import tomllib
import zipfile
from pathlib import Path

import pytest

from autograder.notebooks import lesson_names, lesson_path

from browser_support import find_chromium
from wheel_support import ROOT, build_wheel, inside, make_fresh_env

LESSON_NAMES = lesson_names()

# The last cell added to each lesson copy: the kernel must have imported `course` from the fresh
# environment (an AssertionError fails nbval; the printed paths are for the failure message).
WHERE_FROM = """import course, sys
print(course.__file__, sys.executable)
assert course.__file__.startswith(sys.prefix), f"course imported from {course.__file__}, not from {sys.prefix}"
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    return build_wheel(tmp_path_factory.mktemp("src"), tmp_path_factory.mktemp("wheel"))


def _package_data() -> set[str]:
    """The checkout's data files that the lessons read: corpora, the pretrained model, and the lessons'
    names for the self-checks (course/checks/lesson_names.json)."""
    files = [p for folder in ("data", "models") for p in (ROOT / "course" / folder).rglob("*") if p.is_file()]
    files += list((ROOT / "course" / "checks").glob("*.json"))
    return {p.relative_to(ROOT).as_posix() for p in files if "__pycache__" not in p.parts}


def test_the_wheel_ships_the_data_and_the_model(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = _package_data()
    assert any(n.endswith(".safetensors") for n in expected), "course/models holds no weights?"
    assert "course/checks/lesson_names.json" in expected, "course/checks/lesson_names.json is missing"
    assert not expected - names, f"files the lessons read but the wheel leaves out: {sorted(expected - names)}"


def test_the_wheel_requires_what_pyproject_says_and_no_test_tooling(wheel):
    with zipfile.ZipFile(wheel) as archive:
        (metadata,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        lines = archive.read(metadata).decode().splitlines()
    requires = [line.split(": ", 1)[1] for line in lines if line.startswith("Requires-Dist: ")]
    plain = sorted(r for r in requires if ";" not in r)  # no `extra == "…"` marker: what `pip install` pulls
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert plain == sorted(project["dependencies"])
    assert not {r.split("==")[0] for r in plain} & {"pytest", "nbval", "playwright", "jupytext"}, plain


@pytest.fixture(scope="module")
def fresh_env(tmp_path_factory, wheel) -> tuple[Path, dict]:
    return make_fresh_env(tmp_path_factory.mktemp("venv"), wheel)


def test_the_fresh_environment_imports_the_installed_course(fresh_env, tmp_path):
    python, env = fresh_env
    out = subprocess.run([python, "-c", "import course, autograder, json; "
                          "print(json.dumps([course.__file__, autograder.__file__]))"],
                         cwd=tmp_path, env=env, capture_output=True, text=True, check=True)
    course_file, autograder_file = json.loads(out.stdout)
    home = python.parent.parent
    assert inside(course_file, home) and inside(autograder_file, home), (course_file, autograder_file)
    assert not inside(course_file, ROOT)


def browser_runs(request, name: str) -> bool:
    """Whether tests/test_browser.py runs this lesson in this session: its test is selected (not
    deselected by `-m "not browser"` or `-k`, its file not left out) and Chromium and Playwright are here."""
    test = f"test_browser.py::test_lesson_runs_and_renders_in_jupyterlab[{name}]"
    selected = any(item.nodeid.endswith(test) for item in request.session.items)
    return selected and find_chromium() is not None and importlib.util.find_spec("playwright.sync_api") is not None


@pytest.mark.parametrize("name", LESSON_NAMES)
def test_a_released_lesson_runs_alone_in_any_folder(request, fresh_env, tmp_path, name):
    """nbval in the fresh environment, when the browser test does not run this lesson: every cell runs,
    no cell raises except those tagged `raises-exception` (lessons/ store no outputs to compare), and
    the kernel imported `course` from the fresh environment."""
    if browser_runs(request, name):
        pytest.skip("tests/test_browser.py runs every released lesson from a wheel built the same way, in "
                    "a fresh environment (its kernel checked to import that wheel's course)")
    import nbformat
    python, env = fresh_env
    nb = nbformat.read(lesson_path(name), as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(WHERE_FROM, metadata={"tags": ["nbval-ignore-output"]}))
    nbformat.write(nb, tmp_path / f"{name}.ipynb")
    shutil.copy2(ROOT / "tests" / "nbval_sanitize.cfg", tmp_path / "nbval_sanitize.cfg")
    run = subprocess.run([python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval", "--nbval-current-env",
                          "--nbval-sanitize-with", "nbval_sanitize.cfg", f"{name}.ipynb"],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=1200)
    assert run.returncode == 0, f"{name} failed outside the checkout:\n{run.stdout[-6000:]}\n{run.stderr[-2000:]}"
    assert " passed" in run.stdout and " failed" not in run.stdout, run.stdout[-2000:]
