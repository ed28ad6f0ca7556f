"""Hypothesis building blocks shared by every task: one home for sizes,
hyper-parameters, dtypes, layouts and array values.

Hypothesis draws only sizes, hyper-parameters and a seed; the values come
from NumPy's generator seeded with it. Drawing values element by element
would be slow and would shrink towards zeros, which hide bugs: here they
stay random normals (non-monotonic, no ties) while the shapes shrink to the
smallest that still fails.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from hypothesis import strategies as st

from .cases import LAYOUTS, Case

FLOAT64 = np.dtype(np.float64)
FLOAT32 = np.dtype(np.float32)

seeds = st.integers(min_value=0, max_value=2**32 - 1)
layouts = st.sampled_from(LAYOUTS)


def rng_arrays(seed: int, dtype, shapes: dict[str, Sequence[int]], scale: float = 1.0,
               kind: str = "normal") -> dict[str, np.ndarray]:
    """Random arrays by name. kind "normal": standard normals times scale;
    "positive": uniform in [0.5, 2) times scale."""
    rng = np.random.default_rng(seed)
    out = {}
    for name, shape in shapes.items():
        if kind == "positive":
            a = rng.uniform(0.5, 2.0, size=tuple(shape)) * scale
        else:
            a = rng.standard_normal(size=tuple(shape)) * scale
        out[name] = a.astype(dtype)
    return out


def pair(lo: int, hi: int, *, square: bool = False) -> st.SearchStrategy:
    """An int, or an (h, w) pair with independent values (non-square)."""
    single = st.integers(lo, hi)
    if square:
        return single
    return st.one_of(single, st.tuples(single, single))


def as_pair(v) -> tuple[int, int]:
    """int -> (v, v); (h, w) -> (h, w)."""
    if isinstance(v, (tuple, list)):
        return int(v[0]), int(v[1])
    return int(v), int(v)


def param(v):
    """Hyper-parameters are stored JSON-style (tuples as lists)."""
    return list(v) if isinstance(v, tuple) else v


def make_case(seed: int, dtype, shapes: dict, params: dict, layout: str = "contiguous",
              scale: float = 1.0, kind: str = "normal") -> Case:
    arrays = rng_arrays(seed, dtype, shapes, scale=scale, kind=kind)
    return Case(arrays, {k: param(v) for k, v in params.items()}, layout)
