"""Shared building blocks of the backprop tasks."""
from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

from ...cases import Case
from ...parts import CaseStrategy, float32_part, non_contiguous_part
from ...strategies import param
from ...task import Part

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


def batch_part(cases: CaseStrategy, rows_of: str, condition: str, advice: str, **flags: Any) -> Part:
    """The part with a batch of samples: cases(batch=True, **flags), whose
    array `rows_of` has more than one row."""
    return Part("batch", cases(batch=True, **flags), condition, advice,
                lambda case: case.arrays[rows_of].shape[0] > 1)


def batched_parts(cases: CaseStrategy, rows_of: str, batch_condition: str, *, basic: str, batch: str,
                  **flags: Any) -> tuple[Part, ...]:
    """The parts of a layer or network that takes a batch of samples: basic
    (one sample), batch (see batch_part), non-contiguous and float32 inputs.
    `flags` select the task's cases (backward=True, targets=True)."""
    return (Part("basic", cases(**flags), "", basic),
            batch_part(cases, rows_of, batch_condition, batch, **flags),
            non_contiguous_part(cases, NON_CONTIGUOUS_ADVICE, **flags),
            float32_part(cases, "results keep the input's dtype", **flags))
