"""The code the sandboxed child may see: cnn_checks and the child's own
modules, copied into a folder that is mounted read-only in the sandbox, and
compiled there once (the sandbox writes no bytecode). Nothing of
solutions/, the rubric, the tests or the results goes there."""
from __future__ import annotations

import compileall
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHILD_MODULES = ("wire.py", "child.py", "zygote.py", "leftovers.py", "null_hypothesis.py")


def build_runtime(dest: Path) -> Path:
    """Copy the child's code into dest; return dest."""
    dest = Path(dest)
    shutil.copytree(ROOT / "cnn_checks", dest / "cnn_checks",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    (dest / "grader").mkdir(parents=True, exist_ok=True)
    (dest / "grader" / "__init__.py").write_text('"""The sandboxed child\'s part of the grader."""\n')
    for name in CHILD_MODULES:
        shutil.copy2(Path(__file__).parent / name, dest / "grader" / name)
    compileall.compile_dir(dest, quiet=2, workers=1)
    return dest


def _sources() -> list[Path]:
    return sorted(p for p in (ROOT / "cnn_checks").rglob("*.py") if "__pycache__" not in p.parts) + \
        [Path(__file__).parent / name for name in CHILD_MODULES]


def runtime_for_grading() -> Path:
    """The runtime, laid out and compiled once per version of its sources
    (a folder in the grader's private cache, named by their hash), so a
    grading run only binds it."""
    import hashlib
    import os
    import sys
    import tempfile

    from .case_cache import cache_dir
    h = hashlib.sha256(sys.version.encode())
    for path in _sources():
        h.update(str(path.relative_to(ROOT)).encode())
        h.update(path.read_bytes())
    dest = cache_dir() / f"runtime-{h.hexdigest()[:16]}"
    if (dest / "grader" / "zygote.py").is_file():
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = Path(tempfile.mkdtemp(dir=dest.parent, prefix=".runtime-"))
    build_runtime(tmp / "runtime")
    try:
        os.rename(tmp / "runtime", dest)
    except OSError:  # another grader laid it out first
        shutil.rmtree(tmp / "runtime", ignore_errors=True)
    shutil.rmtree(tmp, ignore_errors=True)
    return dest
