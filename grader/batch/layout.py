"""Is there anything to grade in a student's folder?

A folder with none of the module files at its top (nor in assignments/) would
score 0 on every task without saying why; the batch flags it in the error
column instead: "no module files found; found hw/conv.py, hw/pooling.py".
Only names are read (no file is opened), so a named pipe cannot hang it.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

_DEPTH = 3
_SHOWN = 5


def expected_modules(tasks: list[str]) -> list[str]:
    """conv.py, padding.py, ... for the tasks being graded."""
    return sorted({f"{t.split('.')[0]}.py" for t in tasks})


def _python_files(root: Path, depth: int = _DEPTH) -> list[str]:
    """Relative paths of the .py files under root, at most `depth` levels down."""
    found: list[str] = []

    def walk(folder: Path, rel: str, level: int) -> None:
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            return
        for e in entries:
            path = f"{rel}{e.name}"
            try:
                mode = e.stat(follow_symlinks=False).st_mode
            except OSError:
                continue
            if stat.S_ISDIR(mode) and level < depth and e.name != "__pycache__" and not e.name.startswith("."):
                walk(Path(e.path), path + "/", level + 1)
            elif e.name.endswith(".py"):
                found.append(path)

    walk(root, "", 1)
    return found


def missing_modules(folder: Path, tasks: list[str]) -> str | None:
    """None when the folder has at least one of the module files to grade
    (at its top or in assignments/); otherwise what is wrong, for the
    gradebook's error column."""
    from cnn_checks.implementations import module_dir
    wanted = set(expected_modules(tasks))
    top = module_dir(Path(folder))
    try:
        names = {e.name for e in os.scandir(top)}
    except OSError as exc:
        return f"the submission folder cannot be read ({exc.strerror})"
    if names & wanted:
        return None
    deeper = sorted(_python_files(Path(folder)), key=lambda p: (p.rsplit("/", 1)[-1] not in wanted, p))
    if not deeper:
        others = sorted(n for n in os.listdir(folder) if not n.startswith("."))
        what = ("the folder is empty" if not others
                else "it holds " + ", ".join(others[:_SHOWN]) + (", ..." if len(others) > _SHOWN else ""))
        return f"no module files found ({what}); expected {', '.join(sorted(wanted))}"
    shown = ", ".join(deeper[:_SHOWN]) + (", ..." if len(deeper) > _SHOWN else "")
    return (f"no module files found; found {shown}: move the module files "
            f"({', '.join(sorted(wanted))}) to the top of the submission folder")
