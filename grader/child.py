"""The grader's child: forked by the zygote (grader.zygote) for one task,
inside the sandbox; imports the submission and answers call requests with
plain arrays.

Requests (wire frames on the task's socket): {"op": "load", "task",
"forbidden"} once, then {"op": "call", "params", "layout", "inputs"} or
{"op": "batch", "cases": [...]} with the inputs in a sealed memfd, then
{"op": "bye"}. The random generators are seeded once the module is loaded
and again before each call of code that may draw from them (`Seeds`). The
inputs are mapped read-only (grader.wire.readonly_inputs): a function that
writes into an input fails there, whatever it does to this process's code;
only the inputs a task may change (an optimizer's parameters) are handed
over as writable copies. Everything the student's
code returns is turned into plain numeric arrays by cnn_checks.outputs
before it leaves this process. This process is untrusted from the grader's
point of view: whatever it sends is checked there again.
"""
from __future__ import annotations

import os
import random
import socket
import sys
from pathlib import Path

import numpy as np

from . import null_hypothesis

null_hypothesis.install()

from cnn_checks.cases import Case, lay_out  # noqa: E402  (after the stand-in)
from cnn_checks.execute import Failed, describe_import_error, execute, find_callable  # noqa: E402
from cnn_checks.implementations import load_module, load_package  # noqa: E402
from cnn_checks.kinds import Kind  # noqa: E402
from cnn_checks.tasks import TASKS  # noqa: E402

from .wire import answer_frame as answer  # noqa: E402
from .wire import readonly_inputs, recv_frame, send_frame  # noqa: E402


def load(request: dict, submission: str):
    """Import the submission's module for the requested task; return the
    callable, or a Failed saying why not."""
    task = TASKS[request["task"]]
    forbidden = request.get("forbidden") or []
    if forbidden:
        from cnn_checks import import_guard
        import_guard.install(forbidden, task.name)
    try:
        package = load_package(Path(submission), name="submission")
        module = load_module(package, task.module)
    except BaseException as exc:  # SyntaxError, ImportError, SystemExit at import, ...
        from cnn_checks.implementations import module_dir
        return task, Failed(Kind.IMPORT,
                            describe_import_error(task.module, exc, module_dir(Path(submission))),
                            fatal=True)
    return task, find_callable(module, task)


def serve(sock: socket.socket, submission: str) -> None:
    """Load the task's function, then answer calls until "bye" or EOF."""
    try:
        request, _, fds = recv_frame(sock)
    except EOFError:
        return
    _close(fds)
    task, fn = load(request, submission)
    if isinstance(fn, Failed):
        send_frame(sock, *answer(fn))
        return
    seeds = Seeds(submission)
    send_frame(sock, {"status": "ready"})
    while True:
        try:
            request, _, fds = recv_frame(sock)
        except EOFError:
            return
        op = request.get("op")
        if op not in ("call", "batch"):
            _close(fds)
            return
        inputs = readonly_inputs(fds[0] if fds else None, request.get("inputs", []))
        _close(fds[1:])
        if op == "call":
            send_frame(sock, *answer(run_one(task, fn, request, inputs, seeds)))
        else:
            send_frame(sock, *batch(task, fn, request.get("cases", []), inputs, seeds))


def _close(fds) -> None:
    for fd in fds:
        os.close(fd)


class Seeds:
    """Python's and NumPy's global random generators, seeded to 0 when the
    task's module is loaded and again before each call, so that code drawing
    from them answers a case the same way wherever the case runs (in a batch
    or alone, after any other case).

    Reseeding both costs about 10 us, as much as the rest of a call's
    bookkeeping, so `before_call` reseeds only while some module loaded from
    the submission's folder mentions `random` in its text (a comment counts:
    that only reseeds more). Code that draws without naming `random` (built
    by string, read from a data file) goes unreseeded and is only less
    reproducible itself; what a call can reach without it is seeded at load.
    The modules are looked at again whenever sys.modules grows (a module
    imported during a call)."""

    def __init__(self, submission: str):
        self.folder = os.path.realpath(submission) + os.sep
        self.modules_seen = -1
        self.needed = False
        self.reseed()

    @staticmethod
    def reseed() -> None:
        random.seed(0)
        np.random.seed(0)

    def before_call(self) -> None:
        if not self.needed and len(sys.modules) != self.modules_seen:
            self.modules_seen = len(sys.modules)
            self.needed = self._mentioned()
        if self.needed:
            self.reseed()

    def _mentioned(self) -> bool:
        for module in list(sys.modules.values()):
            path = getattr(module, "__file__", None)
            if not isinstance(path, str) or not path.startswith(self.folder):
                continue  # (the loader imports from the submission's resolved path)
            try:
                with open(path, "rb") as fh:
                    if b"random" in fh.read():
                        return True
            except OSError:
                return True  # unreadable: reseed, as before every call
        return False


def run_one(task, fn, spec: dict, inputs: dict, seeds: Seeds, prefix: str = ""):
    """One call: read-only inputs, writable copies of the mutable ones."""
    layout = spec.get("layout", "contiguous")
    arrays = {name: inputs[prefix + name] for name in spec["names"]}
    for name in task.mutable:
        if name in arrays:
            arrays[name] = lay_out(arrays[name], layout)
    seeds.before_call()
    return execute(task, fn, Case(arrays, spec.get("params", {}), layout), prepared=arrays,
                   measure_cpu=False)  # the grader measures the child's CPU time where it counts


def batch(task, fn, specs: list, inputs: dict, seeds: Seeds) -> tuple[dict, dict]:
    """Several cases in one round trip; stops at the first fatal failure.
    Inputs arrive as "<case>:<name>", values go back as "<case>:v<j>"."""
    outcomes, out_arrays = [], {}
    for i, spec in enumerate(specs):
        header, values = answer(run_one(task, fn, spec, inputs, seeds, f"{i}:"))
        outcomes.append(header)
        out_arrays.update({f"{i}:{k}": v for k, v in values.items()})
        if header["status"] == "failed" and header["fatal"]:
            break
    return {"status": "batch", "outcomes": outcomes}, out_arrays
