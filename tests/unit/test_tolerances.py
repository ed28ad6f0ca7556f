"""The element-wise comparison and its per-dtype tolerances."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnn_checks.tolerances import TOLERANCES, all_within_tolerance, compare_values, tolerance


def test_tolerances_by_dtype():
    assert tolerance(np.float64) == TOLERANCES[np.dtype(np.float64)] == (1e-7, 1e-9)
    assert tolerance("float32") == (2e-4, 2e-5)
    with pytest.raises(KeyError):
        tolerance(np.int64)


def test_equal_and_within_tolerance_pass():
    exp = np.array([1.0, -2.0, 3e4])
    assert compare_values(exp, exp.copy(), np.float64) is None
    assert compare_values(exp, exp * (1 + 5e-8), np.float64) is None


def test_absolute_part_scales_with_the_largest_expected_value():
    # 1e4 * atol(1e-9) = 1e-5 allowed on an element whose expected value is 0
    exp = np.array([1e4, 0.0])
    assert compare_values(exp, np.array([1e4, 9e-6]), np.float64) is None
    problem = compare_values(exp, np.array([1e4, 2e-5]), np.float64)
    assert problem is not None and problem.stage == "value" and problem.index == (1,)


def test_worst_element_is_reported_with_its_index_and_count():
    exp = np.zeros((2, 3))
    got = exp.copy()
    got[0, 1], got[1, 2] = 0.5, 2.0
    problem = compare_values(exp, got, np.float64)
    assert problem.stage == "value" and problem.index == (1, 2)
    assert "index (1, 2)" in problem.message and "2 of 6 values are off" in problem.message
    assert "expected 0, got 2" in problem.message


def test_float32_gets_float32_sized_tolerance():
    exp = np.array([1.0])
    assert compare_values(exp, np.array([1.0 + 1e-4], np.float32), np.float32) is None
    assert compare_values(exp, np.array([1.0 + 1e-4]), np.float64) is not None


def test_explicit_tolerance_overrides_the_dtype():
    exp = np.array([0.66])
    assert compare_values(exp, np.array([0.6612]), np.float64, tol=(1e-2, 0)) is None


def test_nan_where_a_number_was_expected():
    problem = compare_values(np.array([1.0, 2.0]), np.array([1.0, np.nan]), np.float64)
    assert problem.stage == "nan" and problem.index == (1,)
    assert "exp()" in problem.message


def test_matching_infinities_and_nans_pass():
    exp = np.array([np.inf, -np.inf, np.nan])
    assert compare_values(exp, exp.copy(), np.float64) is None
    assert compare_values(np.array([np.inf]), np.array([-np.inf]), np.float64).stage == "value"


def test_scalars_and_empty_arrays():
    assert compare_values(np.array(2.0), np.array(2.0), np.float64) is None
    problem = compare_values(np.array(2.0), np.array(3.0), np.float64)
    assert problem.index == () and " at index" not in problem.message
    assert compare_values(np.zeros((0, 2)), np.zeros((0, 2)), np.float64) is None


# --- many results at once: all_within_tolerance must agree with compare_values

#: how far from the expected value a drawn answer lies, in units of its allowed error
_OFFSETS = st.sampled_from([0.0, 0.5, 0.999, 1.0, 1.001, 2.0, -1.0, -1.001, np.nan, np.inf])


@st.composite
def _pair(draw):
    """(expected, got, tol): got near the edge of the tolerance, sometimes
    past it, NaN or infinite; expected sometimes not finite itself."""
    dtype = draw(st.sampled_from([np.float64, np.float32]))
    shape = draw(st.sampled_from([(), (0,), (1,), (3,), (2, 2)]))
    size = int(np.prod(shape))
    values = draw(st.lists(st.sampled_from([0.0, 1.0, -0.3, 7.5, 1e4, -2e-6, np.inf, np.nan])
                           if draw(st.booleans()) else st.floats(-1e3, 1e3), min_size=size, max_size=size))
    exp = np.array(values, dtype=np.float64).reshape(shape)
    tol = draw(st.sampled_from([None, (1e-2, 0.0), (1e-7, 1e-9)]))
    rtol, atol = tol or tolerance(dtype)
    scale = max(1.0, float(np.max(np.abs(exp), initial=0.0, where=np.isfinite(exp))))
    offsets = np.array(draw(st.lists(_OFFSETS, min_size=size, max_size=size))).reshape(shape)
    with np.errstate(invalid="ignore"):
        got = np.where(np.isfinite(exp), exp + offsets * (atol * scale + rtol * np.abs(exp)), exp)
    return exp, got.astype(dtype), tol or tolerance(dtype)


@given(st.lists(_pair(), max_size=6))
def test_all_within_tolerance_agrees_with_compare_values(pairs):
    one_by_one = all(compare_values(e, g, g.dtype, tol=tol) is None for e, g, tol in pairs)
    at_once = all_within_tolerance(pairs)
    if at_once:
        assert one_by_one  # never a pass that compare_values would refuse
    if all(np.isfinite(e).all() for e, _, _ in pairs):
        assert at_once == one_by_one  # and, with finite expected values, the same verdict


def test_all_within_tolerance_edges():
    exp = np.array([1e4, 0.0])
    assert all_within_tolerance([(exp, np.array([1e4, 9e-6]), (1e-7, 1e-9))])
    assert not all_within_tolerance([(exp, np.array([1e4, 2e-5]), (1e-7, 1e-9))])
    assert not all_within_tolerance([(exp, np.array([1e4, np.nan]), (1e-7, 1e-9))])
    # an infinite expected value is left to compare_values, one pair at a time
    assert not all_within_tolerance([(np.array([np.inf]), np.array([np.inf]), (1e-7, 1e-9))])
    assert all_within_tolerance([]) and all_within_tolerance([(np.zeros(0), np.zeros(0), (1e-7, 1e-9))])
