"""The compare step: the reference's answer to each case, computed once in
this (trusted) process, and each of the child's answers judged once.

The fast path judges a part's whole batch in one pass. When an answer is
wrong, Hypothesis replays the same cases one call at a time and shrinks the
failure (cnn_checks.runner.check_part); the reference answers of the cases
it replays come from the memo, so no case's answer is computed twice.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence

from cnn_checks.cases import Case
from cnn_checks.execute import Failed, Returned, execute, find_callable
from cnn_checks.implementations import load_module
from cnn_checks.oracle import expectations, oracle_expected
from cnn_checks.outputs import Expected, Value, all_right
from cnn_checks.runner import PartResult, judge_outcome
from cnn_checks.task import Part, Task

from .wire import jsonable


def fingerprint(case: Case) -> str:
    """A digest of everything that decides a case's answer: its arrays
    (names, dtypes, shapes, bytes), hyper-parameters and layout."""
    h = hashlib.sha256(json.dumps([jsonable(dict(case.params)), case.layout], sort_keys=True,
                                  default=str).encode())
    for name, a in case.arrays.items():
        h.update(f"{name}:{a.dtype.str}:{a.shape}".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def values_expected(task: Task, values: Sequence[Value]) -> list[Expected]:
    """The reference's returned Values as the Expected outputs to judge by."""
    return expectations(task, [int(v.array) if v.kind == "int" and v.array is not None else v.array
                               for v in values])


class ReferenceAnswers:
    """`expected(case)` for one task: the reference solution's answer,
    computed on first request and remembered by the case's fingerprint."""

    def __init__(self, task: Task):
        self.task = task
        self.fn = None  # the reference is imported on the first request (often none: stored answers)
        self.memo: dict[str, list[Expected]] = {}

    def _reference(self):
        if self.fn is None:
            fn = find_callable(load_module("solutions", self.task.module), self.task)
            if isinstance(fn, Failed):
                raise RuntimeError(f"the reference has no {self.task.name}: {fn.message}")
            self.fn = fn
        return self.fn

    def __call__(self, case: Case) -> list[Expected]:
        key = fingerprint(case)
        if key not in self.memo:
            outcome = execute(self.task, self._reference(), case)
            if isinstance(outcome, Failed):
                raise RuntimeError(f"the reference failed on {self.task.name}: {outcome.message}")
            self.memo[key] = values_expected(self.task, outcome.values)
        return self.memo[key]


class OracleAnswers:
    """`expected(case)` from PyTorch (cnn_checks' oracle) for the tasks graded
    against it (the network: the same network built by torch from the same
    parameters), remembered by the case's fingerprint."""

    def __init__(self, task: Task):
        self.task = task
        self.memo: dict[str, list[Expected]] = {}

    def __call__(self, case: Case) -> list[Expected]:
        key = fingerprint(case)
        if key not in self.memo:
            self.memo[key] = oracle_expected(self.task, case)
        return self.memo[key]


def answers_for(task: Task) -> ReferenceAnswers | OracleAnswers:
    """Where a task's expected answers come from: the reference solution,
    or PyTorch for a task graded by the oracle."""
    return OracleAnswers(task) if task.graded_by_oracle else ReferenceAnswers(task)


def judge_batch(task: Task, part: Part, cases: Sequence[Case],
                outcomes: Sequence[Returned | Failed],
                expected: Callable[[Case], Sequence[Expected]], judged: int = 0) -> PartResult | None:
    """Judge a batch's answers in order, each once: the first `judged`
    outcomes were already judged right (by an earlier call), so only the
    rest are judged now.

    A passing PartResult when every case got a right answer; a failing one
    when the first wrong answer is a fatal failure (not implemented, exit,
    ...: there is no smaller input to look for); None when the first wrong
    answer is to be shrunk (or the batch came back incomplete)."""
    if len(outcomes) == len(cases) and _all_right(task, cases[judged:], outcomes[judged:], expected):
        return PartResult(task.name, part.name, True, len(cases),
                          seconds_inside=sum(o.seconds for o in outcomes))
    for i in range(judged, min(len(cases), len(outcomes))):
        case, outcome = cases[i], outcomes[i]
        problem = judge_outcome(task, case, outcome, expected)
        if problem is None:
            continue
        if isinstance(outcome, Failed) and outcome.fatal:
            return PartResult(task.name, part.name, False, i + 1, outcome.kind, outcome.message, case)
        return None
    if len(outcomes) != len(cases):
        return None
    return PartResult(task.name, part.name, True, len(cases),
                      seconds_inside=sum(o.seconds for o in outcomes))


def _all_right(task: Task, cases: Sequence[Case], outcomes: Sequence[Returned | Failed],
               expected: Callable[[Case], Sequence[Expected]]) -> bool:
    """True when judge_outcome would find every outcome right, judged in one
    pass (cnn_checks.outputs.all_right); False when any may be wrong, or
    the task judges its answers its own way (Task.verify)."""
    if task.verify is not None:
        return False
    returned = []
    for outcome in outcomes:
        if not isinstance(outcome, Returned) or outcome.modified:
            return False
        returned.append(outcome.values)
    tolerances = task.tolerance or {}
    return all_right([expected(c) for c in cases], returned, [c.dtype for c in cases],
                     [tolerances.get(c.dtype) for c in cases])
