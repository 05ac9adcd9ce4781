"""Helpers for tests/test_wheel.py and tests/test_browser.py: the course's wheel, installed alone in a
fresh virtual environment outside the checkout, as a student's JupyterHub or Colab has it.

The fresh environment sees this environment's packages through a ``.pth`` file, so nothing is
downloaded; the course itself comes only from the wheel.
"""
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def build_wheel(src: Path, out: Path) -> Path:
    """``pip wheel`` of a copy of the checkout in `src` (building writes build/ and *.egg-info beside
    the source), into `out`; returns the wheel's path."""
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    for package in ("course", "autograder"):
        shutil.copytree(ROOT / package, src / package, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-index",
                    "--no-build-isolation", "--wheel-dir", str(out), str(src)], check=True)
    (built,) = out.glob("course-*.whl")
    return built


def make_fresh_env(home: Path, wheel: Path) -> tuple[Path, dict]:
    """A new virtual environment in `home` with the wheel installed; returns (python, env)."""
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


def inside(path: str, folder: Path) -> bool:
    return Path(path).resolve().is_relative_to(folder.resolve())
