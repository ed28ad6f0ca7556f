"""Per-dtype tolerances and the element-wise comparison.

An element passes when

    |got - expected| <= atol * max(1, max|expected|) + rtol * |expected|

The absolute part scales with the largest expected magnitude, because a
sum of many terms (a convolution, a loss over logits of 1e4) carries an
absolute rounding error proportional to its largest terms, whichever order
the terms were added in: loops and vectorized code both pass. An expected
inf or NaN must be matched exactly (NaN by NaN).

(rtol, atol) comes from TOLERANCES by the inputs' dtype, unless a task
overrides it (Task.tolerance). Expected values are PyTorch's, in float64,
in the tests, and the reference solution's, in the inputs' dtype, in the
grader; float32 results get float32-sized tolerances, wide enough for
either.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .kinds import Kind

#: dtype -> (rtol, atol)
TOLERANCES = {
    np.dtype(np.float64): (1e-7, 1e-9),
    np.dtype(np.float32): (2e-4, 2e-5),
}


def tolerance(dtype) -> tuple[float, float]:
    return TOLERANCES[np.dtype(dtype)]


@dataclass(frozen=True)
class Mismatch:
    """Why a result was rejected.

    stage is a cnn_checks.kinds.Kind: TYPE, SHAPE or DTYPE (cnn_checks.outputs),
    NAN or VALUE (here). For VALUE and NAN, `index` is the worst element and
    `expected`/`got` the whole arrays.
    """

    stage: str
    message: str
    expected: np.ndarray | None = None
    got: np.ndarray | None = None
    index: tuple | None = None


def compare_values(expected: np.ndarray, got: np.ndarray, dtype, label: str = "the result",
                   tol: tuple[float, float] | None = None) -> Mismatch | None:
    """Element-wise check with the dtype's tolerance (or `tol` = (rtol, atol));
    report the worst element."""
    rtol, atol = tol or tolerance(dtype)
    exp = np.asarray(expected, dtype=np.float64)
    val = np.asarray(got, dtype=np.float64)
    bad_nan = ~np.isfinite(val) & np.isfinite(exp)
    if bad_nan.any():
        idx = tuple(int(i) for i in np.argwhere(bad_nan)[0])
        return Mismatch(Kind.NAN, f"{label} holds {val[idx]} at index {idx} where {exp[idx]:.6g} "
                                  f"was expected ({int(bad_nan.sum())} non-finite values): look for "
                                  f"exp() of large numbers or a division by zero",
                        expected=exp, got=val, index=idx)
    finite = np.isfinite(exp)
    scale = max(1.0, float(np.max(np.abs(exp), initial=0.0, where=finite)))
    with np.errstate(invalid="ignore"):
        # an expected inf or NaN must be matched exactly (NaN by NaN)
        same = (val == exp) | (np.isnan(val) & np.isnan(exp))
        allowed = np.where(finite, atol * scale + rtol * np.abs(exp), 0.0)
        err = np.where(finite, np.abs(val - exp), np.where(same, 0.0, np.inf))
    excess = err - allowed
    if exp.size == 0 or np.max(excess) <= 0:
        return None
    idx = tuple(int(i) for i in np.unravel_index(int(np.argmax(excess)), exp.shape))
    n_bad = int(np.sum(excess > 0))
    where = f" at index {idx}" if exp.ndim else ""
    return Mismatch(
        Kind.VALUE,
        f"{label} is wrong{where}: expected {exp[idx]:.10g}, got {val[idx]:.10g} "
        f"(|error| {err[idx]:.3g} > tolerance {allowed[idx]:.3g}); "
        f"{n_bad} of {exp.size} values are off",
        expected=exp, got=val, index=idx)


def all_within_tolerance(pairs) -> bool:
    """True when compare_values would pass every (expected, got, (rtol, atol))
    of `pairs`: the same formula, computed for all of them in a few array
    operations (a part's hundred answers in one pass) instead of one call
    each. Only finite expected values take this path: any inf or NaN among
    them answers False, and so does any element out of tolerance; then
    compare_values, one pair at a time, finds the culprit and says why."""
    pairs = [(e, g, tol) for e, g, tol in pairs if np.size(e)]  # an empty result has nothing to be wrong
    if not pairs:
        return True
    exp = np.concatenate([np.asarray(e, dtype=np.float64).ravel() for e, _, _ in pairs])
    got = np.concatenate([np.asarray(g, dtype=np.float64).ravel() for _, g, _ in pairs])
    if exp.shape != got.shape:
        return False
    sizes = np.array([np.size(e) for e, _, _ in pairs])
    magnitude = np.abs(exp)
    if not np.isfinite(magnitude).all():
        return False
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    scale = np.maximum(1.0, np.maximum.reduceat(magnitude, starts))  # max(1, max|expected|) per pair
    rtol = np.array([tol[0] for _, _, tol in pairs], dtype=np.float64)
    atol = np.array([tol[1] for _, _, tol in pairs], dtype=np.float64)
    allowed = np.repeat(atol * scale, sizes) + np.repeat(rtol, sizes) * magnitude
    with np.errstate(invalid="ignore"):
        return bool(np.all(np.abs(got - exp) <= allowed))  # a NaN or inf got fails here
