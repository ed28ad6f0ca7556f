"""pooling.max_pool2d, avg_pool2d, min_pool2d and global_avg_pool2d."""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from ..cases import Case, as_tuple
from ..oracle import tensors, to_numpy
from ..strategies import FLOAT32, FLOAT64, layouts, make_case, seeds
from ..task import Example, Part, Task

# --------------------------------------------------------------------------
# max_pool2d, avg_pool2d, min_pool2d
# --------------------------------------------------------------------------


def _int_or_pair(h: int, w: int, nonsquare: bool):
    return (h, w) if nonsquare else h


@st.composite
def pool_cases(draw, *, dtype=FLOAT64, stride=False, padding=False, nonsquare=False,
               channels=False):
    """Cases for the windowed poolings. Each flag lets one feature vary;
    everything else stays at its simplest: one image, one channel, a square
    kernel, stride and padding not passed (stride defaults to kernel_size).

    stride: None (passed explicitly) or 1..4, so windows may overlap
    (kernel > stride), leave gaps (kernel < stride), or not divide the input.
    padding: 0 .. kernel//2 per axis (PyTorch refuses more).
    nonsquare: kernel, stride and padding are (h, w) pairs.
    """
    lo_k = 2 if padding else 1
    kh = draw(st.integers(lo_k, 4))
    kw = draw(st.integers(lo_k, 4)) if nonsquare else kh
    params = {"kernel_size": _int_or_pair(kh, kw, nonsquare)}
    ph = pw = 0
    if stride or nonsquare:
        if draw(st.booleans()):
            params["stride"] = None
        else:
            sh = draw(st.integers(1, 4))
            sw = draw(st.integers(1, 4)) if nonsquare else sh
            params["stride"] = _int_or_pair(sh, sw, nonsquare)
    if padding or nonsquare:
        ph = draw(st.integers(0, kh // 2))
        pw = draw(st.integers(0, kw // 2)) if nonsquare else ph
        params["padding"] = _int_or_pair(ph, pw, nonsquare)
    n = draw(st.integers(1, 3)) if channels else 1
    c = draw(st.integers(1, 3)) if channels else 1
    H = max(1, kh - 2 * ph) + draw(st.integers(0, 6))
    W = max(1, kw - 2 * pw) + draw(st.integers(0, 6))
    return make_case(draw(seeds), dtype, {"x": (n, c, H, W)}, params, draw(layouts))


def _call_pool(fn, arrays, p):
    # stride and padding are passed only when the case has them: the basic
    # part relies on the defaults (stride None = kernel_size, padding 0)
    kwargs = {k: as_tuple(p[k]) for k in ("stride", "padding") if k in p}
    return fn(arrays["x"], as_tuple(p["kernel_size"]), **kwargs)


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
             "still means stride = kernel_size"),
        Part("padding", pool_cases(stride=True, padding=True), "padding > 0",
             f"pad the border first (p rows top and bottom, p columns left and right) with "
             f"{_FILL[kind]}; then the output size is floor((H + 2p - KH) / stride) + 1"),
        Part("nonsquare", pool_cases(nonsquare=True),
             "kernel_size, stride or padding are (h, w) pairs",
             "the first number of each pair is for the height (rows), the second for the "
             "width (columns); stride=None defaults to the (KH, KW) pair"),
        Part("channels", pool_cases(channels=True), "batch or channel sizes exceed 1",
             "pool every (n, c) feature map on its own: reduce over the window only, never "
             "across images or channels"),
        Part("float32", pool_cases(dtype=FLOAT32, stride=True, padding=True, channels=True),
             "the inputs are float32",
             "results keep the input's dtype: allocate with dtype=x.dtype (np.full with "
             "dtype=x.dtype for the padded array too)"),
    )


def _image(rows, **params) -> Case:
    return Case({"x": np.array(rows, float)[None, None]}, params)


def _random_image(shape, seed) -> np.ndarray:
    return np.round(np.random.default_rng(seed).uniform(0, 1, size=shape), 3)


_L000 = [[1, 2], [3, 4]]
_L003 = [[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]]
_L004 = [[0.413, 0.794, 0.679], [0.366, 0.701, 0.512], [0.679, 0.512, 0.76]]

max_pool2d = Task(
    "pooling", "max_pool2d", _call_pool, _torch_pool("max"), parts=_pool_parts("max"),
    examples=(
        Example(_image(_L000, kernel_size=2), [np.array([[[[4.0]]]])],
                "lecture 000: max pooling of the 2x2 region [1, 2; 3, 4] selects 4"),
        Example(_image(_L003, kernel_size=2, stride=2), [np.array([[[[6.0, 8.0], [3.0, 4.0]]]])],
                "lecture 003: max pool with 2x2 filters and stride 2 gives [[6, 8], [3, 4]]"),
        Example(_image(_L004, kernel_size=2, stride=2), [np.array([[[[0.794]]]])],
                "lecture 004, Example 1: 2x2 max pooling at stride 2 of the 3x3 sigmoid map "
                "gives 0.794 (the last row and column are dropped)"),
        Example(Case({"x": _random_image((1, 2, 26, 26), 4)}, {"kernel_size": 2}), [{}],
                "lecture 001/004: the MNIST convnet pools 26x26 feature maps to 13x13"),
        Example(Case({"x": _random_image((1, 2, 11, 11), 1)}, {"kernel_size": 2}), [{}],
                "lecture 001: the MNIST convnet pools 11x11 feature maps to 5x5 (the odd last "
                "row and column are dropped)"),
    ),
)

avg_pool2d = Task(
    "pooling", "avg_pool2d", _call_pool, _torch_pool("avg"), parts=_pool_parts("avg"),
    examples=(
        Example(_image(_L000, kernel_size=2), [np.array([[[[2.5]]]])],
                "lecture 000: average pooling of [1, 2; 3, 4] is (1+2+3+4)/4 = 2.5"),
        Example(_image(_L003, kernel_size=2, stride=2),
                [np.array([[[[3.25, 5.25], [2.0, 2.0]]]])],
                "lecture 003's 4x4 map (the slide max-pools it) with 2x2 average pooling "
                "at stride 2"),
    ),
)

min_pool2d = Task(
    "pooling", "min_pool2d", _call_pool, _torch_pool("min"), parts=_pool_parts("min"),
    examples=(
        Example(_image(_L000, kernel_size=2), [np.array([[[[1.0]]]])],
                "lecture 000: min pooling of [1, 2; 3, 4] selects 1"),
        Example(_image(_L003, kernel_size=2, stride=2), [np.array([[[[1.0, 2.0], [1.0, 0.0]]]])],
                "lecture 003's 4x4 map (the slide max-pools it) with 2x2 min pooling "
                "at stride 2"),
    ),
)


# --------------------------------------------------------------------------
# global_avg_pool2d
# --------------------------------------------------------------------------

@st.composite
def global_cases(draw, *, dtype=FLOAT64, channels=False):
    n = draw(st.integers(1, 3)) if channels else 1
    c = draw(st.integers(1, 3)) if channels else 1
    H, W = draw(st.integers(1, 8)), draw(st.integers(1, 8))
    return make_case(draw(seeds), dtype, {"x": (n, c, H, W)}, {}, draw(layouts))


def _call_global(fn, arrays, p):
    return fn(arrays["x"])


def _oracle_global(arrays, p, device):
    x = tensors(arrays, device)["x"]
    return [to_numpy(x.mean(dim=(2, 3)))]


global_avg_pool2d = Task(
    "pooling", "global_avg_pool2d", _call_global, _oracle_global,
    parts=(
        Part("basic", global_cases(), "",
             "average all H*W values of each feature map: the result has shape (N, C), "
             "not (N, C, 1, 1)"),
        Part("channels", global_cases(channels=True), "batch or channel sizes exceed 1",
             "average over the last two axes only (axis=(2, 3)); one number per image and "
             "channel"),
        Part("float32", global_cases(dtype=FLOAT32, channels=True), "the inputs are float32",
             "results keep the input's dtype (x.mean keeps float32)"),
    ),
    examples=(
        Example(Case({"x": np.array(_L000, float)[None, None]}, {}), [np.array([[2.5]])],
                "lecture 000: global average pooling of [1, 2; 3, 4] is (1+2+3+4)/4 = 2.5"),
    ),
)

TASKS = (max_pool2d, avg_pool2d, min_pool2d, global_avg_pool2d)
