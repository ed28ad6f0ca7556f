"""pooling.max_pool2d, avg_pool2d, min_pool2d and global_avg_pool2d."""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from ..cases import Case, as_tuple
from ..oracle import tensors, to_numpy
from ..parts import channels_part, float32_part, non_contiguous_part
from ..strategies import FLOAT64, as_pair, count, distinct_pair, has, make_case, side, sizes
from ..task import Example, Part, Signature, Task

# --------------------------------------------------------------------------
# max_pool2d, avg_pool2d, min_pool2d
# --------------------------------------------------------------------------


def _int_or_pair(h: int, w: int, nonsquare: bool):
    return (h, w) if nonsquare else h


@st.composite
def pool_cases(draw, *, dtype=FLOAT64, stride=False, padding=False, nonsquare=False,
               pairs=False, channels=False, layout=False):
    """Cases for the windowed poolings. Each flag varies one feature on top
    of the simplest case: one image, one channel, a square kernel, stride
    and padding not passed (stride defaults to kernel_size), C-contiguous
    float64.

    stride: given, None or 1..4, so windows may overlap (kernel > stride),
    leave gaps (kernel < stride), or not divide the input.
    padding: 1 .. kernel//2 (PyTorch refuses more), stride not passed.
    nonsquare: an (h, w) kernel with h != w.
    pairs: (h, w) kernel, stride (h != w) and padding pairs.
    """
    size = draw(sizes)
    kh = draw(st.integers(2 if padding else 1, 4))
    if nonsquare or pairs:
        kw = draw(st.integers(1, 4).filter(lambda v: v != kh)) if nonsquare else draw(st.integers(1, 4))
        params = {"kernel_size": (kh, kw)}
    else:
        kw = kh
        params = {"kernel_size": kh}
    ph = pw = 0
    if stride:
        params["stride"] = draw(st.one_of(st.none(), st.integers(1, 4)))
    if pairs:
        params["stride"] = draw(st.tuples(st.integers(1, 4), st.integers(1, 4))
                                .filter(lambda t: t[0] != t[1]))
        ph, pw = draw(st.integers(0, kh // 2)), draw(st.integers(0, kw // 2))
        params["padding"] = (ph, pw)
    if padding:
        ph = pw = draw(st.integers(1, kh // 2))
        params["padding"] = ph
    n = count(draw, channels, size)
    c = count(draw, channels, size)
    if channels and n == c == 1:
        c = 2
    H = side(draw, max(1, kh - 2 * ph), size)
    W = side(draw, max(1, kw - 2 * pw), size)
    return make_case(draw, dtype, {"x": (n, c, H, W)}, params, layout)


def _nonsquare(case: Case) -> bool:
    kh, kw = as_pair(case.params["kernel_size"])
    return kh != kw


POOL_CALL = Signature(("x", "kernel_size"), ("stride?", "padding?"))


def _torch_pool(kind):
    def oracle(arrays, p, device):
        import torch.nn.functional as F
        x = tensors(arrays, device)["x"]
        k, s = as_tuple(p["kernel_size"]), as_tuple(p.get("stride"))
        pad = as_tuple(p.get("padding", 0))
        if kind == "max":
            out = F.max_pool2d(x, k, s, pad)
        elif kind == "min":
            out = -F.max_pool2d(-x, k, s, pad)
        else:  # count_include_pad=True (the default): padded zeros count in the divisor
            out = F.avg_pool2d(x, k, s, pad)
        return [to_numpy(out)]
    return oracle


_REDUCE = {"max": "the maximum", "avg": "the mean", "min": "the minimum"}
_FILL = {"max": "-inf (a padded position never wins)",
         "avg": "zeros that still count in the divisor: every window divides by KH*KW "
                "(PyTorch's count_include_pad=True), also at the border",
         "min": "+inf (a padded position never wins)"}


def _pool_parts(kind: str) -> tuple[Part, ...]:
    what = _REDUCE[kind]
    return (
        Part("basic", pool_cases(), "",
             f"each output is {what} of one KH x KW window; with stride left out (None) it "
             f"defaults to kernel_size, so the windows tile the input without overlap and the "
             f"output is floor(H / KH) x floor(W / KW) (leftover rows/columns are dropped)"),
        Part("stride", pool_cases(stride=True), "stride is given (None or an int)",
             "window (i, j) starts at row i*stride and column j*stride; windows overlap when "
             "kernel_size > stride; output size floor((H - KH) / stride) + 1; stride=None "
             "still means stride = kernel_size", has("stride")),
        Part("padding", pool_cases(padding=True), "padding > 0",
             f"pad the border first (p rows top and bottom, p columns left and right) with "
             f"{_FILL[kind]}; then the output size is floor((H + 2p - KH) / stride) + 1",
             has("padding", lambda v: max(as_pair(v)) > 0)),
        Part("nonsquare", pool_cases(nonsquare=True), "kernel_size is an (h, w) pair with h != w",
             "the first number of the pair is for the height (rows), the second for the width "
             "(columns); stride=None defaults to the (KH, KW) pair", _nonsquare),
        Part("pairs", pool_cases(pairs=True), "stride and padding are (h, w) pairs",
             "the first number of each pair is for the rows, the second for the columns: "
             "rows move by stride[0], columns by stride[1]", has("stride", distinct_pair)),
        channels_part(pool_cases, "pool every (n, c) feature map on its own: reduce over the window "
                      "only, never across images or channels"),
        non_contiguous_part(pool_cases, "do not assume C-contiguous memory (as_strided with hand-made "
                            "strides, x.data): index and slice x, or np.ascontiguousarray it first"),
        float32_part(pool_cases, "results keep the input's dtype: allocate with dtype=x.dtype (np.full "
                     "with dtype=x.dtype for the padded array too)"),
    )


def _pool_task(kind: str, *examples: Example) -> Task:
    """pooling.<kind>_pool2d, against PyTorch, with the parts every windowed pooling has."""
    return Task("pooling", f"{kind}_pool2d", POOL_CALL, _torch_pool(kind), parts=_pool_parts(kind),
                examples=examples)


def _worked_example(rows, pooled, source: str, **params) -> Example:
    """A lecture's worked example: the one-channel image `rows`, pooled with
    2x2 windows (and `params`), gives the map `pooled`."""
    return Example(Case({"x": np.array(rows, float)[None, None]}, {"kernel_size": 2, **params}),
                   [np.array([[pooled]])], source)


def _lecture003_pooled_as(word: str, pooled) -> Example:
    """Lecture 003's 4x4 map, which the slide max-pools, pooled the `word` way instead."""
    return _worked_example(_L003, pooled, f"lecture 003's 4x4 map (the slide max-pools it) with 2x2 "
                                          f"{word} pooling at stride 2", stride=2)


def _random_image(shape, seed) -> np.ndarray:
    return np.round(np.random.default_rng(seed).uniform(0, 1, size=shape), 3)


_L000 = [[1, 2], [3, 4]]
_L003 = [[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]]
_L004 = [[0.413, 0.794, 0.679], [0.366, 0.701, 0.512], [0.679, 0.512, 0.76]]

max_pool2d = _pool_task(
    "max",
    _worked_example(_L000, [[4.0]], "lecture 000: max pooling of the 2x2 region [1, 2; 3, 4] selects 4"),
    _worked_example(_L003, [[6.0, 8.0], [3.0, 4.0]],
                    "lecture 003: max pool with 2x2 filters and stride 2 gives [[6, 8], [3, 4]]", stride=2),
    _worked_example(_L004, [[0.794]], "lecture 004, Example 1: 2x2 max pooling at stride 2 of the 3x3 "
                    "sigmoid map gives 0.794 (the last row and column are dropped)", stride=2),
    Example(Case({"x": _random_image((1, 2, 26, 26), 4)}, {"kernel_size": 2}), [{}],
            "lecture 001/004: the MNIST convnet pools 26x26 feature maps to 13x13"),
    Example(Case({"x": _random_image((1, 2, 11, 11), 1)}, {"kernel_size": 2}), [{}],
            "lecture 001: the MNIST convnet pools 11x11 feature maps to 5x5 (the odd last "
            "row and column are dropped)"),
)

avg_pool2d = _pool_task(
    "avg",
    _worked_example(_L000, [[2.5]], "lecture 000: average pooling of [1, 2; 3, 4] is (1+2+3+4)/4 = 2.5"),
    _lecture003_pooled_as("average", [[3.25, 5.25], [2.0, 2.0]]),
)

min_pool2d = _pool_task(
    "min",
    _worked_example(_L000, [[1.0]], "lecture 000: min pooling of [1, 2; 3, 4] selects 1"),
    _lecture003_pooled_as("min", [[1.0, 2.0], [1.0, 0.0]]),
)


# --------------------------------------------------------------------------
# global_avg_pool2d
# --------------------------------------------------------------------------

@st.composite
def global_cases(draw, *, dtype=FLOAT64, channels=False, layout=False):
    size = draw(sizes)
    n, c = count(draw, channels, size), count(draw, channels, size)
    if channels and n == c == 1:
        c = 2
    H, W = side(draw, 1, size, 7), side(draw, 1, size, 7)
    return make_case(draw, dtype, {"x": (n, c, H, W)}, {}, layout)


def _oracle_global(arrays, p, device):
    x = tensors(arrays, device)["x"]
    return [to_numpy(x.mean(dim=(2, 3)))]


global_avg_pool2d = Task(
    "pooling", "global_avg_pool2d", Signature(("x",)), _oracle_global,
    parts=(
        Part("basic", global_cases(), "",
             "average all H*W values of each feature map: the result has shape (N, C), "
             "not (N, C, 1, 1)"),
        channels_part(global_cases, "average over the last two axes only (axis=(2, 3)); one number "
                      "per image and channel"),
        non_contiguous_part(global_cases, "do not assume C-contiguous memory: reduce with "
                            "x.mean(axis=(2, 3)) or np.ascontiguousarray x first"),
        float32_part(global_cases, "results keep the input's dtype (x.mean keeps float32)"),
    ),
    examples=(
        Example(Case({"x": np.array(_L000, float)[None, None]}, {}), [np.array([[2.5]])],
                "lecture 000: global average pooling of [1, 2; 3, 4] is (1+2+3+4)/4 = 2.5"),
    ),
)

TASKS = (max_pool2d, avg_pool2d, min_pool2d, global_avg_pool2d)
