#!/usr/bin/env bash
# The course's whole test suite: package and pipeline tests, then every notebook in solutions/ and
# lessons/ under nbval. COURSE_FAST=1 shrinks the lessons' training runs (their outputs are tagged
# nbval-ignore-output), so the suite fits in CI's time on a 2-core CPU.
set -euo pipefail
cd "$(dirname "$0")/.."
export COURSE_FAST=1
exec .venv/bin/python -m pytest --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg tests solutions lessons "$@"
