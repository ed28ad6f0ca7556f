#!/usr/bin/env bash
# The test command: installs first when .venv is missing (a fresh clone),
# then runs the whole suite (property tests against PyTorch, the lecture
# examples, the stubs, the bug and adversarial corpora, the grader, the
# delivery channels and the nbgrader course).
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c "import torch, hypothesis, grader" 2>/dev/null; then
    ./install.sh --no-demo
fi
exec .venv/bin/python -m pytest -q -W ignore::UserWarning "$@"
