"""When may a batch reuse a student's earlier result?

Only when everything the score depends on is the same as when it was
graded. A result's fingerprint is four SHA-256 digests:

    submission  every file of the student's folder: relative path and
                bytes (a symbolic link: its target, never what it points
                to; other special files: their kind; __pycache__ left out),
                walked within cnn_checks.walk's bounds
    rubric      points, part weights, settings and forbidden libraries
    settings    examples per part, resource limits, tasks graded, sandbox,
                the course secret's fingerprint and per-student cases (the seeds
                of the hidden cases)
    grader      the grader's, checks' and reference solutions' source code
                and the versions of Python, NumPy, Hypothesis and PyTorch

A result is reused when all four match; otherwise the student is graded
again and the reasons are reported ("submission changed", ...).
"""
from __future__ import annotations

import hashlib
import json
import os
import stat
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from cnn_checks.walk import Bounds, measure, read_regular

from .files import fingerprint_path, load_result, results_path

COMPONENTS = ("submission", "rubric", "settings", "grader")


def _digest(data: object) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def submission_digest(folder: Path, bounds: Bounds | None = None) -> str:
    """The folder's content, walked and read within `bounds`
    (cnn_checks.walk: folder depth, number of entries, bytes, time); raises
    SubmissionTooLarge, with a message for the student, beyond them. Reads
    only regular files, never follows a link and never opens a named pipe
    or a device (so it cannot hang)."""
    bounds = (bounds or Bounds()).started()
    h = hashlib.sha256()
    read = 0
    for entry in measure(folder, bounds):
        if entry.is_dir:
            continue
        h.update(b"\0path\0" + os.fsencode(entry.rel))
        if entry.is_link:
            try:
                h.update(b"\0link\0" + os.fsencode(os.readlink(entry.path)))
            except OSError as exc:
                h.update(f"\0unreadable link {exc.errno}\0".encode())
        elif entry.is_file:
            h.update(b"\0file\0")
            data = read_regular(entry.path, bounds.bytes - read, bounds)
            if data is None:  # gone, unreadable, or grown past the bounds since measured
                h.update(b"\0unreadable\0")
            else:
                read += len(data)
                h.update(data)
        else:
            h.update(f"\0special {stat.S_IFMT(entry.st.st_mode)}\0".encode())
    return h.hexdigest()


def rubric_digest(rubric) -> str:
    return _digest({"points": rubric.points, "weights": rubric.weights,
                    "settings": rubric.settings, "forbidden": rubric.forbidden})


def settings_digest(settings, sandbox_label: str) -> str:
    secret = settings.secret.fingerprint if settings.secret is not None else None
    return _digest({"examples": settings.examples, "limits": asdict(settings.limits),
                    "tasks": list(settings.tasks), "sandbox": sandbox_label, "secret": secret,
                    "per_student": settings.per_student})


_GRADER: str | None = None


def grader_version() -> str:
    """The grader's version: its code, the checks, the reference solutions
    and the libraries that decide a grade."""
    global _GRADER
    if _GRADER is None:
        import hypothesis
        import numpy
        root = Path(__file__).resolve().parent.parent.parent
        h = hashlib.sha256()
        for lib in (sys.version, numpy.__version__, hypothesis.__version__, _torch_version()):
            h.update(str(lib).encode() + b"\0")
        for package in ("grader", "cnn_checks", "solutions"):
            for path in sorted((root / package).rglob("*")):
                if path.suffix == ".py" and "__pycache__" not in path.parts:
                    h.update(path.relative_to(root).as_posix().encode() + b"\0")
                    h.update(path.read_bytes())
        _GRADER = h.hexdigest()
    return _GRADER


def _torch_version() -> str:
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version("torch")
    except PackageNotFoundError:
        return ""


@dataclass(frozen=True)
class Fingerprint:
    submission: str
    rubric: str
    settings: str
    grader: str

    def as_dict(self) -> dict:
        return asdict(self)


def current(folder: Path, rubric_hash: str, settings_hash: str, bounds: Bounds | None = None) -> Fingerprint:
    """The fingerprint of `folder` as it is now (SubmissionTooLarge beyond `bounds`)."""
    return Fingerprint(submission_digest(folder, bounds), rubric_hash, settings_hash, grader_version())


def stored(out: Path, student: str) -> dict | None:
    try:
        data = json.loads(fingerprint_path(out, student).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def why_not_reused(out: Path, student: str, now: Fingerprint) -> str:
    """'' when the student's result may be reused; otherwise why not:
    'new', 'no valid result', 'no fingerprint', or e.g. 'submission
    changed', 'rubric and settings changed'."""
    has_files = results_path(out, student).exists()
    if load_result(results_path(out, student)) is None:
        return "invalid result" if has_files else "not graded yet"
    old = stored(out, student)
    if old is None:
        return "no fingerprint"
    changed = [c for c in COMPONENTS if old.get(c) != getattr(now, c)]
    if not changed:
        return ""
    names = [("grader version" if c == "grader" else c) for c in changed]
    listed = " and ".join(names) if len(names) < 3 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"{listed} changed"
