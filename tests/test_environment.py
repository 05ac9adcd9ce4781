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


# Tools for testing and writing the course, never for taking it.
CONTRIBUTOR_TOOLS = {"pytest": "test", "nbval": "test", "playwright": "test", "jupytext": "instructor"}


def _closure(requirements: list[str]) -> dict[str, str]:
    """Every distribution a plain `pip install` of `requirements` pulls, with the one that asked for it.

    Read from the installed packages' own metadata (their Requires-Dist, extras and markers
    evaluated as pip would): nothing is downloaded or installed.
    """
    from importlib.metadata import PackageNotFoundError, distribution

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    pulled, todo = {}, [(Requirement(r), "course") for r in requirements]
    while todo:
        req, parent = todo.pop()
        name = canonicalize_name(req.name)
        if name in pulled or (req.marker and not req.marker.evaluate({"extra": ""})):
            continue
        pulled[name] = parent
        try:
            requires = distribution(req.name).requires or []
        except PackageNotFoundError:
            continue  # not installed here; test_installed_versions_are_the_pinned_ones names pinned ones
        for line in requires:
            sub = Requirement(line)
            wanted = [""] + sorted(req.extras)  # the plain requirements, then those of the asked-for extras
            if not sub.marker or any(sub.marker.evaluate({"extra": e}) for e in wanted):
                sub.marker = None
                todo.append((sub, name))
    return pulled


def test_a_plain_install_pulls_no_test_or_instructor_tooling():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pulled = _closure(project["dependencies"])
    assert {"torch", "jupyterlab", "nbgrader"} <= set(pulled), "the closure walk found too little to be trusted"
    leaked = {tool: f"pulled by {pulled[tool]}" for tool in CONTRIBUTOR_TOOLS if tool in pulled}
    assert not leaked, f"`pip install .` would install contributor tooling: {leaked}"
    extras = project["optional-dependencies"]
    misplaced = {tool: extra for tool, extra in CONTRIBUTOR_TOOLS.items()
                 if not any(r.split("==")[0] == tool for r in extras.get(extra, []))}
    assert not misplaced, f"expected in pyproject's extras (tool: extra): {misplaced}"


def test_setup_installs_the_contributor_extras():
    setup = (ROOT / "tools" / "setup.sh").read_text()
    assert re.search(r'pip install [^\n]*-e "\.\[test,instructor\]"', setup), (
        "tools/setup.sh must install the test and instructor extras (pip install -e \".[test,instructor]\")")
