"""The grader's end of one task's child: requests over the task's socket,
each bounded in time, and what the task's processes are doing.

A call's inputs go out in a sealed memfd (read-only in the child, see
grader.wire); answers come back as plain frames, and every one of them is
validated by grader.answers (against the task's outputs and the case)
before anything else sees it. Every request's time counts against the task's wall-clock
budget (`deadline`); when it is spent the task ends as a timeout.
"""
from __future__ import annotations

import os
import signal
import socket
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cnn_checks.cases import Case
from cnn_checks.execute import Failed, Returned
from cnn_checks.kinds import Kind
from cnn_checks.task import Task

from . import isolation
from .answers import answer_from, batch_from, death
from .wire import encode, jsonable, pack_inputs, recv_frame, sealed_memfd, send_encoded, send_frame

if TYPE_CHECKING:
    from .sandbox import Limits, Sandbox


class Child:
    """One forked process serving one task's calls, and all it starts."""

    def __init__(self, sandbox: Sandbox, sock: socket.socket, inner: int, outer: int, out,
                 limits: Limits, cgroup: isolation.TaskCgroup, task: Task,
                 deadline: float | None = None):
        self.sandbox, self.sock, self.inner, self.outer = sandbox, sock, inner, outer
        self.task = task  # what its answers must be (grader.answers checks each against it)
        self.out, self.limits, self.cgroup = out, limits, cgroup
        self.deadline = deadline
        self.baseline: set[int] = set()
        self.dead: Failed | None = None
        self.over_budget = False
        self.closed = False

    # -- one round trip ---------------------------------------------------
    def request(self, request: Request, timeout: float):
        """Send a request (its inputs in a sealed memfd, read-only) and wait
        for the answer; a Failed when the child died, hung, used up the
        task's time budget, flooded its output or answered garbage."""
        if self.dead:
            return self.dead
        budget_bound = False
        if self.deadline is not None:
            left = self.deadline - time.monotonic()
            if left < timeout:
                timeout, budget_bound = max(0.0, left), True
        fd = None
        try:
            fd = sealed_memfd(request.inputs)
            send_encoded(self.sock, request.frame, [fd] if fd is not None else [])
        except OSError:
            return self._died("the process ended before the call")
        finally:
            if fd is not None:
                os.close(fd)
        try:
            answer, out_arrays, fds = recv_frame(self.sock, time.monotonic() + timeout)
        except TimeoutError:
            if self._memory():
                return self.dead
            self._kill()
            if budget_bound:
                self.over_budget = True
                budget = self.limits.task_seconds
                self.dead = Failed(Kind.TIMEOUT, f"used up the task's time budget ({budget:g} s "
                                              f"for all its calls together): make each call faster (look "
                                              f"for sleeps, busy waits or needless loops)", fatal=True)
            else:
                self.dead = Failed(Kind.TIMEOUT, f"did not return within {timeout:g} s (the time limit): "
                                              f"look for a loop that never ends", fatal=True)
            return self.dead
        except (EOFError, OSError):
            return self._died("the process ended during the call")
        except Exception as exc:  # WireError, or anything a malformed frame provokes
            self._kill()
            self.dead = Failed(Kind.CRASH, f"the child's answer was malformed ({type(exc).__name__})",
                               fatal=True)
            return self.dead
        for f in fds:  # the child has nothing to send the grader but bytes
            os.close(f)
        return self._output_flood() or self._memory() or (answer, out_arrays)

    def _call_request(self, request: Request, timeout: float):
        """A request that runs the student's function: its answer, or a
        Failed when the request failed or the call left a process running."""
        answer = self.request(request, timeout)
        if isinstance(answer, Failed):
            return answer
        stray = self.strays()
        if stray:
            return self._stray(f"({len(stray)} extra)")
        return answer

    def call(self, case: Case) -> Returned | Failed:
        """check_part's `run`: one case through the child."""
        header = {"op": "call", **_spec(case)}
        answer = self._call_request(Request.of(header, _laid_out(case)), self.limits.call_seconds)
        if isinstance(answer, Failed):
            return answer
        header, arrays = answer
        return answer_from(header, arrays, self.task, case)

    def batch(self, cases: Sequence[Case]) -> list[Returned | Failed] | Failed:
        """Many cases in one round trip (the fast path for passing code).
        A Failed when the child hung, died or left a process behind."""
        # A hang in a batch costs a few call limits, not one per case: the
        # caller then retries case by case, where each call gets its limit.
        answer = self._call_request(batch_request(cases),
                                    self.limits.call_seconds * min(3, max(1, len(cases))))
        if isinstance(answer, Failed):
            return answer
        header, out = answer
        return batch_from(header, out, self.task, cases)

    # -- what the task is doing ---------------------------------------------
    def processes(self) -> set[int]:
        """Every living process of the task: below the zygote (a subreaper,
        so orphans stay there) and in the task's cgroup."""
        found = self.sandbox.task_processes() | self.cgroup.pids()
        return found

    def strays(self) -> set[int]:
        return self.processes() - {self.outer} - self.baseline

    def _stray(self, count: str) -> Failed:
        self._kill()
        self.dead = Failed(Kind.PROCESS, f"started a process that was still running when the call "
                                      f"returned {count}: wait for every process you start, or "
                                      f"better, start none", fatal=True)
        return self.dead

    def _memory(self) -> Failed | None:
        if self.cgroup.memory_exceeded():
            self._kill()
            self.dead = Failed(*death(None, "during the call", self.limits.memory_mb, self.limits.cpu_seconds,
                                      out_of_memory=True), fatal=True)
            return self.dead
        return None

    def _output_flood(self) -> Failed | None:
        size = os.fstat(self.out.fileno()).st_size
        if size > self.limits.output_bytes:
            self._kill()
            self.dead = Failed(Kind.OUTPUT, f"printed {size} bytes, more than the limit of "
                                         f"{self.limits.output_bytes} bytes: remove the prints "
                                         f"from your functions", fatal=True)
            return self.dead
        return None

    def _died(self, when: str) -> Failed:
        status = self.sandbox.exit_status(self.inner, 2.0)
        oom = self.cgroup.memory_exceeded()
        self._kill()
        self.dead = self._output_flood() or Failed(
            *death(status, when, self.limits.memory_mb, self.limits.cpu_seconds, oom), fatal=True)
        return self.dead

    def _kill(self) -> None:
        """SIGKILL the task's process group, its cgroup and everything the
        zygote holds besides itself."""
        try:
            os.killpg(self.outer, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.cgroup.kill()
        self.sandbox.kill_tasks()

    def close(self) -> None:
        """Ask the child to leave, then kill everything the task started."""
        if self.closed:
            return
        self.closed = True
        if not self.dead:
            try:
                send_frame(self.sock, {"op": "bye"})
            except OSError:
                pass
        self._kill()
        self.cgroup.remove()
        self.sandbox.clean()
        self.sock.close()
        self.out.close()


def _laid_out(case: Case) -> dict:
    """The case's inputs in its memory layout (what the function receives)."""
    return {name: case.array(name) for name in case.arrays}


def _spec(case: Case) -> dict:
    """What the child needs of a case besides its input arrays."""
    return {"names": list(case.arrays), "params": jsonable(dict(case.params)), "layout": case.layout}


@dataclass(frozen=True)
class Request:
    """A request ready to send: its encoded frame, and the bytes of its
    inputs, which each sending seals into a fresh memfd (none when empty)."""

    frame: bytes
    inputs: bytes = b""

    @classmethod
    def of(cls, header: dict, inputs: dict | None = None) -> Request:
        """`header` and, when given, the input arrays it carries (laid out as
        they are in memory: see grader.wire.pack_inputs)."""
        if inputs is None:
            return cls(encode(header))
        blob, specs = pack_inputs(inputs)
        return cls(encode({**header, "inputs": specs}), blob)


#: batch requests already built, by the identity of their cases (kept alive here)
_BATCHES: OrderedDict[tuple[int, ...], tuple[tuple[Case, ...], Request]] = OrderedDict()
BATCHES_KEPT = 512


def batch_request(cases: Sequence[Case]) -> Request:
    """The request that runs `cases` in one round trip. It is built once per
    list of the same Case objects: the case cache (grader.case_cache) hands
    out the same objects at every grading in a process, so a part's inputs
    are encoded once per process (and, built in `grader batch`'s parent
    before it forks, once per batch), not once per submission. Inputs travel
    as "<case>:<name>"."""
    key = tuple(map(id, cases))
    kept = _BATCHES.get(key)
    if kept is not None:
        _BATCHES.move_to_end(key)
        return kept[1]
    specs, inputs = [], {}
    for i, case in enumerate(cases):
        specs.append(_spec(case))
        inputs.update({f"{i}:{name}": a for name, a in _laid_out(case).items()})
    request = Request.of({"op": "batch", "cases": specs}, inputs)
    _BATCHES[key] = (tuple(cases), request)  # the cases stay alive, so their ids stay theirs
    if len(_BATCHES) > BATCHES_KEPT:
        _BATCHES.popitem(last=False)
    return request
