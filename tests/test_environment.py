"""The environment is described twice (pyproject.toml for pip, environment.yml for conda): same pins."""
import re
import tomllib
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def pyproject_requirements() -> list[str]:
    """Every requirement pyproject.toml names: the dependencies and each optional extra's."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return project["dependencies"] + [d for extra in project.get("optional-dependencies", {}).values()
                                      for d in extra]


def pyproject_pins() -> dict[str, str]:
    return dict(d.split("==") for d in pyproject_requirements())


def environment_pins() -> dict[str, str]:
    lines = (ROOT / "environment.yml").read_text().splitlines()
    pins = [re.match(r"\s*-\s+([A-Za-z0-9_.\-]+)==(\S+)\s*$", line) for line in lines]
    return {m[1]: m[2] for m in pins if m}


def test_every_dependency_is_pinned_exactly():
    loose = [d for d in pyproject_requirements() if not re.fullmatch(r"[A-Za-z0-9_.\-]+==[0-9][\w.+\-]*", d)]
    assert not loose, f"unpinned dependencies in pyproject.toml: {loose}"


def test_environment_yml_names_the_same_packages_and_versions():
    pip_side, conda_side = pyproject_pins(), environment_pins()
    assert conda_side, "environment.yml lists no pinned pip packages"
    assert pip_side == conda_side, (
        f"only in pyproject.toml: {sorted(set(pip_side.items()) - set(conda_side.items()))}; "
        f"only in environment.yml: {sorted(set(conda_side.items()) - set(pip_side.items()))}")


def test_installed_versions_are_the_pinned_ones():
    wrong = {name: (pin, version(name)) for name, pin in pyproject_pins().items()
             if version(name).split("+")[0] != pin}
    assert not wrong, f"installed versions differ from the pins (pin, installed): {wrong}"


def test_torch_is_the_cpu_build():
    import torch
    assert torch.version.cuda is None, "a CUDA build of torch is installed; run `pip install torch==2.13.0` (CPU)"
