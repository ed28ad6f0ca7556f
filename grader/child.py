"""The grader's child: runs inside the sandbox, imports the submission, and
answers call requests with plain arrays.

    python -I -c BOOT FD_IN FD_OUT SUBMISSION_DIR RUNTIME_DIR   (grader.sandbox.BOOT)

Requests (wire frames, grader/wire.py): {"op": "load", "task", "forbidden"}
once (the answer is {"status": "ready"} or the failure), then any number of
{"op": "batch", "cases"} (many cases, arrays named "<case>:<name>") and
{"op": "call", "params", "layout"} (one case), then {"op": "bye"}. Before
each call the random generators are reseeded. Everything the student's code
returns is turned into plain numeric arrays by cnn_checks.outputs before it
leaves this process. This process is untrusted from the grader's point of
view: whatever it sends is checked there again.
"""
from __future__ import annotations

import os
import random
import sys
from pathlib import Path

import numpy as np

from . import null_hypothesis

null_hypothesis.install()

from cnn_checks.cases import Case  # noqa: E402  (after the stand-in)
from cnn_checks.execute import Failed, Returned, describe_import_error, execute, find_callable  # noqa: E402
from cnn_checks.implementations import load_module, load_package  # noqa: E402
from cnn_checks.tasks import TASKS  # noqa: E402

from .wire import read_frame, write_frame  # noqa: E402


def answer(outcome: Returned | Failed) -> tuple[dict, dict]:
    """A call's outcome as a frame header and arrays."""
    if isinstance(outcome, Failed):
        return {"status": "failed", "kind": outcome.kind, "message": outcome.message,
                "fatal": outcome.fatal, "seconds": outcome.seconds}, {}
    values, arrays = [], {}
    for i, v in enumerate(outcome.values):
        values.append({"kind": v.kind, "type_name": v.type_name})
        if v.array is not None:
            arrays[f"v{i}"] = v.array
    return {"status": "returned", "values": values, "modified": outcome.modified,
            "seconds": outcome.seconds}, arrays


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
        return task, Failed("import", describe_import_error(task.module, exc), fatal=True)
    return task, find_callable(module, task)


def serve(fd_in: int, fd_out: int, submission: str) -> None:
    request, _ = read_frame(fd_in)
    task, fn = load(request, submission)
    if isinstance(fn, Failed):
        write_frame(fd_out, *answer(fn))
        return
    write_frame(fd_out, {"status": "ready"})
    while True:
        request, arrays = read_frame(fd_in)
        if request.get("op") == "call":
            case = Case(arrays, request.get("params", {}), request.get("layout", "contiguous"))
            write_frame(fd_out, *answer(run_one(task, fn, case)))
        elif request.get("op") == "batch":
            write_frame(fd_out, *batch(task, fn, request.get("cases", []), arrays))
        else:
            return


def run_one(task, fn, case: Case):
    random.seed(0)
    np.random.seed(0)
    return execute(task, fn, case)


def batch(task, fn, specs: list, arrays: dict) -> tuple[dict, dict]:
    """Several cases in one round trip; stops at the first fatal failure.
    Arrays travel as "<case>:<name>" in the request, "<case>:v<j>" back."""
    outcomes, out_arrays = [], {}
    for i, spec in enumerate(specs):
        case_arrays = {name: arrays[f"{i}:{name}"] for name in spec["names"]}
        header, values = answer(run_one(task, fn, Case(case_arrays, spec["params"], spec["layout"])))
        outcomes.append(header)
        out_arrays.update({f"{i}:{k}": v for k, v in values.items()})
        if header["status"] == "failed" and header["fatal"]:
            break
    return {"status": "batch", "outcomes": outcomes}, out_arrays


def main(argv=None) -> None:
    fd_in, fd_out, submission = (argv or sys.argv[1:])[:3]
    fd_in, fd_out = int(fd_in), int(fd_out)
    try:
        serve(fd_in, fd_out, submission)
    except EOFError:
        pass
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
