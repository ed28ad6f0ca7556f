#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image.
# /autograder/source holds this zip's contents: the grader, the hidden
# reference solutions, the public checks and the rubric.
#
# Overrides (for testing outside Gradescope):
#   AUTOGRADER_ROOT   default /autograder
#   GRADER_PYTHON     a Python that already has the grader installed: skip every install
set -euo pipefail
ROOT=${AUTOGRADER_ROOT:-/autograder}
SOURCE="$ROOT/source"
VENV="$ROOT/grader-venv"

if [ -n "${GRADER_PYTHON:-}" ]; then
    echo "setup.sh: GRADER_PYTHON=$GRADER_PYTHON is set; skipping the installs"
    exit 0
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# bubblewrap: the sandbox that runs student code (no network, read-only view,
# own pid namespace, unprivileged uid).
apt-get install -y -qq bubblewrap python3-venv

# The grader needs Python 3.11 or newer (tomllib).
PY=""
for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 \
        && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
        PY=$(command -v "$candidate"); break
    fi
done
if [ -z "$PY" ]; then
    # Ubuntu 22.04 images ship 3.10; its repositories have 3.11.
    apt-get install -y -qq python3.11 python3.11-venv
    PY=$(command -v python3.11)
fi

"$PY" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
# The oracle, CPU build only (a CUDA build is gigabytes and useless here).
"$VENV/bin/python" -m pip install -q -c "$SOURCE/requirements.lock" torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu
# A regular (not editable) install: the sandbox hides the installed
# solutions/ and grader/ folders from student code, and /autograder/source is
# never mounted into the sandbox.
# Every version pinned by requirements.lock: the students' and the grader's environment.
"$VENV/bin/python" -m pip install -q -c "$SOURCE/requirements.lock" "$SOURCE"

if bwrap --ro-bind / / --unshare-all --die-with-parent true; then
    echo "setup.sh: bubblewrap works"
else
    echo "setup.sh: WARNING: bubblewrap does not work in this image;" \
         "run_autograder will refuse to grade unless the zip was built with --allow-fallback" >&2
fi
"$VENV/bin/grader" --help >/dev/null
echo "setup.sh: done"
