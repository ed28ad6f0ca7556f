"""The orchestration in grader/grade.py with a stand-in sandbox: children
are started in one place (and again only after one died), a child that
cannot start fails the task's parts, a timeout fails the parts after it."""
from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest

from cnn_checks.cases import Case
from cnn_checks.execute import Failed, Returned
from cnn_checks.kinds import Kind
from cnn_checks.outputs import to_value
from cnn_checks.task import Part
from cnn_checks.tasks import TASKS
from grader import grade as grade_module
from grader.compare import ReferenceAnswers
from grader.grade import Children, _grade_parts
from grader.isolation import Limits

TASK = TASKS["losses.softmax"]
CASES = [Case({"z": np.array([[1.0, 2.0, 3.0]])}), Case({"z": np.array([[0.5, -0.5]])})]


def softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


class Settings:
    examples = 2
    rubric = SimpleNamespace(limits={})  # no training budget for a fixed part

    def cases(self, task, part):
        return CASES

    def part_seed(self, task, part):
        return None


@pytest.fixture(autouse=True)
def no_stored_answers(monkeypatch):
    """The reference's answers are computed, never read from or written to
    the case cache (these cases are not the part's drawn ones)."""
    monkeypatch.setattr(grade_module, "expected_for",
                        lambda task, part, examples, cases, compute, seed=None: [compute(c) for c in cases])


class FakeChild:
    over_budget = False

    def __init__(self, answer):
        self.answer = answer
        self.dead: Failed | None = None
        self.closed = False

    def call(self, case: Case) -> Returned | Failed:
        outcome = self.answer(case)
        if isinstance(outcome, Failed) and outcome.fatal:
            self.dead = outcome
        return outcome

    def batch(self, cases):
        return [self.call(c) for c in cases]

    def close(self):
        self.closed = True


class FakeSandbox:
    def __init__(self, answer=None, start_failure: Failed | None = None):
        self.answer, self.start_failure = answer, start_failure
        self.started: list[FakeChild] = []

    def start(self, task_name, forbidden, deadline=None, limits=None):
        if self.start_failure is not None:
            return self.start_failure
        child = FakeChild(self.answer)
        self.started.append(child)
        return child


def grade(sandbox: FakeSandbox):
    children = Children(sandbox, TASK, [], Limits(task_seconds=60))  # type: ignore[arg-type]
    try:
        return _grade_parts(TASK, children, ReferenceAnswers(TASK), Settings())  # type: ignore[arg-type]
    finally:
        children.close()


def right(case):
    return Returned([to_value(softmax(case.arrays["z"]))])


def test_a_right_answer_passes_every_part_with_one_child():
    sandbox = FakeSandbox(right)
    results = grade(sandbox)
    assert [r.passed for r in results] == [True] * len(TASK.parts)
    assert len(sandbox.started) == 1 and sandbox.started[0].closed


def test_a_child_that_cannot_start_fails_every_part_once():
    sandbox = FakeSandbox(start_failure=Failed(Kind.IMPORT, "conv.py cannot be imported", fatal=True))
    results = grade(sandbox)
    assert [(r.passed, r.kind) for r in results] == [(False, Kind.IMPORT)] * len(TASK.parts)


def test_a_timeout_fails_the_parts_after_it():
    sandbox = FakeSandbox(lambda case: Failed(Kind.TIMEOUT, "did not return", fatal=True))
    results = grade(sandbox)
    assert [r.kind for r in results] == [Kind.TIMEOUT] * len(TASK.parts)
    assert all("not graded" in r.message for r in results[1:])
    assert len(sandbox.started) == 1  # a fatal answer is not replayed, and no part runs after it


def test_a_dead_child_is_replaced_for_the_next_part():
    calls = {"n": 0}

    def exits_once(case):
        calls["n"] += 1
        if calls["n"] == 1:
            return Failed(Kind.EXIT, "called sys.exit(1)", fatal=True)
        return right(case)

    sandbox = FakeSandbox(exits_once)
    results = grade(sandbox)
    assert not results[0].passed and results[0].kind == Kind.EXIT
    assert all(r.passed for r in results[1:])
    assert len(sandbox.started) == 2 and all(c.closed for c in sandbox.started)


# -- an exception while a part is judged fails that part alone -------------

def grade_task_of(task, sandbox: FakeSandbox):
    children = Children(sandbox, task, [], Limits(task_seconds=60))  # type: ignore[arg-type]
    try:
        return _grade_parts(task, children, ReferenceAnswers(task), Settings())  # type: ignore[arg-type]
    finally:
        children.close()


def test_a_verify_that_raises_fails_its_part_and_the_rest_are_graded():
    calls = {"n": 0}

    def verify(case, expected, outcome):
        calls["n"] += 1
        if calls["n"] == 1:  # the first part's first answer
            raise IndexError("list index out of range")
        return None

    results = grade_task_of(replace(TASK, verify=verify), FakeSandbox(right))
    assert len(results) == len(TASK.parts)
    assert (results[0].passed, results[0].kind) == (False, Kind.CRASH)
    assert "could not judge" in results[0].message and "IndexError" in results[0].message
    assert all(r.passed for r in results[1:])


def test_a_verify_that_always_raises_fails_every_part_without_raising():
    def verify(case, expected, outcome):
        raise ValueError("x" * 10_000)

    results = grade_task_of(replace(TASK, verify=verify), FakeSandbox(right))
    assert [(r.passed, r.kind) for r in results] == [(False, Kind.CRASH)] * len(TASK.parts)
    assert all(len(r.message) < 600 for r in results)  # the exception's text is cut short


def test_a_diagnosis_that_raises_leaves_the_verdict(monkeypatch):
    from cnn_checks import causes

    def diagnose(*args, **kwargs):
        raise RuntimeError("the diagnosis broke")

    monkeypatch.setattr(causes, "diagnose", diagnose)
    results = grade(FakeSandbox(lambda case: Returned([to_value(2 * softmax(case.arrays["z"]))])))
    assert all(not r.passed and r.kind == Kind.VALUE and r.cause is None for r in results)


def test_a_summary_that_raises_fails_its_fixed_part():
    def summary(case, expected, outcome):
        raise KeyError("losses")

    fixed = Part("fixed", None, "", "", cases=lambda: CASES)
    task = replace(TASK, parts=(fixed, TASK.parts[0]), summary=summary)
    results = grade_task_of(task, FakeSandbox(right))
    assert (results[0].passed, results[0].kind) == (False, Kind.CRASH)
    assert "KeyError" in results[0].message
    assert results[1].passed
