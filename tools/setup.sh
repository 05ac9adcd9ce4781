#!/usr/bin/env bash
# One command to set up the course on a fresh machine: a virtual environment in .venv with every
# pinned package (see pyproject.toml), the test and instructor extras included. Needs Python 3.11
# and pip access to PyPI; no conda, no GPU. (A student who only takes the course needs `pip install .`)
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
"$PYTHON" -c 'import sys; assert sys.version_info[:2] in [(3, 11), (3, 12)], f"Python 3.11 or 3.12 needed, this is {sys.version.split()[0]}"'
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
# torch first, pinned, so that nothing later pulls the multi-gigabyte CUDA build.
.venv/bin/python -m pip install --quiet torch==2.13.0
.venv/bin/python -m pip install --quiet -e ".[test,instructor]"
.venv/bin/python -c "import course, torch, transformers, nbgrader, jupytext, nbval, playwright; print('course set up: torch', torch.__version__, '| transformers', transformers.__version__)"
