"""Turning a returned object into plain data, and judging it in stages."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnn_checks.outputs import Expected, Value, all_right, judge, to_value, to_values


class Sub(np.ndarray):
    pass


@pytest.mark.parametrize("obj, kind, type_name", [
    (np.ones(3), "array", "numpy.ndarray"),
    (np.float32(1.5), "scalar", "numpy.float32"),
    (1.5, "scalar", "float"),
    (3, "int", "int"),
    (np.int32(3), "int", "numpy.int32"),
    (True, "other", "bool"),
    (np.bool_(True), "other", "numpy.bool"),
    ([1.0, 2.0], "other", "list"),
    (np.array(["a"]), "other", "numpy.ndarray of dtype <U1"),
    (np.ones(2).view(Sub), "other", f"{__name__}.Sub"),
])
def test_to_value_classifies_without_trusting(obj, kind, type_name):
    v = to_value(obj)
    assert v.kind == kind and v.type_name == type_name
    assert (v.array is None) == (kind == "other")


def test_to_value_copies_arrays():
    a = np.ones(3)
    v = to_value(a)
    a[0] = 5
    assert v.array[0] == 1 and v.array.flags.c_contiguous


def test_to_values_structures():
    assert [v.kind for v in to_values(np.ones(2), ("out",))] == ["array"]
    assert [v.kind for v in to_values((np.ones(2), 3), ("a", "b"))] == ["array", "int"]
    got = to_values({"dW": np.ones(1), "db": np.zeros(1)}, ("[dW]", "[db]"))
    assert [v.kind for v in got] == ["array", "array"]
    assert "expected a tuple of 2" in to_values(np.ones(2), ("a", "b"))
    assert "returned 3 values" in to_values((1, 2, 3), ("a", "b"))
    assert "lacks the keys ['db']" in to_values({"dW": np.ones(1)}, ("[dW]", "[db]"))
    assert "expected a dict" in to_values([1, 2], ("[dW]", "[db]"))


def arr(values, dtype=np.float64) -> Value:
    return to_value(np.asarray(values, dtype=dtype))


def exp_array(values) -> Expected:
    return Expected("out", "array", np.asarray(values, dtype=np.float64))


F64 = np.dtype(np.float64)
F32 = np.dtype(np.float32)


def test_judge_passes_a_right_answer():
    assert judge([exp_array([1.0, 2.0])], [arr([1.0, 2.0])], F64) is None


@pytest.mark.parametrize("got, dtype, stage, words", [
    (to_value([1.0, 2.0]), F64, "type", "is a list; expected a numpy.ndarray"),
    (to_value(1.0), F64, "type", "expected a numpy.ndarray"),
    (arr([[1.0, 2.0]]), F64, "shape", "has shape (1, 2); expected (2,)"),
    (arr([1, 2], np.int64), F64, "dtype", "a floating result"),
    (arr([1.0, 2.0], np.float32), F64, "dtype", "keep the input's dtype"),
    (arr([1.0, np.nan]), F64, "nan", "non-finite"),
    (arr([1.0, 2.5]), F64, "value", "index (1,)"),
])
def test_judge_reports_the_first_stage_that_is_wrong(got, dtype, stage, words):
    problem = judge([exp_array([1.0, 2.0])], [got], dtype)
    assert problem is not None and problem.stage == stage
    assert words in problem.message


def test_judge_checks_the_count_and_names_outputs():
    two = [Expected("dx", "array", np.zeros(2)), Expected("dw", "array", np.zeros(2))]
    assert judge(two, [arr([0.0, 0.0])], F64).message == "returned 1 values; expected 2"
    problem = judge(two, [arr([0.0, 0.0]), arr([0.0, 1.0])], F64)
    assert problem.stage == "value" and problem.message.startswith("`dw` is wrong")


def test_judge_ints_and_scalars():
    four = [Expected("n", "int", np.array(4))]
    assert judge(four, [to_value(4)], F64) is None
    assert judge(four, [to_value(np.int64(5))], F64).message == "the result: expected 4, got 5"
    assert judge(four, [to_value(4.0)], F64).stage == "type"
    loss = [Expected("loss", "scalar", np.array(0.5))]
    assert judge(loss, [to_value(0.5)], F64) is None            # a Python float
    assert judge(loss, [to_value(np.float32(0.5))], F32) is None
    assert judge(loss, [to_value(0.5)], F32).stage == "dtype"   # float64 for float32 inputs
    assert judge(loss, [arr([0.5])], F64).stage == "shape"


def test_judge_uses_an_explicit_tolerance():
    assert judge([exp_array([0.66])], [arr([0.661])], F64, tol=(1e-2, 0)) is None
    assert judge([exp_array([0.66])], [arr([0.661])], F64) is not None


# --- all_right: many results judged at once, the same verdict as judge


@st.composite
def _result(draw):
    """(expected, got, dtype, tol) for one call: right, or wrong in one of
    the ways judge tells apart (type, count, shape, dtype, int, values)."""
    dtype = np.dtype(draw(st.sampled_from([np.float64, np.float32])))
    shape = draw(st.sampled_from([(), (2,), (2, 3)]))
    exp = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape) / 3
    expected = [Expected("y", "array", exp), Expected("n", "int", np.array(4))]
    got = [Value("array", exp.astype(dtype), "numpy.ndarray"), Value("int", np.array(4), "int")]
    fault = draw(st.sampled_from(["none", "none", "type", "count", "shape", "dtype", "int", "value",
                                  "tiny", "nan"]))
    if fault == "type":
        got[0] = Value("other", None, "list")
    elif fault == "count":
        got = got[:1]
    elif fault == "shape":
        got[0] = Value("array", np.zeros((7,), dtype), "numpy.ndarray")
    elif fault == "dtype":
        got[0] = Value("array", exp.astype(np.float16), "numpy.ndarray")
    elif fault == "int":
        got[1] = Value("int", np.array(5), "int")
    elif fault in ("value", "tiny", "nan") and exp.size:
        bad = exp.copy().astype(dtype)
        bad.flat[-1] = np.nan if fault == "nan" else bad.flat[-1] + (1.0 if fault == "value" else 1e-12)
        got[0] = Value("array", bad, "numpy.ndarray")
    return expected, got, dtype, draw(st.sampled_from([None, (1e-2, 0.0)]))


@given(st.lists(_result(), max_size=5))
def test_all_right_agrees_with_judge(results):
    one_by_one = all(judge(e, g, d, tol) is None for e, g, d, tol in results)
    assert all_right(*zip(*results, strict=True)) == one_by_one if results else all_right([], [], [], [])
