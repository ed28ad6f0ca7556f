"""The batch on this machine: `jobs` forked grading processes at a time,
each with its wall-clock limit; a student's outcome is committed to the
output folder as soon as the student is done."""
from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Callable
from multiprocessing.connection import wait
from pathlib import Path

from .files import STAGING, Outcome
from .signals import StopRequest
from .student import StudentProcess

Job = tuple[str, Path]  # (student, folder)


def run_local(todo: list[Job], out: Path, settings, jobs: int, sandbox_label: str,
              limit_seconds: float | None, done: Callable[[Outcome], None]) -> bool:
    """Grade `todo`, `jobs` at a time; call `done(outcome)` for each student
    as it finishes. Returns True when interrupted (Ctrl-C or SIGTERM: the
    running students are stopped and finish nothing; a second Ctrl-C aborts)."""
    from tqdm import tqdm
    queue = list(todo)
    running: dict[int, StudentProcess] = {}
    bar = tqdm(total=len(todo), desc="grading", unit="sub", file=sys.stderr, dynamic_ncols=True)
    with StopRequest() as stop:
        try:
            while (queue or running) and not stop.requested:
                while queue and len(running) < jobs and not stop.requested:
                    student, folder = queue.pop(0)
                    proc = StudentProcess(student, folder, out / STAGING / student, settings,
                                          sandbox_label, limit_seconds).start()
                    running[proc.fileno()] = proc
                if not running:
                    break
                now = time.monotonic()
                timeout = max(0.0, min(0.5, min(p.deadline for p in running.values()) - now))
                ready = set(wait(list(running), timeout=timeout))
                for fd, proc in list(running.items()):
                    if fd in ready or proc.poll():
                        pass
                    elif time.monotonic() >= proc.deadline:
                        proc.stop(timed_out=True)
                    else:
                        continue
                    proc.wait()
                    del running[fd]
                    outcome = proc.outcome()
                    shutil.rmtree(proc.stage, ignore_errors=True)
                    done(outcome)
                    bar.set_postfix_str(proc.student, refresh=False)
                    bar.update(1)
        except KeyboardInterrupt:
            stop.requested = True
        finally:
            for proc in running.values():
                proc.terminate()
            for proc in running.values():
                proc.stop()
                proc.outcome()
                shutil.rmtree(proc.stage, ignore_errors=True)
            bar.close()
    return stop.requested
