"""The batch's output folder: where each student's files go, atomic writes,
and reading a student's results back.

    results/<student>.json       Gradescope results (written last: marks the student done)
    feedback/<student>.md        the Markdown report for the student
    fingerprints/<student>.json  what the result was graded from (see reuse.py)
    errors/<student>.txt         why grading that student failed (only then)
    logs/<student>.log           what the grading process printed (only if anything)
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

RESULTS, FEEDBACK, FINGERPRINTS, ERRORS, LOGS = "results", "feedback", "fingerprints", "errors", "logs"
STAGING = ".staging"
_TMP_MARK = ".tmp-"


def results_path(out: Path, student: str) -> Path:
    return out / RESULTS / f"{student}.json"


def feedback_path(out: Path, student: str) -> Path:
    return out / FEEDBACK / f"{student}.md"


def fingerprint_path(out: Path, student: str) -> Path:
    return out / FINGERPRINTS / f"{student}.json"


def error_path(out: Path, student: str) -> Path:
    return out / ERRORS / f"{student}.txt"


def log_path(out: Path, student: str) -> Path:
    return out / LOGS / f"{student}.log"


def atomic_write(path: Path, data: str | bytes) -> None:
    """Write `path` through a temporary file in the same folder and
    os.replace, so a reader sees either the old file or the whole new one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{_TMP_MARK}{path.name}.{os.getpid()}")
    if isinstance(data, bytes):
        with open(tmp, "wb") as fb:
            fb.write(data)
            fb.flush()
            os.fsync(fb.fileno())
    else:
        with open(tmp, "w", encoding="utf-8") as ft:
            ft.write(data)
            ft.flush()
            os.fsync(ft.fileno())
    os.replace(tmp, path)


def remove(path: Path) -> None:
    try:
        Path(path).unlink()
    except FileNotFoundError:
        pass


def sweep_temporaries(out: Path) -> None:
    """Temporary files and staging folders left by a run that was killed."""
    import shutil
    for sub in (RESULTS, FEEDBACK, FINGERPRINTS, ERRORS, LOGS, "."):
        folder = out / sub
        if folder.is_dir():
            for p in folder.glob(f"{_TMP_MARK}*"):
                remove(p)
    shutil.rmtree(out / STAGING, ignore_errors=True)


def valid_result(data: object) -> dict | None:
    """`data` if it is a complete Gradescope results object, else None."""
    if not isinstance(data, dict) or not isinstance(data.get("tests"), list):
        return None
    if not all(isinstance(data.get(k), (int, float)) for k in ("score", "max_score")):
        return None
    for t in data["tests"]:
        if not (isinstance(t, dict) and isinstance(t.get("name"), str)
                and isinstance(t.get("score"), (int, float))
                and isinstance(t.get("max_score"), (int, float))):
            return None
    return data


def load_result(path: Path) -> dict | None:
    """The results JSON at `path` if it is complete and valid; otherwise None."""
    try:
        return valid_result(json.loads(Path(path).read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return None


@dataclass
class Outcome:
    """What grading one student produced, wherever it ran: the results
    JSON text (None when grading failed), the feedback, the error text,
    what the grading process printed, and where and how long it ran."""

    student: str
    results: str | None = None
    feedback: str = ""
    error: str = ""
    log: str = ""
    seconds: float = 0.0
    where: str = ""
    grader: str = ""

    @property
    def ok(self) -> bool:
        return self.results is not None


def commit(out: Path, outcome: Outcome, fingerprint: dict) -> None:
    """Write one student's outcome into the output folder: feedback and
    fingerprint first, the results last (their presence marks the student
    done); or the error file, when grading failed. The error and the log
    are written as plain UTF-8 (anything else replaced, U+FFFD)."""
    from cnn_checks.walk import readable_message
    student = outcome.student
    if outcome.log.strip():
        atomic_write(log_path(out, student), readable_message(outcome.log))
    else:
        remove(log_path(out, student))
    if outcome.ok:
        assert outcome.results is not None
        atomic_write(feedback_path(out, student), outcome.feedback)
        atomic_write(fingerprint_path(out, student), json.dumps(fingerprint, indent=2, sort_keys=True) + "\n")
        atomic_write(results_path(out, student), outcome.results)
        remove(error_path(out, student))
    else:
        remove(results_path(out, student))
        atomic_write(error_path(out, student), readable_message(outcome.error or "grading failed\n"))
