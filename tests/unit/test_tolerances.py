"""The element-wise comparison and its per-dtype tolerances."""
import numpy as np
import pytest

from cnn_checks.tolerances import TOLERANCES, compare_values, tolerance


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
