"""Structural checks of a submission before nbgrader files it.

nbgrader refuses a notebook whose grading cells do not match the released
ones, but says only "Outdated schema version: 0 (see the above traceback)"
or asks to run `nbgrader update`. These checks name the real reason, so the
submission is reported as an error a person can act on (never a silent zero):

* a cell with grading metadata (grade, solution, locked or task) whose id is
  not in the released notebook: a grade cell added or copied by hand;
* a grading cell that appears more than once: a duplicated answer cell;
* a file that is not a readable notebook.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import nbformat

FLAGS = ("grade", "solution", "locked", "task")


def grading_ids(nb) -> list:
    """The grade_id of every cell that carries nbgrader metadata, in order
    (None for a flagged cell without an id)."""
    out = []
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader")
        if isinstance(meta, dict) and (meta.get("grade_id") is not None or any(meta.get(f) for f in FLAGS)):
            out.append(meta.get("grade_id"))
    return out


def notebook_problems(submitted: Path, released: Path) -> list[str]:
    """What keeps one submitted notebook from being graded, in words."""
    name = submitted.name
    try:
        nb = nbformat.read(str(submitted), as_version=4)
    except Exception as exc:  # any unreadable file is reported, not raised
        return [f"{name} is not a readable notebook ({type(exc).__name__}: {str(exc)[:200]})"]
    known = set(grading_ids(nbformat.read(str(released), as_version=4)))
    ids = grading_ids(nb)
    problems = []
    for gid in sorted({g for g in ids if g not in known}, key=str):
        problems.append(f"{name}: a cell carries grading metadata {gid!r} that the released "
                        "notebook does not have (a grade cell added or copied by hand); "
                        "delete that cell, or copy your answers into a fresh copy of the notebook")
    for gid, n in sorted(Counter(g for g in ids if g in known).items()):
        if n > 1:
            problems.append(f"{name}: the cell {gid!r} appears {n} times (a duplicated answer "
                            "cell); keep one copy of it and delete the others")
    return problems


def check_submission(root: Path, assignment: str, student: str) -> list[str]:
    """Problems of every notebook of a submission, compared with the source
    notebooks the gradebook was made from."""
    source = Path(root) / "source" / assignment
    folder = Path(root) / "submitted" / student / assignment
    problems = []
    for released in sorted(source.glob("*.ipynb")):
        submitted = folder / released.name
        if submitted.exists():
            problems += notebook_problems(submitted, released)
    return problems
