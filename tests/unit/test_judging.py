"""Judging an outcome, a batch of outcomes, and the reference answers the
grader judges by: each answer judged once, each reference answer computed
once."""
import numpy as np

from cnn_checks.cases import Case
from cnn_checks.execute import Failed, Returned, execute
from cnn_checks.kinds import Kind
from cnn_checks.outputs import to_value
from cnn_checks.runner import judge_outcome
from cnn_checks.tasks import TASKS
from grader.compare import ReferenceAnswers, fingerprint, judge_batch

SOFTMAX = TASKS["losses.softmax"]
PART = SOFTMAX.parts[0]


def case(values, dtype=np.float64) -> Case:
    return Case({"z": np.asarray(values, dtype=dtype)})


def softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def returned(array) -> Returned:
    return Returned([to_value(array)], seconds=0.01)


class CountingAnswers:
    """An `expected` that counts its calls."""

    def __init__(self):
        self.reference = ReferenceAnswers(SOFTMAX)
        self.calls = 0

    def __call__(self, c):
        self.calls += 1
        return self.reference(c)


CASES = [case([[1.0, 2.0, 3.0]]), case([[0.0, 0.0]]), case([[5.0, -1.0, 2.0, 0.5]])]


def test_judge_outcome_right_wrong_failed_modified():
    c = CASES[0]
    expected = ReferenceAnswers(SOFTMAX)
    assert judge_outcome(SOFTMAX, c, returned(softmax(c.arrays["z"])), expected) is None
    kind, message, mismatch = judge_outcome(SOFTMAX, c, returned(c.arrays["z"]), expected)
    assert kind == Kind.VALUE and mismatch.stage == Kind.VALUE and "index (0, " in message
    failed = Failed(Kind.EXCEPTION, "raised ValueError: boom")
    assert judge_outcome(SOFTMAX, c, failed, expected) == (Kind.EXCEPTION, "raised ValueError: boom", None)
    modified = Returned([to_value(softmax(c.arrays["z"]))], modified=["z"])
    assert judge_outcome(SOFTMAX, c, modified, expected)[0] == Kind.MODIFIED


def test_judge_batch_passes_and_judges_each_answer_once():
    expected = CountingAnswers()
    outcomes = [returned(softmax(c.arrays["z"])) for c in CASES]
    result = judge_batch(SOFTMAX, PART, CASES, outcomes, expected)
    assert result.passed and result.examples == 3
    assert abs(result.seconds_inside - 0.03) < 1e-9
    assert expected.calls == 3


def test_judge_batch_stops_at_a_fatal_failure_with_its_case():
    outcomes = [returned(softmax(CASES[0].arrays["z"])),
                Failed(Kind.NOT_IMPLEMENTED, "not implemented yet", fatal=True)]
    result = judge_batch(SOFTMAX, PART, CASES, outcomes, ReferenceAnswers(SOFTMAX))
    assert not result.passed and result.kind == Kind.NOT_IMPLEMENTED
    assert result.examples == 2 and result.case is CASES[1]


def test_judge_batch_leaves_a_wrong_value_or_a_short_batch_to_shrinking():
    wrong = [returned(softmax(c.arrays["z"])) for c in CASES]
    wrong[1] = returned(np.zeros((1, 2)))
    assert judge_batch(SOFTMAX, PART, CASES, wrong, ReferenceAnswers(SOFTMAX)) is None
    short = [returned(softmax(c.arrays["z"])) for c in CASES[:2]]
    assert judge_batch(SOFTMAX, PART, CASES, short, ReferenceAnswers(SOFTMAX)) is None


def test_reference_answers_are_computed_once_per_case():
    answers = ReferenceAnswers(SOFTMAX)
    first = answers(CASES[0])
    again = answers(case([[1.0, 2.0, 3.0]]))  # an equal case, as Hypothesis replays it
    assert again is first and len(answers.memo) == 1
    answers(case([[1.0, 2.0, 3.0]], np.float32))
    answers(Case({"z": np.array([[1.0, 2.0, 3.0]])}, {"axis": 0}))
    assert len(answers.memo) == 3
    np.testing.assert_allclose(first[0].array, softmax(np.array([[1.0, 2.0, 3.0]])))


def test_fingerprint_tells_cases_apart():
    base = case([[1.0, 2.0]])
    assert fingerprint(base) == fingerprint(case([[1.0, 2.0]]))
    others = [case([[1.0, 2.5]]), case([[1.0, 2.0]], np.float32), case([[1.0], [2.0]]),
              Case(base.arrays, {"axis": 0}), Case(base.arrays, {}, "fortran"),
              Case({"x": base.arrays["z"]})]
    assert len({fingerprint(c) for c in [base, *others]}) == len(others) + 1


def test_execute_reports_what_the_callee_did():
    c = CASES[0]
    assert isinstance(execute(SOFTMAX, softmax, c), Returned)

    def todo(z):
        raise NotImplementedError

    def boom(z):
        raise ValueError("boom")

    def in_place(z):
        z *= 0
        return z

    assert execute(SOFTMAX, todo, c).kind == Kind.NOT_IMPLEMENTED
    assert execute(SOFTMAX, todo, c).fatal
    failed = execute(SOFTMAX, boom, c)
    assert failed.kind == Kind.EXCEPTION and "ValueError: boom" in failed.message and not failed.fatal
    assert execute(SOFTMAX, in_place, c).modified == ["z"]
    assert execute(SOFTMAX, lambda z: (z, z), c).values[0].kind == "other"  # judged as a wrong type
    two_outputs = TASKS["backprop.linear_backward"]
    linear = Case({n: np.ones((2, 2)) for n in ("dout", "x", "w")})
    assert execute(two_outputs, lambda dout, x, w: dout, linear).kind == Kind.STRUCTURE


def test_judge_batch_skips_what_an_earlier_call_judged():
    expected = CountingAnswers()
    outcomes = [returned(softmax(c.arrays["z"])) for c in CASES]
    result = judge_batch(SOFTMAX, PART, CASES, outcomes, expected, judged=1)
    assert result.passed and result.examples == 3 and expected.calls == 2
    outcomes[2] = Failed(Kind.EXIT, "called sys.exit(1)", fatal=True)
    failed = judge_batch(SOFTMAX, PART, CASES, outcomes, CountingAnswers(), judged=1)
    assert failed.kind == Kind.EXIT and failed.examples == 3 and failed.case is CASES[2]
