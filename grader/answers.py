"""The one gate for what comes out of a sandboxed child: every answer is
checked here, against the task's declared outputs and the case it answers,
before anything judges it (Child.call and Child.batch, and so the Hypothesis
path, the batch fast path, the fixed cases and the speed tier, all go
through `answer_from` / `batch_from`). Nothing in an answer is trusted:

* the number of values is exactly the task's (`task.outputs`);
* each value's kind is one of VALUE_KINDS and its data fits that kind
  (an "array" a numeric array of at most MAX_NDIM dimensions, a "scalar" a
  0-d float, an "int" a 0-d integer, an "other" no data at all);
* an answer holds at most `max_elements(case)` numbers in all;
* `modified` names only the call's own inputs (those it may not change),
  each once, in the case's order;
* every string the child sends (a message, a type name) is cut to a bound.

An answer that breaks a rule becomes a `Failed` that fails its case, with
a message the student can act on; never an exception in the grader.
"""
from __future__ import annotations

import signal
from collections.abc import Sequence

import numpy as np

from cnn_checks.cases import Case
from cnn_checks.execute import Failed, Returned
from cnn_checks.kinds import CHILD_KINDS, Kind
from cnn_checks.outputs import NUMERIC_KINDS, Value
from cnn_checks.task import Task

#: What the child may report: its own kinds, and a write into a read-only input.
KNOWN_FAILURES = CHILD_KINDS | {Kind.MODIFIED}
VALUE_KINDS = {"array", "scalar", "int", "other"}
#: The longest message and type name kept from the child.
MAX_MESSAGE = 2000
MAX_TYPE_NAME = 200
#: No task returns an array of more than 4 dimensions.
MAX_NDIM = 8
#: The numbers one answer may hold: the largest of a floor no task's answer
#: comes near (the network's training run returns about 30,000) and a
#: multiple of the case's own inputs (a padded or convolved input grows by
#: a small factor).
MIN_ELEMENTS = 1 << 22
ELEMENTS_PER_INPUT = 64

#: What a student reads when an answer was malformed: an honest child never
#: sends one, only code that replaces or patches the grader's own code in
#: the sandbox does.
TAMPERED = ("the answer that came back from your code was malformed ({}): only code that "
            "replaces or patches the grader's own modules in the sandbox produces this; "
            "hand in plain functions that return their results")


def malformed(why: str) -> Failed:
    """A fatal failure of the case whose answer broke a rule (`why`, the
    grader's own words, never the child's text)."""
    return Failed(Kind.CRASH, TAMPERED.format(why), fatal=True)


def text(value: object, limit: int) -> str:
    """A string from the child, cut to `limit` characters ("?" if not a string)."""
    return value[:limit] if isinstance(value, str) else "?"


def failed_from(header: dict, fatal: bool = False) -> Failed:
    kind = Kind(header["kind"]) if header.get("kind") in KNOWN_FAILURES else Kind.EXCEPTION
    return Failed(kind, text(header.get("message", ""), MAX_MESSAGE),
                  fatal=fatal or header.get("fatal") is True, seconds=seconds_of(header))


def seconds_of(header: dict) -> float:
    s = header.get("seconds", 0.0)
    return float(s) if type(s) in (int, float) and 0 <= s < 1e6 else 0.0


def max_elements(case: Case) -> int:
    """The most numbers one answer to `case` may hold."""
    inputs = sum(int(a.size) for a in case.arrays.values())
    return max(MIN_ELEMENTS, ELEMENTS_PER_INPUT * inputs)


def output_names(task: Task) -> str:
    """The task's outputs as a student names them ("loss, W4, ..." for dict keys)."""
    return ", ".join(n[1:-1] if n.startswith("[") else n for n in task.outputs)


def answer_from(header: dict, arrays: dict, task: Task, case: Case) -> Returned | Failed:
    """The outcome of one call, from the child's answer to `case`."""
    status = header.get("status")
    if status == "failed":
        return failed_from(header)
    if status != "returned":
        return malformed("neither a result nor a failure")
    return returned_from(header, arrays, task, case)


