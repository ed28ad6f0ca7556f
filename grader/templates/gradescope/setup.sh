#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image.
# /autograder/source holds this zip's contents: the grader, the hidden
# reference solutions, the public checks, the rubric and requirements.lock.
#
# It installs, at the versions of requirements.lock:
#   bubblewrap     the sandbox that runs student code (apt, when missing)
#   a venv         $ROOT/grader-venv: PyTorch 2.13.0 (CPU wheel, never CUDA)
#                  and the grader (a regular install of /autograder/source)
# and then draws every grading case once into $ROOT/grader-cache, so that
# no submission pays for drawing them (each submission runs in a fresh
# container built from this image).
#
# Overrides (for testing outside Gradescope):
#   AUTOGRADER_ROOT    default /autograder
#   GRADER_PYTHON      a Python that already has the grader installed: skip
#                      the installs (the case cache is still drawn)
#   CNN_GRADER_CACHE   the case cache (default $ROOT/grader-cache)
#   PYTHON             the Python to build the venv with (default: the newest >= 3.11)
#   TORCH_INDEX_URL    PyTorch's CPU index (default https://download.pytorch.org/whl/cpu);
#                      setting it skips the look for a local CPU wheel
set -euo pipefail
ROOT=${AUTOGRADER_ROOT:-/autograder}
SOURCE="$ROOT/source"
VENV="$ROOT/grader-venv"
export CNN_GRADER_CACHE=${CNN_GRADER_CACHE:-$ROOT/grader-cache}

# Settings baked in by `grader gradescope` (GRADER_DEFAULT_ARGS, ...).
if [ -f "$SOURCE/gradescope.env" ]; then
    # shellcheck disable=SC1091
    . "$SOURCE/gradescope.env"
fi

apt_install() {
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        export DEBIAN_FRONTEND=noninteractive
        if [ -z "${APT_UPDATED:-}" ]; then
            apt-get update -qq
            APT_UPDATED=1
        fi
        apt-get install -y -qq "$@"
    else
        echo "setup.sh: cannot install $* (needs root and apt-get)" >&2
        return 1
    fi
}

if [ -n "${GRADER_PYTHON:-}" ]; then
    echo "setup.sh: GRADER_PYTHON=$GRADER_PYTHON is set; skipping the installs"
    PYTHON_BIN=$GRADER_PYTHON
else
    # bubblewrap: no network, read-only view, own pid namespace, unprivileged uid.
    if ! command -v bwrap >/dev/null 2>&1; then
        apt_install bubblewrap || echo "setup.sh: WARNING: no bubblewrap" >&2
    fi

    # The grader needs Python 3.11 or newer (tomllib), with venv.
    PY=${PYTHON:-}
    if [ -z "$PY" ]; then
        for candidate in python3.13 python3.12 python3.11 python3; do
            if command -v "$candidate" >/dev/null 2>&1 \
                && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
                PY=$(command -v "$candidate"); break
            fi
        done
    fi
    if [ -z "$PY" ]; then
        # Ubuntu 22.04 images ship 3.10; their repositories have 3.11.
        apt_install python3.11 python3.11-venv
        PY=$(command -v python3.11)
    fi
    if ! "$PY" -m venv "$VENV"; then
        # Debian/Ubuntu split venv (ensurepip) into its own package.
        apt_install "python3-venv" "$(basename "$PY")-venv" || apt_install python3-venv
        rm -rf "$VENV"
        "$PY" -m venv "$VENV"
    fi
    PIP=("$VENV/bin/python" -m pip install -q -c "$SOURCE/requirements.lock")
    # The oracle, CPU build only (a CUDA build is gigabytes and useless
    # here): a local CPU wheel when pip is configured with one (and no
    # index is named), else PyTorch's CPU index. torch alone, without its
    # dependencies: those come with the grader below, at the locked
    # versions, from the ordinary index.
    if [ -z "${TORCH_INDEX_URL:-}" ] && "$VENV/bin/python" -m pip download -q --no-deps --no-index \
            -d "$(mktemp -d)" torch==2.13.0 >/dev/null 2>&1; then
        echo "setup.sh: PyTorch from the local CPU wheel"
        "${PIP[@]}" torch==2.13.0
    else
        TORCH_INDEX_URL=${TORCH_INDEX_URL:-https://download.pytorch.org/whl/cpu}
        echo "setup.sh: PyTorch from the CPU index $TORCH_INDEX_URL"
        "${PIP[@]}" --no-deps torch==2.13.0 --index-url "$TORCH_INDEX_URL"
    fi
    # A regular (not editable) install: the sandbox hides the installed
    # solutions/ and grader/ folders from student code, and /autograder/source
    # is never mounted into the sandbox.
    "${PIP[@]}" "$SOURCE"
    if "$VENV/bin/python" -m pip list 2>/dev/null | grep -qi '^nvidia-'; then
        echo "setup.sh: CUDA packages were installed; the image must use the CPU wheel" >&2
        exit 1
    fi
    PYTHON_BIN="$VENV/bin/python"
fi

if bwrap --ro-bind / / --unshare-all --die-with-parent true; then
    echo "setup.sh: bubblewrap works"
else
    echo "setup.sh: WARNING: bubblewrap does not work in this image;" \
         "run_autograder will refuse to grade unless the zip was built with --allow-fallback" >&2
fi

# Draw every case the grading will use (same rubric, tasks and examples as
# run_autograder), once, into the image. Run from / so that the installed
# grader is imported, never the source folder.
# shellcheck disable=SC2086
(cd / && "$PYTHON_BIN" -m grader prewarm ${GRADER_DEFAULT_ARGS:-})
# The cache holds the hidden cases and their expected answers: it stays
# private to the grader's user (mode 0700), out of student code's reach.
echo "setup.sh: done"
