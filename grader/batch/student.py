"""Grading one student in a forked process with a wall-clock limit.

The process inherits the grader's imports and the cases drawn by
`prewarm`, grades the submission (tasks one after the other), and writes
into its own staging folder:

    results.json   Gradescope results (only when grading succeeded)
    feedback.md    the Markdown report
    error.txt      why grading failed (only then)
    log.txt        whatever the grading process printed

Whatever the submission does (a named pipe that blocks a read, a grader
that hangs), the process is stopped when its wall-clock limit is over:
SIGTERM to its process group, SIGKILL after a grace period. It also dies
with its parent (PR_SET_PDEATHSIG), so killing a batch or a cluster
worker leaves no grading process behind.
"""
from __future__ import annotations

import ctypes
import gc
import json
import os
import signal
import sys
import time
import traceback
from pathlib import Path

from .files import Outcome, valid_result

GRACE_SECONDS = 5.0
LOG_BYTES = 1 << 20
_PR_SET_PDEATHSIG = 1


class _Stopped(BaseException):
    """Raised in a grading process asked to stop (SIGTERM)."""


_STOPPING = False


def _on_sigterm(signum, frame):
    global _STOPPING
    _STOPPING = True
    raise _Stopped()


def _die_with_parent(parent: int) -> None:
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # the parent died before prctl
        os._exit(143)


def _redirect_output(log: Path) -> None:
    """Standard input from /dev/null (nothing may wait on the terminal),
    standard output and error into the log."""
    sys.stdout.flush()
    sys.stderr.flush()
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)


def _write(path: Path, text: str) -> None:
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def _grade_here(student: str, folder: Path, stage: Path, settings, sandbox_label: str) -> None:
    from .. import grade
    from ..report import gradescope_results, markdown
    settings = settings.for_student(student)
    start = time.perf_counter()
    reports = grade.grade_submission(folder, settings)
    elapsed = time.perf_counter() - start
    if _STOPPING:  # stopped, even if something on the way swallowed _Stopped
        raise _Stopped()
    results = gradescope_results(reports, elapsed, sandbox_label, settings.cases_label)
    _write(stage / "feedback.md", markdown(reports, sandbox_label, settings.cases_label))
    _write(stage / "results.json", json.dumps(results, indent=2) + "\n")


def _child_main(student: str, folder: Path, stage: Path, settings, sandbox_label: str,
                parent: int) -> None:
    """The body of the forked process; never returns."""
    code = 1
    try:
        os.setpgrp()  # the terminal's Ctrl-C goes to the batch, which stops us itself
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, _on_sigterm)
        _die_with_parent(parent)
        _redirect_output(stage / "log.txt")
        try:
            _grade_here(student, folder, stage, settings, sandbox_label)
            code = 0
        except _Stopped:
            code = 143
        except BaseException as exc:
            code = 143 if _STOPPING else 1
            if not _STOPPING:
                _write(stage / "error.txt", f"{type(exc).__name__}: {exc}\n\n{traceback.format_exc()}")
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
    except BaseException:
        pass
    finally:
        os._exit(code)


