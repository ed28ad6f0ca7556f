"""Shared building blocks of the backprop tasks."""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from ...cases import Case
from ...strategies import param

NON_CONTIGUOUS = st.sampled_from(("strided", "fortran"))


def _case(arrays: dict, params: dict, layout: str, dtype) -> Case:
    """A Case whose floating arrays have `dtype` (integer arrays stay as they are)."""
    arrays = {k: (a.astype(dtype) if np.issubdtype(a.dtype, np.floating) else a)
              for k, a in arrays.items()}
    return Case(arrays, {k: param(v) for k, v in params.items()}, layout)


def _spaced_normals(rng, shape, gap=0.0):
    """Standard normals; with `gap`, values within `gap` of 0 are pushed out
    (a kink exactly at a drawn value is then only where we put it)."""
    a = rng.standard_normal(size=shape)
    if gap:
        a = np.where(np.abs(a) < gap, np.copysign(gap, a) + a, a)
    return a



NON_CONTIGUOUS_ADVICE = ("do not assume C-contiguous memory (as_strided with hand-made strides, "
                         "x.data, reshape(-1) as a view): index and slice the arrays, or "
                         "np.ascontiguousarray them first")


def rows_above_one(name: str):
    """Feature: array `name` has more than one row (a batch)."""
    return lambda case: case.arrays[name].shape[0] > 1