def returned_from(header: dict, arrays: dict, task: Task, case: Case) -> Returned | Failed:
    """Rebuild the Values of a "returned" answer to `case`, checking each rule."""
    specs = header.get("values")
    if type(specs) is not list:
        return malformed("no list of values")
    if len(specs) != len(task.outputs):
        n, m = len(specs), len(task.outputs)
        return Failed(Kind.STRUCTURE, f"returned {n} value{'s' if n != 1 else ''}; expected {m} "
                                      f"({output_names(task)})", fatal=True)
    expected_arrays = set()
    values: list[Value] = []
    total = 0
    for i, spec in enumerate(specs):
        if type(spec) is not dict or spec.get("kind") not in VALUE_KINDS:
            return malformed(f"value {i + 1} is of no known kind")
        kind, array = spec["kind"], arrays.get(f"v{i}")
        problem = _data_problem(kind, array)
        if problem:
            return malformed(f"value {i + 1}: {problem}")
        if array is not None:
            expected_arrays.add(f"v{i}")
            total += array.size
            if total > MIN_ELEMENTS and total > max_elements(case):  # (the case's size only when needed)
                return malformed(f"more than {max_elements(case)} numbers in one answer")
        values.append(Value(kind, array, text(spec.get("type_name"), MAX_TYPE_NAME)))
    if set(arrays) != expected_arrays:
        return malformed("arrays that belong to no value")
    modified = modified_from(header.get("modified", []), task, case)
    if isinstance(modified, Failed):
        return modified
    return Returned(values, modified, seconds_of(header))


def _data_problem(kind: str, array: np.ndarray | None) -> str | None:
    """What is wrong with a value's data for its kind (None: nothing)."""
    if kind == "other":
        return None if array is None else "data for a value that has none"
    if type(array) is not np.ndarray or array.dtype.kind not in NUMERIC_KINDS:
        return "no numeric data"
    if kind == "array":
        return f"{array.ndim} dimensions" if array.ndim > MAX_NDIM else None
    if array.ndim != 0:
        return f"a {kind} with shape {array.shape}"
    if kind == "scalar" and array.dtype.kind != "f":
        return f"a scalar of dtype {array.dtype}"
    if kind == "int" and array.dtype.kind not in "iu":
        return f"an int of dtype {array.dtype}"
    return None


def modified_from(claimed: object, task: Task, case: Case) -> list[str] | Failed:
    """The inputs an answer says the call changed: only the case's own
    inputs that the task may not change, each once, in the case's order."""
    if type(claimed) is not list:
        return malformed("the changed inputs are not a list")
    if not claimed:
        return []
    allowed = [name for name in case.arrays if name not in task.mutable]
    if not all(type(m) is str and m in allowed for m in claimed):
        return malformed("it names changed inputs the call does not have")
    named = set(claimed)
    return [name for name in allowed if name in named]


def batch_from(header: dict, arrays: dict, task: Task,
               cases: Sequence[Case]) -> list[Returned | Failed] | Failed:
    """A batch answer: one outcome per case run, in order (at most one per
    case of `cases`: the child stops at a fatal failure), each checked as
    `answer_from` checks one call's."""
    outcomes = header.get("outcomes")
    if header.get("status") != "batch" or type(outcomes) is not list or len(outcomes) > len(cases):
        return malformed("not a batch of at most one answer per case")
    by_case: list[dict] = [{} for _ in outcomes]  # "<case>:v<j>" -> by_case[case]["v<j>"]
    for key, value in arrays.items():
        case, _, name = key.partition(":")
        if not (case.isdigit() and int(case) < len(outcomes)):
            return malformed("arrays that belong to no case")
        by_case[int(case)][name] = value
    results: list[Returned | Failed] = []
    for h, case_arrays, case in zip(outcomes, by_case, cases[:len(outcomes)], strict=True):
        if type(h) is not dict:
            return malformed("an answer of the batch is not an object")
        results.append(answer_from(h, case_arrays, task, case))
    return results


def death(returncode: int | None, when: str, memory_mb: int, cpu_seconds: int,
          out_of_memory: bool = False) -> tuple[str, str]:
    """(kind, message) for a child that ended: which limit, which signal."""
    if out_of_memory:
        return Kind.MEMORY, (f"used more than {memory_mb} MiB (the memory limit, all the processes "
                          f"it started together): {when}")
    sig = -returncode if returncode is not None and returncode < 0 else (
        returncode - 128 if returncode is not None and returncode > 128 else None)
    if returncode is None:
        return Kind.CRASH, f"ended, killed from inside the sandbox: {when}"
    if sig == signal.SIGXCPU:
        return Kind.TIMEOUT, f"used more than {cpu_seconds} s of CPU time (the limit): {when}"
    if sig == signal.SIGKILL:
        return Kind.CRASH, f"was killed (SIGKILL; memory exhausted?): {when}"
    if sig in (signal.SIGSEGV, signal.SIGBUS, signal.SIGABRT):
        return Kind.CRASH, (f"crashed with {signal.Signals(sig).name} ({when}); memory limit is "
                            f"{memory_mb} MiB")
    if sig is not None:
        try:
            name = signal.Signals(sig).name
        except ValueError:
            name = str(sig)
        return Kind.CRASH, f"was ended by signal {name}: {when}"
    return Kind.EXIT, (f"{when} with exit status {returncode}: do not call exit(), sys.exit() or "
                    f"os._exit() in your functions")
