#!/usr/bin/env bash
# The course's whole test suite: package and pipeline tests, then every notebook in solutions/ under
# nbval. The released lessons/ run once, with the course installed from its wheel in a fresh
# environment: in JupyterLab in tests/test_browser.py, or, when that cannot run them (no Chromium, or
# -m "not browser"), under nbval in tests/test_wheel.py. COURSE_FAST=1 shrinks the lessons'
# training runs (their outputs are tagged nbval-ignore-output), so the suite fits in CI's time.
set -euo pipefail
cd "$(dirname "$0")/.."
export COURSE_FAST=1
# One torch thread per kernel: on a shared 2-core machine a busy neighbour made lesson 05's fast run
# 15x slower with two threads (205 s) and hardly slower with one (23 s). The unit tests set one too.
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
# Two pytest workers, each test file (and each notebook) whole on one of them, so a file's fixtures are
# built once: the long files (the browser, the class, the pipeline) run two at a time.
# The longest files go first (tests/conftest.py), in that order (--no-loadscope-reorder), so the two
# workers end together. `-n 0` after the command runs everything in one process. A worker that dies
# ends the run with its error (--max-worker-restart=0): a replaced worker once left the run waiting for
# ever, its two workers idle (xdist 3.8, --dist loadfile, 2026-12-03).
exec .venv/bin/python -m pytest -n 2 --dist loadfile --no-loadscope-reorder --max-worker-restart=0 --durations=15 --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg tests solutions "$@"
