"""The course anywhere: no clone, just the package and a lesson notebook.

A student on a class JupyterHub or on Colab installs the course with pip and opens a lesson copied
into any folder. Here: build the wheel, install it in a fresh virtual environment outside the
checkout, copy each released lesson alone into an empty folder and run it there under nbval
(COURSE_FAST=1), so its stored outputs are checked as well: this is the suite's one run of lessons/
(tools/test.sh gives nbval solutions/ only). The fresh environment sees this environment's packages
through a ``.pth`` file, so nothing is downloaded; the course itself comes only from the wheel.
"""
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import venv
import zipfile
from pathlib import Path

import pytest

from autograder.notebooks import lesson_names, lesson_path

ROOT = Path(__file__).resolve().parent.parent
LESSON_NAMES = lesson_names()

# The last cell added to each lesson copy: the kernel must have imported `course` from the fresh
# environment (an AssertionError fails nbval; the printed paths are for the failure message).
WHERE_FROM = """import course, sys
print(course.__file__, sys.executable)
assert course.__file__.startswith(sys.prefix), f"course imported from {course.__file__}, not from {sys.prefix}"
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """``pip wheel`` of a copy of the checkout (building writes build/ and *.egg-info beside the source)."""
    src = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    for package in ("course", "autograder"):
        shutil.copytree(ROOT / package, src / package, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-index",
                    "--no-build-isolation", "--wheel-dir", str(out), str(src)], check=True)
    (built,) = out.glob("course-*.whl")
    return built


def _package_data() -> set[str]:
    """The checkout's data files that the lessons read: corpora and the pretrained model."""
    files = [p for folder in ("data", "models") for p in (ROOT / "course" / folder).rglob("*") if p.is_file()]
    return {p.relative_to(ROOT).as_posix() for p in files if "__pycache__" not in p.parts}


def test_the_wheel_ships_the_data_and_the_model(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = _package_data()
    assert any(n.endswith(".safetensors") for n in expected), "course/models holds no weights?"
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
    """A new virtual environment outside the checkout with the wheel installed; returns (python, env)."""
    home = tmp_path_factory.mktemp("venv")
    venv.EnvBuilder(with_pip=False).create(home)
    python = home / "bin" / "python"
    site = Path(subprocess.check_output([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                        text=True).strip())
    shared = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    # Plain paths, appended after the fresh site-packages: the wheel's `course` is found first, and
    # this environment's .pth files (among them the editable install of the checkout) are not run.
    (site / "shared-environment.pth").write_text("\n".join(sorted(shared)) + "\n")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env |= {"COURSE_FAST": "1", "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
            "JUPYTER_PATH": str(home / "share" / "jupyter")}
    subprocess.run([python, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", "--ignore-installed",
                    str(wheel)], check=True, env=env, cwd=home)
    return python, env


def _inside(path: str, folder: Path) -> bool:
    return Path(path).resolve().is_relative_to(folder.resolve())


def test_the_fresh_environment_imports_the_installed_course(fresh_env, tmp_path):
    python, env = fresh_env
    out = subprocess.run([python, "-c", "import course, autograder, json; "
                          "print(json.dumps([course.__file__, autograder.__file__]))"],
                         cwd=tmp_path, env=env, capture_output=True, text=True, check=True)
    course_file, autograder_file = json.loads(out.stdout)
    home = python.parent.parent
    assert _inside(course_file, home) and _inside(autograder_file, home), (course_file, autograder_file)
    assert not _inside(course_file, ROOT)


@pytest.mark.parametrize("name", LESSON_NAMES)
def test_a_released_lesson_runs_alone_in_any_folder(fresh_env, tmp_path, name):
    """nbval in the fresh environment: every cell runs and its outputs match the stored ones."""
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