class StudentProcess:
    """One student's grading process: start, wait (or watch `fileno()`),
    stop, then read its `outcome()`."""

    def __init__(self, student: str, folder: Path, stage: Path, settings, sandbox_label: str,
                 limit_seconds: float | None):
        self.student = student
        self.folder = Path(folder)
        self.stage = Path(stage)
        self.settings = settings
        self.sandbox_label = sandbox_label
        self.limit_seconds = limit_seconds
        self.pid = 0
        self.status: int | None = None
        self.timed_out = False
        self._fd = -1
        self._start = 0.0

    def start(self) -> StudentProcess:
        self.stage.mkdir(parents=True, exist_ok=True)
        sys.stdout.flush()
        sys.stderr.flush()
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:
            _child_main(self.student, self.folder, self.stage, self.settings, self.sandbox_label, parent)
        self.pid = pid
        self._start = time.monotonic()
        self._fd = os.pidfd_open(pid)
        return self

    def fileno(self) -> int:
        """Readable once the process has ended (multiprocessing.connection.wait)."""
        return self._fd

    @property
    def deadline(self) -> float:
        return self._start + self.limit_seconds if self.limit_seconds else float("inf")

    @property
    def seconds(self) -> float:
        return time.monotonic() - self._start

    def poll(self) -> bool:
        """True once the process has ended (and was reaped)."""
        if self.status is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.status = os.waitstatus_to_exitcode(status)
        return self.status is not None

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the process ends or `timeout` seconds pass."""
        end = None if timeout is None else time.monotonic() + timeout
        while not self.poll():
            if end is not None and time.monotonic() >= end:
                return False
            time.sleep(0.05 if end is None else max(0.0, min(0.05, end - time.monotonic())))
        return True

    def _signal(self, sig: int) -> None:
        try:
            os.killpg(self.pid, sig)
        except (ProcessLookupError, PermissionError):
            try:
                os.kill(self.pid, sig)  # not yet its own process group leader
            except ProcessLookupError:
                pass

    def terminate(self) -> None:
        """Ask the process to stop (SIGTERM) without waiting."""
        if not self.poll():
            self._signal(signal.SIGTERM)

    def stop(self, timed_out: bool = False) -> None:
        """SIGTERM, then SIGKILL if it has not ended after the grace period."""
        if self.poll():
            return
        self.timed_out = self.timed_out or timed_out
        self._signal(signal.SIGTERM)
        if not self.wait(GRACE_SECONDS):
            self._signal(signal.SIGKILL)
            self.wait()

    def run(self) -> Outcome:
        """Start, wait at most the wall-clock limit, and return the outcome."""
        self.start()
        if not self.wait(self.limit_seconds):
            self.stop(timed_out=True)
        return self.outcome()

    def outcome(self) -> Outcome:
        """What the ended process left in its staging folder."""
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
        out = Outcome(self.student, seconds=round(self.seconds, 2))
        out.log = _read(self.stage / "log.txt", LOG_BYTES)
        text = _read(self.stage / "results.json")
        try:
            ok = self.status == 0 and valid_result(json.loads(text)) is not None
        except ValueError:
            ok = False
        if ok and not self.timed_out:
            out.results = text
            out.feedback = _read(self.stage / "feedback.md")
        elif self.timed_out:
            out.error = (f"grading took longer than {self.limit_seconds:g} s (the wall-clock limit per "
                         f"student: the rubric's submission_seconds or --student-timeout) and was "
                         f"stopped: a submission that blocks, or one far too slow\n")
        else:
            out.error = _read(self.stage / "error.txt") or (
                f"the grading process ended without a result ({_why(self.status)})\n")
        return out


def _why(code: int | None) -> str:
    if code is not None and code < 0:
        return f"killed by signal {signal.Signals(-code).name}"
    return f"exit status {code}"


def _read(path: Path, limit: int | None = None) -> str:
    try:
        with open(path, "rb") as f:
            data = f.read(limit if limit is not None else -1)
    except OSError:
        return ""
    return data.decode("utf-8", "replace")


_PREWARMED: set = set()


def prewarm(settings, progress: bool = False) -> None:
    """Draw (or load) every part's cases and the reference's answers to them
    once in this process (grader.grade.prewarm), so that the forked grading
    processes inherit them instead of each loading or computing its own."""
    key = (settings.examples, tuple(settings.tasks), settings.secret, settings.student)
    if key in _PREWARMED or settings.per_student:  # per student: every student has cases of their own
        return
    from .. import grade, report  # noqa: F401 - imported once here, inherited by every fork
    grade.prewarm(settings, progress=progress, strict=False)
    gc.freeze()  # what the forks inherit stays out of their garbage collections (no copy-on-write)
    _PREWARMED.add(key)
