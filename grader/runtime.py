"""The code the sandboxed child may see: cnn_checks and the child's own
modules, copied into a folder that is mounted read-only in the sandbox.
Nothing of solutions/, the rubric, the tests or the results goes there."""
from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHILD_MODULES = ("wire.py", "child.py", "null_hypothesis.py")


def build_runtime(dest: Path) -> Path:
    """Copy the child's code into dest; return dest."""
    dest = Path(dest)
    shutil.copytree(ROOT / "cnn_checks", dest / "cnn_checks",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    (dest / "grader").mkdir(parents=True, exist_ok=True)
    (dest / "grader" / "__init__.py").write_text('"""The sandboxed child\'s part of the grader."""\n')
    for name in CHILD_MODULES:
        shutil.copy2(Path(__file__).parent / name, dest / "grader" / name)
    return dest
