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
#: the layouts of a part about memory layout: never C-contiguous
NON_CONTIGUOUS = st.sampled_from(LAYOUTS[1:])

#: One case in four is larger than the rest: "sides" (spatial sides up to
#: LARGE_SIDE) or "channels" (batch and channels up to LARGE_CHANNELS). Code
#: that is right only for the small sizes (a fixed-size buffer, a loop that
#: stops at the third channel) fails those; Hypothesis shrinks them back to
#: small sizes whenever the small ones fail too.
LARGE_SIDE = 32
LARGE_CHANNELS = 8
sizes = seeds.map(lambda s: ("", "", "", "", "", "", "sides", "channels")[s % 8])


def layout_for(draw, vary: bool) -> str:
    """The case's memory layout: C-contiguous unless the part is about layout."""
    return draw(NON_CONTIGUOUS) if vary else "contiguous"


def side(draw, minimum: int, size: str, extra: int = 6) -> int:
    """A spatial side of at least `minimum`: up to `extra` more, or up to
    LARGE_SIDE for a "sides" case."""
    if size == "sides":
        return draw(st.integers(max(minimum, LARGE_SIDE // 2 + 1), max(minimum, LARGE_SIDE)))
    return minimum + draw(st.integers(0, extra))


def count(draw, vary: bool, size: str, lo: int = 1, hi: int = 3) -> int:
    """A batch or channel count: 1 unless the part varies it; up to
    LARGE_CHANNELS for a "channels" case."""
    if not vary:
        return 1
    return draw(st.integers(lo, LARGE_CHANNELS if size == "channels" else hi))


# What a part's cases carry (Part.feature): predicates on a Case.

def is_float32(case: Case) -> bool:
    return case.dtype == FLOAT32


def is_non_contiguous(case: Case) -> bool:
    return case.layout != "contiguous"


def has(name: str, test=lambda v: True):
    """The case passes hyper-parameter `name` (or array `name`) and `test` holds for it."""
    def feature(case: Case) -> bool:
        if name in case.arrays:
            return bool(test(case.arrays[name]))
        return name in case.params and bool(test(case.params[name]))
    return feature


def any_above(limit: int):
    """For an int or (h, w) hyper-parameter: some entry exceeds `limit`."""
    return lambda v: max(as_pair(v)) > limit


def several(case: Case) -> bool:
    """More than one image, input channel or (for a convolution) output channel."""
    x, w = case.arrays["x"], case.arrays.get("w")
    return max(x.shape[0], x.shape[1], w.shape[0] if w is not None and w.ndim == 4 else 1) > 1


def nonsquare_kernel(case: Case) -> bool:
    """A convolution's kernel w has KH != KW."""
    kh, kw = case.arrays["w"].shape[2:]
    return kh != kw


def distinct_pair(v) -> bool:
    return isinstance(v, (tuple, list)) and len(v) == 2 and v[0] != v[1]


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


def make_case(draw, dtype, shapes: dict, params: dict, layout: bool = False) -> Case:
    """A case of random arrays of `shapes` (values from a drawn seed) and the
    hyper-parameters `params`, C-contiguous unless `layout` (a part about
    memory layout): the seed is drawn first, then the layout."""
    arrays = rng_arrays(draw(seeds), dtype, shapes)
    return Case(arrays, {k: param(v) for k, v in params.items()}, layout_for(draw, layout))
