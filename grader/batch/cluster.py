"""The batch on a Dask distributed cluster (`grader batch DIR --scheduler ADDRESS`).

One task per submission. The task carries the submission's files (so the
workers need no shared file system) and the grading settings; a worker
grades it exactly as the local batch does (a forked grading process in
the same sandbox, with the same wall-clock limit) and sends back the
results, the feedback, the log or the error, which this machine writes
into the usual output folder as each task finishes. A worker that dies
mid-task (killed, out of memory, its machine gone) loses nothing: the
scheduler runs the task again on another worker.

A worker whose grader version or sandbox differs from this machine's does
not grade: the student's row says why, so every score in one gradebook
comes from the same grader.
"""
from __future__ import annotations

import os
import stat
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from cnn_checks.walk import MAX_BYTES, Bounds, SubmissionTooLarge, measure, read_regular, readable

from .files import Outcome
from .reuse import grader_version
from .signals import StopRequest
from .student import StudentProcess, prewarm

MAX_SUBMISSION_BYTES = MAX_BYTES


class ClusterUnreachable(Exception):
    """No scheduler answers at the address given."""
Job = tuple[str, Path]


# ---------------------------------------------------------------- a submission in a task

def pack(folder: Path, bounds: Bounds | None = None) -> list[tuple[str, str, bytes]]:
    """(relative path, kind, data) for the folder's regular files
    ('file', their bytes), symbolic links ('link', the target) and named
    pipes ('fifo'), __pycache__ left out (as in the fingerprint). Walked
    and read within `bounds` (cnn_checks.walk: depth, entries, at most
    MAX_SUBMISSION_BYTES in all, a deadline); raises SubmissionTooLarge
    beyond them. Never follows a link or opens a special file."""
    bounds = (bounds or Bounds(bytes=MAX_SUBMISSION_BYTES)).started()
    packed: list[tuple[str, str, bytes]] = []
    size = 0
    for entry in measure(folder, bounds):
        if entry.is_link:
            packed.append((entry.rel, "link", os.fsencode(os.readlink(entry.path))))
        elif entry.is_file:
            data = read_regular(entry.path, bounds.bytes - size, bounds)
            if data is None:
                raise SubmissionTooLarge(f"{readable(entry.rel, 80)} changed or grew while it was read")
            size += len(data)
            packed.append((entry.rel, "file", data))
        elif stat.S_ISFIFO(entry.st.st_mode):
            packed.append((entry.rel, "fifo", b""))
    return packed


def unpack(packed: list[tuple[str, str, bytes]], dest: Path) -> Path:
    """Recreate a packed submission under `dest`."""
    dest.mkdir(parents=True, exist_ok=True)
    root = dest.resolve()
    for rel, kind, data in packed:
        path = Path(os.path.normpath(root / rel))
        if root not in path.parents:
            continue  # a path that leaves the folder: never written
        path.parent.mkdir(parents=True, exist_ok=True)
        if kind == "file":
            path.write_bytes(data)
        elif kind == "link":
            os.symlink(os.fsdecode(data), path)
        elif kind == "fifo":
            os.mkfifo(path)
    return dest


# ---------------------------------------------------------------- on a worker

_PREWARM_LOCK = threading.Lock()


def _sandbox_label(settings) -> str:
    from ..sandbox import bwrap_path
    return "fallback (no bubblewrap)" if settings.use_bwrap is False or not bwrap_path() else "bubblewrap"


def _where() -> str:
    try:
        from distributed import get_worker
        return f"{get_worker().address} pid {os.getpid()}"
    except (ImportError, ValueError):
        return f"pid {os.getpid()}"


def grade_on_worker(job: dict) -> dict:
    """The cluster task: grade one packed submission here; an Outcome as a dict."""
    student = job["student"]
    here = _where()
    mine = grader_version()
    if mine != job["grader"]:
        return asdict(Outcome(student, error=f"the worker {here} runs another grader version "
                              f"({mine[:12]}, expected {job['grader'][:12]}): install the same "
                              f"grader on every worker\n", where=here, grader=mine))
    label = _sandbox_label(job["settings"])
    if label != job["sandbox"]:
        return asdict(Outcome(student, error=f"the worker {here} grades with the sandbox '{label}', "
                              f"expected '{job['sandbox']}': install bubblewrap on every worker\n",
                              where=here, grader=mine))
    with _PREWARM_LOCK:
        prewarm(job["settings"])
    with tempfile.TemporaryDirectory(prefix="grader-batch-") as tmp:
        folder = unpack(job["files"], Path(tmp) / "submission")
        outcome = StudentProcess(student, folder, Path(tmp) / "stage", job["settings"], label,
                                 job["limit_seconds"]).run()
    outcome.where, outcome.grader = here, mine
    return asdict(outcome)


# ---------------------------------------------------------------- on this machine

def run_cluster(todo: list[Job], address: str, settings, sandbox_label: str, limit_seconds: float | None,
                done: Callable[[Outcome], None]) -> bool:
    """Grade `todo` on the cluster whose scheduler is at `address`; call
    `done(outcome)` as each student finishes. Returns True when
    interrupted (Ctrl-C or SIGTERM: the remaining tasks are cancelled)."""
    from distributed import Client
    from tqdm import tqdm
    try:
        client = Client(address, timeout="30s", set_as_default=False)
    except (OSError, ValueError) as exc:
        raise ClusterUnreachable(f"no Dask scheduler answers at {address}: {exc}") from None
    batch_id = uuid.uuid4().hex[:8]
    bar = tqdm(total=len(todo), desc="grading", unit="sub", file=sys.stderr, dynamic_ncols=True)
    try:
        with StopRequest() as stop:
            pending = {}
            for student, folder in todo:
                try:
                    files = pack(folder)
                except Exception as exc:  # whatever the folder does: this student's row
                    done(Outcome(student, error=f"cannot send the submission to the cluster: "
                                 f"{readable(str(exc), 300)}\n"))
                    bar.update(1)
                    continue
                job = {"student": student, "files": files, "settings": settings,
                       "sandbox": sandbox_label, "limit_seconds": limit_seconds,
                       "grader": grader_version()}
                future = client.submit(grade_on_worker, job, key=f"grade-{student}-{batch_id}", pure=False)
                pending[future] = student
            try:
                while pending and not stop.requested:
                    finished = [f for f in pending if f.done()]
                    if not finished:
                        time.sleep(0.2)
                        continue
                    for future in finished:
                        student = pending.pop(future)
                        try:
                            outcome = Outcome(**future.result())
                        except Exception as exc:
                            outcome = Outcome(student, error=f"grading failed on the cluster: "
                                              f"{type(exc).__name__}: {exc}\n")
                        done(outcome)
                        bar.set_postfix_str(student, refresh=False)
                        bar.update(1)
            except KeyboardInterrupt:
                stop.requested = True
            if pending:
                client.cancel(list(pending))
        return stop.requested
    finally:
        bar.close()
        client.close()
