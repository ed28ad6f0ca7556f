"""What a batch grades: the student folders found, and each student's plan
(reuse, grade, or an error row), made one student at a time.

A student's folder is examined (layout, folder depth, number of entries,
bytes, each file hashed for the fingerprint) within the bounds of
cnn_checks.walk and a deadline of its own; a folder beyond them, without
module files, or one that makes the examination itself fail becomes that
student's error row, with a message that says what was wrong. No folder
can stop the plan of the others or hold it up for longer than its own
deadline.
"""
from __future__ import annotations

import os
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from cnn_checks.walk import MAX_SECONDS, Bounds, SubmissionTooLarge, readable

from .reuse import Fingerprint, current, rubric_digest, settings_digest, why_not_reused

#: The longest student id, in UTF-8 bytes (the output's file names add a
#: suffix, and a file system allows 255 bytes in a name).
MAX_ID_BYTES = 200


@dataclass(frozen=True)
class Found:
    """One student folder: the student's id (the folder's name as plain
    UTF-8 text, see `student_id`), the folder, and the folder's own name
    when the id had to differ from it."""

    student: str
    folder: Path
    renamed_from: str = ""


@dataclass
class Plan:
    """Each student's fingerprint (those examined), the students to grade
    (with how many for each reason) and the error rows (student -> why)."""

    fingerprints: dict[str, Fingerprint] = field(default_factory=dict)
    todo: list[tuple[str, Path]] = field(default_factory=list)
    reasons: Counter[str] = field(default_factory=Counter)
    flagged: dict[str, str] = field(default_factory=dict)


def student_id(name: str, taken: set[str]) -> str:
    """The id of the student whose folder is named `name`: the name itself
    when it is plain UTF-8 text of at most MAX_ID_BYTES bytes; otherwise the
    name with its undecodable bytes and control characters replaced
    (U+FFFD) and cut to that length, with `~2`, `~3`, ... added when
    another student already has that id."""
    text = readable(name, limit=MAX_ID_BYTES)
    raw = text.encode("utf-8")
    if len(raw) > MAX_ID_BYTES:
        text = raw[:MAX_ID_BYTES].decode("utf-8", "ignore")
    candidate, n = text, 1
    while candidate in taken:
        n += 1
        candidate = f"{text}~{n}"
    return candidate


def find_submissions(root: Path, out: Path) -> list[Found]:
    """Every immediate subfolder of `root`, by name, leaving out hidden
    folders, __pycache__ and the output folder."""
    out = out.resolve()
    found: list[Found] = []
    taken: set[str] = set()
    for d in sorted(root.iterdir(), key=lambda p: os.fsencode(p.name)):
        if not d.is_dir() or d.name.startswith(".") or d.name == "__pycache__":
            continue
        r = d.resolve()
        if r == out or r in out.parents:
            continue
        student = student_id(d.name, taken)
        taken.add(student)
        found.append(Found(student, d, "" if student == d.name else d.name))
    return found


def no_students(root: Path) -> str:
    """Why `root` holds nothing a batch can grade, and what to do instead."""
    from cnn_checks.implementations import holds_modules, module_dir
    advice = "point batch at the folder that holds one folder per student"
    if holds_modules(root):
        where = "in its assignments/ folder" if module_dir(root) != root else "at its top"
        return (f"no student folders in {root}; {root} itself looks like one submission (it holds "
                f"module files {where}): grade it with `grader grade {root}`, or {advice}")
    try:
        files = sum(1 for p in root.iterdir() if not p.name.startswith("."))
    except OSError as exc:
        return f"cannot read {root}: {exc.strerror}"
    if not files:
        return f"no student folders in {root}: it is empty; {advice}"
    return (f"no student folders in {root} (it holds {files} file{'s' if files > 1 else ''} and no "
            f"folders); {advice}")


def _examine(folder: Path, rubric_hash: str, settings_hash: str,
             deadline_seconds: float) -> tuple[Fingerprint | None, str]:
    """(fingerprint, '') for a folder that can be graded, or (None, why not)."""
    from cnn_checks.implementations import bounds_problem, layout_problem
    bounds = Bounds(deadline=time.monotonic() + deadline_seconds)
    try:
        problem = bounds_problem(folder, bounds) or layout_problem(folder)
        if problem:
            return None, problem
        return current(folder, rubric_hash, settings_hash, bounds), ""
    except SubmissionTooLarge as exc:
        return None, str(exc)
    except Exception as exc:  # whatever the folder makes the examination do: this student's row
        return None, readable(f"the submission could not be read: {type(exc).__name__}: {exc}", 300)


def make_plan(submissions: list[Found], out: Path, settings, sandbox_label: str, regrade: bool,
         limit_seconds: float | None = None) -> Plan:
    """Examine every submission, one at a time, each within MAX_SECONDS (or
    its wall-clock limit, when shorter), and decide: reuse, grade (and why)
    or an error row."""
    rubric_hash = rubric_digest(settings.rubric)
    settings_hash = settings_digest(settings, sandbox_label)
    seconds = min(limit_seconds or MAX_SECONDS, MAX_SECONDS)
    result = Plan()
    for sub in submissions:
        fingerprint, problem = _examine(sub.folder, rubric_hash, settings_hash, seconds)
        if fingerprint is None:
            result.flagged[sub.student] = problem
            continue
        result.fingerprints[sub.student] = fingerprint
        why = "regrade asked" if regrade else why_not_reused(out, sub.student, fingerprint)
        if why:
            result.todo.append((sub.student, sub.folder))
            result.reasons[why] += 1
    return result
