"""The gate for what comes out of the sandboxed child (grader.answers):
honest answers of every task pass it unchanged; an answer with the wrong
number of values, a value whose data does not fit its kind, too many
numbers, a `modified` list that names anything but the call's own inputs,
or overlong strings becomes a Failed of its case, never an exception."""
from __future__ import annotations

import copy

import numpy as np
import pytest

from cnn_checks.cases import Case
from cnn_checks.execute import Failed, Returned, execute, find_callable
from cnn_checks.implementations import load_module
from cnn_checks.kinds import Kind
from cnn_checks.runner import generate_cases
from cnn_checks.tasks import TASKS
from grader.answers import (
    MAX_MESSAGE,
    MAX_TYPE_NAME,
    MIN_ELEMENTS,
    answer_from,
    batch_from,
    max_elements,
)
from grader.wire import answer_frame as frame_of

SOFTMAX = TASKS["losses.softmax"]
LOSS = TASKS["network.loss_and_grads"]
CASE = Case({"z": np.array([[1.0, 2.0, 3.0]])})


def reference_outcome(task, case: Case) -> Returned:
    fn = find_callable(load_module("solutions", task.module), task)
    outcome = execute(task, fn, case)
    assert isinstance(outcome, Returned), outcome
    return outcome


def honest(task=SOFTMAX, case: Case = CASE) -> tuple[dict, dict]:
    """The frame an honest child sends for the reference's answer."""
    return frame_of(reference_outcome(task, case))


def gate(header: dict, arrays: dict, task=SOFTMAX, case: Case = CASE):
    return answer_from(header, arrays, task, case)


def malformed(outcome) -> bool:
    return isinstance(outcome, Failed) and outcome.fatal and outcome.kind in (Kind.CRASH, Kind.STRUCTURE)


# -- honest answers pass unchanged ------------------------------------------

TASKS_DRAWN = [name for name, task in TASKS.items()
               if any(p.strategy is not None for p in task.parts)]


@pytest.mark.parametrize("name", TASKS_DRAWN)
def test_every_tasks_honest_answer_passes_unchanged(name):
    task = TASKS[name]
    part = next(p for p in task.parts if p.strategy is not None)
    case = generate_cases(task, part, 1)[0]
    outcome = reference_outcome(task, case)
    got = answer_from(*frame_of(outcome), task, case)
    assert isinstance(got, Returned), got
    assert len(got.values) == len(task.outputs) and got.modified == []
    for v, w in zip(got.values, outcome.values, strict=True):
        assert (v.kind, v.type_name) == (w.kind, w.type_name)
        assert (v.array is None) == (w.array is None)
        if v.array is not None:
            np.testing.assert_array_equal(v.array, w.array)


def test_an_honest_failure_passes_with_its_kind():
    header, arrays = frame_of(Failed(Kind.EXCEPTION, "raised ValueError: x", seconds=0.5))
    got = gate(header, arrays)
    assert isinstance(got, Failed) and got.kind == Kind.EXCEPTION and got.seconds == 0.5


def test_a_batch_of_honest_answers_passes_and_may_stop_early():
    cases = [CASE, Case({"z": np.array([[0.5, -0.5]])}), CASE]
    header = {"status": "batch", "outcomes": []}
    arrays = {}
    for i, case in enumerate(cases[:2]):
        h, a = honest(case=case)
        header["outcomes"].append(h)
        arrays.update({f"{i}:{k}": v for k, v in a.items()})
    got = batch_from(header, arrays, SOFTMAX, cases)
    assert isinstance(got, list) and len(got) == 2 and all(isinstance(o, Returned) for o in got)


# -- the number of values ---------------------------------------------------

@pytest.mark.parametrize("keep", [0, 1, 5])
def test_fewer_values_than_declared_fail_the_case(keep):
    case = generate_cases(LOSS, LOSS.parts[0], 1)[0]
    header, arrays = honest(LOSS, case)
    header["values"] = header["values"][:keep]
    arrays = {k: v for k, v in arrays.items() if int(k[1:]) < keep}
    got = answer_from(header, arrays, LOSS, case)
    assert isinstance(got, Failed) and got.kind == Kind.STRUCTURE and got.fatal
    assert got.message.startswith(f"returned {keep} value")
    assert "expected 9 (loss, W4, b4, W3, b3, W2, b2, W1, b1)" in got.message


def test_more_values_than_declared_fail_the_case():
    header, arrays = honest()
    header["values"] = header["values"] * 2
    arrays["v1"] = arrays["v0"]
    got = gate(header, arrays)
    assert isinstance(got, Failed) and got.kind == Kind.STRUCTURE
    assert "returned 2 values; expected 1" in got.message


def test_an_empty_batch_answer_fails_its_case_not_the_grader():
    header, _ = honest()
    header["values"] = []
    got = batch_from({"status": "batch", "outcomes": [header]}, {}, SOFTMAX, [CASE])
    assert isinstance(got, list) and malformed(got[0])


# -- kinds, dtypes, shapes and sizes ----------------------------------------

