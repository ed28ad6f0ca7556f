"""backprop: conv2d_backward."""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from ...cases import Case, as_tuple
from ...oracle import vjp
from ...parts import WINDOWS_NON_CONTIGUOUS_ADVICE, channels_part, float32_part, non_contiguous_part
from ...strategies import (
    FLOAT64,
    any_above,
    count,
    has,
    layout_for,
    nonsquare_kernel,
    seeds,
    side,
    sizes,
)
from ...task import Example, Part, Signature, Task
from .common import _case


@st.composite
def conv_backward_cases(draw, *, dtype=FLOAT64, nonsquare=False, stride=False, padding=False,
                        dilation=False, channels=False, remainder=False, layout=False):
    """dout, x, w for conv2d_backward. Each flag varies one feature on top of
    the simplest case (square kernel, stride 1, no padding, dilation 1, one
    image and channel, C-contiguous float64), never at its neutral value:
    `remainder` makes the windows miss the last rows/columns of the input
    (stride > 1 and (H + 2p - effective kernel) not a multiple of it)."""
    size = draw(sizes)
    kh = draw(st.integers(2 if padding else 1, 3 if dilation else 4))
    kw = draw(st.integers(1, 3 if dilation else 4).filter(lambda v: v != kh)) if nonsquare else kh
    dh = dw_ = draw(st.integers(2, 3)) if dilation else 1
    eh, ew = dh * (kh - 1) + 1, dw_ * (kw - 1) + 1
    ph = pw = pad = min(draw(st.integers(1, 2)), eh // 2) if padding else 0
    if remainder:
        sh = sw = draw(st.integers(2, 3))
    else:
        sh = sw = draw(st.integers(2, 3)) if stride else 1
    n, c_in, c_out = (count(draw, channels, size) for _ in range(3))
    if channels and n == c_in == c_out == 1:
        c_in = 2
    if remainder:
        H = eh - 2 * ph + sh * draw(st.integers(0, 2)) + draw(st.integers(1, sh - 1))
        W = ew - 2 * pw + sw * draw(st.integers(0, 2)) + draw(st.integers(1, sw - 1))
    else:
        H = side(draw, max(1, eh - 2 * ph), size, 5)
        W = side(draw, max(1, ew - 2 * pw), size, 5)
    oh, ow = (H + 2 * ph - eh) // sh + 1, (W + 2 * pw - ew) // sw + 1
    rng = np.random.default_rng(draw(seeds))
    arrays = {"dout": rng.standard_normal((n, c_out, oh, ow)),
              "x": rng.standard_normal((n, c_in, H, W)),
              "w": rng.standard_normal((c_out, c_in, kh, kw))}
    params = {"stride": sh, "padding": pad, "dilation": dh}
    return _case(arrays, params, layout_for(draw, layout), dtype)


def _leaves_remainder(case: Case) -> bool:
    """The windows miss the last rows or columns of the input."""
    x, w = case.arrays["x"], case.arrays["w"]
    s, p, d = (case.params[k] for k in ("stride", "padding", "dilation"))
    return any((n + 2 * p - d * (k - 1) - 1) % s != 0
               for n, k in ((x.shape[2], w.shape[2]), (x.shape[3], w.shape[3])))


_call_conv_backward = Signature(("dout", "x", "w"), ("stride", "padding", "dilation"))


def _oracle_conv_backward(arrays, p, device):
    import torch.nn.functional as F

    def forward(x, w, b):
        return F.conv2d(x, w, b, stride=as_tuple(p["stride"]), padding=as_tuple(p["padding"]),
                        dilation=as_tuple(p["dilation"]))

    inputs = {"x": arrays["x"], "w": arrays["w"], "b": np.zeros(arrays["w"].shape[0])}
    return vjp(forward, inputs, ["x", "w", "b"], arrays["dout"], device)


_LEC4_X = [[4, 5, 8, 7], [1, 8, 8, 8], [3, 6, 6, 4], [6, 5, 7, 8]]
_LEC4_W = [[1, 4, 1], [1, 4, 3], [3, 3, 1]]

conv2d_backward = Task(
    "backprop", "conv2d_backward", _call_conv_backward, _oracle_conv_backward,
    outputs=("dx", "dw", "db"),
    parts=(
        Part("basic", conv_backward_cases(), "",
             "every product x[i + k, j + l] * w[k, l] of the forward pass sends dout[i, j] * w[k, l] "
             "to dx[i + k, j + l] and dout[i, j] * x[i + k, j + l] to dw[k, l]; windows overlap, so "
             "accumulate with += ; db is dout summed over batch and positions"),
        Part("nonsquare", conv_backward_cases(nonsquare=True), "the kernel is not square (KH != KW)",
             "rows use KH = w.shape[2], columns KW = w.shape[3]", nonsquare_kernel),
        Part("stride", conv_backward_cases(stride=True), "stride > 1",
             "output (i, j) reads input row i*stride_h + k and column j*stride_w + l: send its "
             "gradient back to exactly those positions", has("stride", any_above(1))),
        Part("remainder", conv_backward_cases(remainder=True),
             "the windows do not cover the input exactly (stride > 1 leaves rows/columns over)",
             "dx has the shape of x, not of the region the windows cover: inputs that no window "
             "reads get gradient 0", _leaves_remainder),
        Part("padding", conv_backward_cases(padding=True), "padding > 0",
             "work on the zero-padded input (x_pad for dw, a padded dx_pad to accumulate into), "
             "then crop the padding off dx: dx = dx_pad[:, :, ph:ph + H, pw:pw + W]", has("padding",
             any_above(0))),
        Part("dilation", conv_backward_cases(dilation=True), "dilation > 1",
             "kernel tap (k, l) reads input row i*stride + k*dilation (not i*stride + k): use "
             "the same positions for dx and dw as the forward pass does", has("dilation", any_above(1))),
        channels_part(conv_backward_cases, "dx[n, c] sums over output channels o of dout[n, o] * "
                      "w[o, c]; dw[o, c] and db[o] sum over the batch; keep the shapes of x and w"),
        Part("combined", conv_backward_cases(stride=True, padding=True, dilation=True,
                                             channels=True, nonsquare=True),
             "stride, padding, dilation, channels and a non-square kernel are combined",
             "position of tap (k, l) for output (i, j): padded row i*sh + k*dh, column "
             "j*sw + l*dw; accumulate into a padded dx, crop at the end"),
        non_contiguous_part(conv_backward_cases, WINDOWS_NON_CONTIGUOUS_ADVICE),
        float32_part(conv_backward_cases, "results keep the input's dtype: allocate dx, dw with "
                     "dtype=x.dtype"),
    ),
    examples=(
        Example(Case({"dout": np.ones((1, 1, 2, 2)), "x": np.array(_LEC4_X, float)[None, None],
                      "w": np.array(_LEC4_W, float)[None, None]},
                     {"stride": 1, "padding": 0, "dilation": 1}),
                [np.array([[[[1, 5, 5, 1], [2, 10, 12, 4], [4, 11, 11, 4], [3, 6, 4, 1]]]], float),
                 np.array([[[[18, 29, 31], [18, 28, 26], [20, 24, 25]]]], float),
                 np.array([4.0])],
                "lecture 004: the 4x4 input and 3x3 kernel (outputs 122, 148, 126, 134) with "
                "upstream gradient 1 at every output: dw[k, l] sums the 2x2 inputs that tap "
                "(k, l) reads (4 + 5 + 1 + 8 = 18), dx[i, j] sums the kernel entries that "
                "touch x[i, j]"),
    ),
)


