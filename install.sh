#!/usr/bin/env bash
# One command on a fresh machine: install everything into .venv, then grade
# the bundled sample submission so you see scores and feedback at once.
#
#   ./install.sh              install, then grade examples/sample_submission
#   ./install.sh --no-demo    install only
set -euo pipefail
cd "$(dirname "$0")"

# The sandbox: bubblewrap (Debian package). Without it the grader falls back
# to a plain child process with resource limits (see README, "Sandbox").
if ! command -v bwrap >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        (apt-get update -qq && apt-get install -y -qq bubblewrap) >/dev/null 2>&1 \
            || echo "install.sh: could not install bubblewrap; the grader will use its fallback sandbox" >&2
    else
        echo "install.sh: bubblewrap (bwrap) not found; install it for the full sandbox" >&2
    fi
fi

# Optional: Debian's chromium, only to check in the tests that the batch's
# class report (report.html) renders in a real headless browser; the test
# skips, saying why, where it is absent. INSTALL_CHROMIUM=1 asks for it
# (CI sets it); grading never needs it.
if [ "${INSTALL_CHROMIUM:-0}" = 1 ] && ! command -v chromium >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        (apt-get update -qq && apt-get install -y -qq chromium) >/dev/null 2>&1 \
            || echo "install.sh: could not install chromium; the report rendering test will be skipped" >&2
    else
        echo "install.sh: INSTALL_CHROMIUM=1 needs root and apt-get; the report rendering test will be skipped" >&2
    fi
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$PY" -m venv .venv
fi
# Every package comes at the exact version of requirements.lock (the one
# locked environment that students, the grader, Gradescope, Classroom and CI
# share). PyTorch first, from the CPU wheel (torch==2.13.0), so no later
# install can replace it with a CUDA build. Where pip is configured with a
# local CPU wheel (find-links), it is used; elsewhere the CPU wheel comes from
# PyTorch's CPU index.
LOCK=requirements.lock
if .venv/bin/python -m pip download -q --no-deps --no-index -d "$(mktemp -d)" torch==2.13.0 >/dev/null 2>&1; then
    .venv/bin/python -m pip install -q -c "$LOCK" torch==2.13.0
else
    .venv/bin/python -m pip install -q -c "$LOCK" torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu
fi
if .venv/bin/python -m pip list 2>/dev/null | grep -qi '^nvidia-'; then
    echo "install.sh: CUDA packages were installed; remove .venv and retry with the CPU wheel" >&2
    exit 1
fi
.venv/bin/python -m pip install -q -c "$LOCK" -e ".[nbgrader,cluster,report,dev]"

if [ "${1:-}" != "--no-demo" ]; then
    echo
    echo "== Grading examples/sample_submission (a submission with a few typical mistakes) =="
    .venv/bin/grader grade examples/sample_submission --format markdown
fi