@pytest.mark.parametrize("kind, array", [
    ("array", None),                                  # an array without data
    ("other", np.zeros(3)),                           # data for a value that has none
    ("scalar", np.zeros(3)),                          # a scalar is 0-d
    ("scalar", np.array(3, dtype=np.int64)),          # ... and floating
    ("int", np.array(2.5)),                           # an int is integral
    ("int", np.zeros((2, 2), dtype=np.int64)),        # ... and 0-d
    ("array", np.zeros((1,) * 9)),                    # too many dimensions
    ("tensor", np.zeros(3)),                          # no such kind
])
def test_a_value_whose_data_does_not_fit_its_kind_fails_the_case(kind, array):
    header = {"status": "returned", "values": [{"kind": kind, "type_name": "x"}], "modified": []}
    got = gate(header, {} if array is None else {"v0": array})
    assert malformed(got), got


def test_an_answer_with_too_many_numbers_fails_the_case():
    assert max_elements(CASE) == MIN_ELEMENTS
    header, _ = honest()
    got = gate(header, {"v0": np.zeros(MIN_ELEMENTS + 1)})
    assert malformed(got) and "numbers" in got.message
    big = Case({"z": np.zeros(MIN_ELEMENTS)})
    assert max_elements(big) == 64 * MIN_ELEMENTS  # grows with the case's inputs


def test_arrays_that_belong_to_no_value_or_case_fail():
    header, arrays = honest()
    assert malformed(gate(header, {**arrays, "v7": np.zeros(2)}))
    batch = {"status": "batch", "outcomes": [header]}
    assert malformed(batch_from(batch, {"0:v0": arrays["v0"], "1:v0": arrays["v0"]}, SOFTMAX, [CASE]))
    assert malformed(batch_from(batch, {"x:v0": arrays["v0"]}, SOFTMAX, [CASE]))


@pytest.mark.parametrize("header", [
    {"status": "returned"},                             # no values
    {"status": "returned", "values": "v0"},
    {"status": "returned", "values": [7]},
    {"status": "passed", "values": []},                 # neither returned nor failed
    {},
])
def test_malformed_headers_fail_the_case(header):
    assert malformed(gate(header, {}))


@pytest.mark.parametrize("header", [
    {"status": "batch"},
    {"status": "batch", "outcomes": {}},
    {"status": "batch", "outcomes": [None]},
    {"status": "returned", "outcomes": []},
    {"status": "batch", "outcomes": [{"status": "failed"}] * 2},  # more answers than cases
])
def test_malformed_batches_fail(header):
    got = batch_from(header, {}, SOFTMAX, [CASE])
    assert malformed(got), got


# -- `modified` names only the call's own inputs ----------------------------

def test_modified_is_deduplicated_in_the_cases_order():
    case = Case({"logits": np.zeros((1, 3)), "target": np.zeros(1, dtype=np.int64)})
    task = TASKS["losses.cross_entropy"]
    header, arrays = honest(task, case)
    header["modified"] = ["target", "logits", "target"] * 1000
    got = answer_from(header, arrays, task, case)
    assert isinstance(got, Returned) and got.modified == ["logits", "target"]


@pytest.mark.parametrize("modified", [
    ["z", "LEAK=6246c94ee423d83f"],      # anything but an input name
    ["x"],                               # another task's input
    [["z"]],
    "z",
    [f"LEAK{i:05d}" for i in range(5000)],
])
def test_modified_naming_anything_else_fails_and_quotes_nothing(modified):
    header, arrays = honest()
    header["modified"] = modified
    got = gate(header, arrays)
    assert malformed(got) and "LEAK" not in got.message


def test_a_mutable_input_is_not_a_change_to_report():
    task = TASKS["optim.SGD"]
    case = generate_cases(task, task.parts[0], 1)[0]
    header, arrays = honest(task, case)
    mutable = [n for n in case.arrays if n in task.mutable]
    assert mutable
    header["modified"] = mutable
    assert malformed(answer_from(header, arrays, task, case))


# -- strings are capped -----------------------------------------------------

def test_every_string_from_the_child_is_capped():
    failed = gate({"status": "failed", "kind": "exception", "message": "m" * 10**6}, {})
    assert isinstance(failed, Failed) and len(failed.message) == MAX_MESSAGE
    header, arrays = honest()
    header["values"][0]["type_name"] = "t" * 10**6
    got = gate(header, arrays)
    assert isinstance(got, Returned) and len(got.values[0].type_name) == MAX_TYPE_NAME
    header["values"][0]["type_name"] = {"a": 1}
    got = gate(header, arrays)
    assert isinstance(got, Returned) and got.values[0].type_name == "?"


def test_claimed_kinds_and_times_are_not_trusted():
    got = gate({"status": "failed", "kind": "value", "message": "ok", "seconds": float("nan")}, {})
    assert isinstance(got, Failed) and got.kind == Kind.EXCEPTION and got.seconds == 0.0
    header, arrays = honest()
    header["seconds"] = 1e9
    got = gate(copy.deepcopy(header), arrays)
    assert isinstance(got, Returned) and got.seconds == 0.0
