#!/usr/bin/env bash
# The test command: installs first when .venv is missing (a fresh clone),
# runs the linter (ruff) and the type checker (mypy), then the test suite
# (property tests against PyTorch, the lecture examples, the stubs, the bug
# and adversarial corpora, the grader, the delivery channels and the
# nbgrader course). Arguments go to pytest:
#
#   ./run_tests.sh                   everything (what CI runs)
#   ./run_tests.sh -m "not slow"     the fast tier
#   ./run_tests.sh tests/unit        the unit tier
#
# The tests run on two worker processes (pytest-xdist), each test file on
# one of them (--dist loadfile: a file's module fixtures are built once),
# the longest files first (conftest.py's order; xdist would otherwise put
# the files with the most tests first); add -n 0 to run them all in this
# process (for pdb, or -x).
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c "import torch, hypothesis, grader, ruff, mypy, xdist" 2>/dev/null; then
    ./install.sh --no-demo
fi
.venv/bin/python -m ruff check .
.venv/bin/python -m mypy
exec .venv/bin/python -m pytest -q -W ignore::UserWarning -n 2 --dist loadfile --no-loadscope-reorder "$@"
