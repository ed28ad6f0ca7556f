"""conv.conv_output_size and conv.conv2d."""
from __future__ import annotations

import warnings

import numpy as np
from hypothesis import strategies as st

from ..cases import Case, as_tuple
from ..oracle import tensors, to_numpy
from ..parts import WINDOWS_NON_CONTIGUOUS_ADVICE, channels_part, float32_part, non_contiguous_part
from ..strategies import (
    FLOAT64,
    any_above,
    as_pair,
    count,
    distinct_pair,
    has,
    make_case,
    nonsquare_kernel,
    side,
    sizes,
)
from ..task import Example, Part, Signature, Task

# --------------------------------------------------------------------------
# conv_output_size
# --------------------------------------------------------------------------

@st.composite
def size_cases(draw, *, stride=(1, 1), padding=(0, 0), dilation=(1, 1)):
    """Each varied hyper-parameter starts above its neutral value (stride 2,
    padding 1, dilation 2), so that a shrunk case still has it."""
    k = draw(st.integers(1, 7))
    s = draw(st.integers(*stride))
    p = draw(st.integers(*padding))
    d = draw(st.integers(*dilation))
    n = max(1, d * (k - 1) + 1 - 2 * p) + draw(st.integers(0, 30))
    return Case({}, {"n": n, "kernel_size": k, "stride": s, "padding": p, "dilation": d})


def _oracle_size(arrays, p, device):
    import torch.nn.functional as F
    t = tensors({"x": np.zeros((1, 1, 1, p["n"])), "w": np.zeros((1, 1, 1, p["kernel_size"]))}, device)
    out = F.conv2d(t["x"], t["w"], stride=p["stride"], padding=(0, p["padding"]), dilation=p["dilation"])
    return [int(out.shape[-1])]


conv_output_size = Task(
    "conv", "conv_output_size",
    Signature(("n", "kernel_size"), ("stride", "padding", "dilation")), _oracle_size,
    parts=(
        Part("basic", size_cases(), "", "output size = n - k + 1 with stride 1 and no padding"),
        Part("stride", size_cases(stride=(2, 4)), "stride > 1",
             "divide by the stride and round down: floor((n + 2p - d*(k-1) - 1) / s) + 1",
             has("stride", lambda v: v > 1)),
        Part("padding", size_cases(padding=(1, 3)), "padding > 0",
             "padding adds p on both sides: n + 2p", has("padding", lambda v: v > 0)),
        Part("dilation", size_cases(dilation=(2, 3)), "dilation > 1",
             "a dilated kernel spans d*(k-1) + 1 inputs", has("dilation", lambda v: v > 1)),
        Part("combined", size_cases(stride=(1, 4), padding=(0, 3), dilation=(1, 3)),
             "stride, padding and dilation are combined",
             "use floor((n + 2p - d*(k-1) - 1) / s) + 1 with integer division"),
    ),
    examples=(
        Example(Case({}, {"n": 7, "kernel_size": 3, "stride": 2, "padding": 0, "dilation": 1}), [3],
                "lecture 002/004: 7x7 input, 3x3 filter, stride 2 -> 3x3"),
        Example(Case({}, {"n": 7, "kernel_size": 3, "stride": 3, "padding": 0, "dilation": 1}), [2],
                "lecture 004: (7 - 3)/3 + 1 = 2.33 is floored to 2"),
        Example(Case({}, {"n": 32, "kernel_size": 5, "stride": 1, "padding": 2, "dilation": 1}), [32],
                "lecture 004: 32x32 input, 5x5 filters, stride 1, pad 2 -> 32"),
        Example(Case({}, {"n": 28, "kernel_size": 3, "stride": 1, "padding": 0, "dilation": 1}), [26],
                "lecture 004 Example 2: MNIST 28x28, 3x3 VALID -> 26x26"),
        Example(Case({}, {"n": 7, "kernel_size": 3, "stride": 1, "padding": 0, "dilation": 2}), [3],
                "lecture 000: a 3x3 filter at dilation 2 sees a 5x5 field: 7 - 5 + 1 = 3"),
    ),
)


# --------------------------------------------------------------------------
# conv2d
# --------------------------------------------------------------------------

@st.composite
def conv_cases(draw, *, dtype=FLOAT64, nonsquare=False, stride=False, padding=False, same=False,
               dilation=False, pairs=False, channels=False, bias=False, layout=False):
    """Cases for conv2d. Each flag varies one feature on top of the simplest
    case (one image, one channel, a square kernel, stride 1, no padding,
    dilation 1, no bias, C-contiguous float64), and a varied feature never
    takes its neutral value, so a shrunk counterexample still shows it:

    nonsquare: KH != KW; stride: 2..3; padding: 1..2 (an int); same:
    padding 'same' or 'valid'; dilation: 2..3 (with `same`: 'same' padding
    of a dilated kernel); pairs: stride, padding and dilation as (h, w)
    pairs with h != w; channels: batch, input and output channels 1..3, not
    all 1; bias: a bias vector; layout: non-contiguous inputs.
    """
    size = draw(sizes)
    kh = draw(st.integers(2 if padding else 1, 4))
    kw = draw(st.integers(1, 4).filter(lambda v: v != kh)) if nonsquare else kh
    if pairs:
        sh, sw = draw(st.tuples(st.integers(1, 3), st.integers(1, 3)).filter(lambda t: t[0] != t[1]))
        dh, dw_ = draw(st.tuples(st.integers(1, 2), st.integers(1, 2)).filter(lambda t: t[0] != t[1]))
    else:
        sh = sw = draw(st.integers(2, 3)) if stride else 1
        dh = dw_ = draw(st.integers(2, 3)) if dilation else 1
    eh, ew = dh * (kh - 1) + 1, dw_ * (kw - 1) + 1
    if same:
        pad = draw(st.sampled_from(["same", "valid"])) if not dilation else "same"
        ph = pw = 0
    elif pairs:
        # PyTorch refuses padding larger than the effective kernel's half; so do we.
        ph, pw = draw(st.tuples(st.integers(0, eh // 2), st.integers(0, ew // 2)))
        pad = (ph, pw)
    elif padding:
        ph = pw = pad = min(draw(st.integers(1, 2)), eh // 2)
    else:
        ph = pw = pad = 0
    n = count(draw, channels, size)
    c_in = count(draw, channels, size)
    c_out = count(draw, channels or bias, size)
    if channels and n == c_in == c_out == 1:
        c_in = 2
    H = side(draw, max(1, eh - 2 * ph), size)
    W = side(draw, max(1, ew - 2 * pw), size)
    shapes = {"x": (n, c_in, H, W), "w": (c_out, c_in, kh, kw)}
    if bias:
        shapes["b"] = (c_out,)
    params = {"stride": (sh, sw) if pairs else sh, "padding": pad,
              "dilation": (dh, dw_) if pairs else dh}
    return make_case(draw, dtype, shapes, params, layout)


def _combined(**flags):
    """The combined part: every feature at once (with int hyper-parameters)."""
    return conv_cases(stride=True, padding=True, dilation=True, channels=True, bias=True, **flags)


def _oracle_conv(arrays, p, device):
    import torch.nn.functional as F
    t = tensors(arrays, device)
    with warnings.catch_warnings():
        # padding="same" with an even kernel: PyTorch warns that it pads a
        # copy of the input; the result is right, the warning is noise in
        # the students' test output.
        warnings.filterwarnings("ignore", message=r"Using padding='same'", category=UserWarning)
        out = F.conv2d(t["x"], t["w"], t.get("b"), stride=as_tuple(p["stride"]),
                       padding=as_tuple(p["padding"]), dilation=as_tuple(p["dilation"]))
    return [to_numpy(out)]


def _single(image, kernel, bias=None, stride=1, padding=0):
    shapes = {"x": np.array(image, float)[None, None], "w": np.array(kernel, float)[None, None]}
    if bias is not None:
        shapes["b"] = np.array([bias], float)
    return Case(shapes, {"stride": stride, "padding": padding, "dilation": 1})


_EX1 = [[0.5, -0.1, 0.2, 0.3, 0.5], [0.8, 0.1, -0.5, 0.5, 0.1], [-1.0, 0.2, 0.0, 0.3, -0.2],
        [0.7, 0.1, 0.2, -0.6, 0.3], [-0.4, 0.0, 0.2, 0.3, -0.3]]
_EX1_W = [[0, 1, 1], [1, 0, 1], [1, 1, 0]]
_SHARPEN_IMG = [[105, 102, 100, 97, 96], [103, 99, 103, 101, 102], [101, 98, 104, 102, 100],
                [99, 101, 106, 104, 99], [104, 104, 104, 100, 98]]

conv2d = Task(
    "conv", "conv2d", Signature(("x", "w", "b?"), ("stride", "padding", "dilation")), _oracle_conv,
    parts=(
        Part("basic", conv_cases(), "",
             "slide the kernel over the input and take dot products (cross-correlation: no "
             "kernel flip); output size is H - KH + 1 by W - KW + 1"),
        Part("nonsquare", conv_cases(nonsquare=True), "the kernel is not square (KH != KW)",
             "take KH from w.shape[2] and KW from w.shape[3]: rows use KH, columns KW; the "
             "output is (H - KH + 1) by (W - KW + 1)", nonsquare_kernel),
        Part("stride", conv_cases(stride=True), "stride > 1",
             "window (i, j) starts at row i*stride_h and column j*stride_w; output size "
             "floor((H - KH) / stride) + 1", has("stride", any_above(1))),
        Part("padding", conv_cases(padding=True), "padding > 0",
             "pad with zeros first (ph rows top and bottom, pw columns left and right), then "
             "convolve the padded image", has("padding", lambda v: max(as_pair(v)) > 0)),
        Part("same", conv_cases(same=True), "padding is 'same' or 'valid'",
             "'same' pads (k-1)//2 before and the rest after: with an even kernel the extra "
             "row/column goes bottom/right, as PyTorch does; 'valid' means no padding",
             has("padding", lambda v: isinstance(v, str))),
        Part("dilation", conv_cases(dilation=True), "dilation > 1",
             "kernel tap (k, l) reads input row i*stride + k*dilation (not i*stride + k); the "
             "kernel spans dilation*(K-1) + 1 inputs", has("dilation", any_above(1))),
        Part("same dilated", conv_cases(same=True, dilation=True),
             "padding is 'same' and dilation > 1",
             "'same' pads the dilated kernel's span: dilation*(K-1) in all, "
             "dilation*(K-1)//2 before and the rest after (not (K-1)//2)",
             lambda c: c.params["padding"] == "same" and max(as_pair(c.params["dilation"])) > 1),
        Part("pairs", conv_cases(pairs=True), "stride, padding and dilation are (h, w) pairs",
             "the first number of each pair is for the rows (height), the second for the "
             "columns (width)", has("stride", distinct_pair)),
        channels_part(conv_cases, "each output channel sums over every input channel; weights are "
                      "(C_out, C_in, KH, KW); keep the batch axis separate"),
        Part("bias", conv_cases(bias=True), "a bias is given",
             "add b[c_out] to every position of output channel c_out", has("b")),
        Part("combined", _combined(), "stride, padding, dilation, channels and bias are combined",
             "compute the output size with padding, dilation and stride together"),
        non_contiguous_part(conv_cases, WINDOWS_NON_CONTIGUOUS_ADVICE),
        float32_part(conv_cases, "results keep the input's dtype: allocate with dtype=x.dtype"),
    ),
    examples=(
        Example(_single([[4, 5, 8, 7], [1, 8, 8, 8], [3, 6, 6, 4], [6, 5, 7, 8]],
                        [[1, 4, 1], [1, 4, 3], [3, 3, 1]]),
                [np.array([[[[122, 148], [126, 134]]]], float)],
                "lecture 004: the 4x4 input with the 3x3 kernel gives 122, 148, 126, 134"),
        Example(_single(_EX1, _EX1_W, bias=0.05),
                [np.array([[[[-0.35, 1.35, 0.75], [-0.55, 0.85, 0.05], [0.75, 0.05, 1.15]]]])],
                "lecture 004, Example 1: VALID padding, stride 1, bias 0.05"),
        Example(_single([[3, 0, 1, 2, 7, 4], [1, 5, 8, 9, 3, 1], [2, 7, 2, 5, 1, 3],
                         [0, 1, 3, 1, 7, 8], [4, 2, 1, 6, 2, 8], [2, 4, 5, 2, 3, 9]],
                        [[1, 0, -1], [1, 0, -1], [1, 0, -1]]),
                [np.array([[[[-5, -4, 0, 8], [-10, -2, 2, 3], [0, -2, -4, -7], [-3, -2, -3, -16]]]],
                          float)],
                "lecture 002: the 6x6 'valid' example with the vertical edge detector"),
        Example(_single([[2, 3, 7, 4, 6, 2, 9], [6, 6, 9, 8, 7, 4, 3], [3, 4, 8, 3, 8, 9, 7],
                         [7, 8, 3, 6, 6, 3, 4], [4, 2, 1, 8, 3, 4, 6], [3, 2, 4, 1, 9, 8, 3],
                         [0, 1, 3, 9, 2, 1, 4]],
                        [[3, 4, 4], [1, 0, 2], [-1, 0, 3]], stride=2),
                [np.array([[[[91, 100, 88], [69, 91, 117], [44, 72, 74]]]], float)],
                "lecture 002: the strided 7x7 example (the slide prints 83 and 127 where its "
                "inputs give 88 and 117)"),
        Example(_single([[-1, 1, -1, 1, -1], [-1, 1, -1, 1, -1], [-1, 1, 1, 1, -1],
                         [-1, -1, -1, 1, -1], [-1, -1, -1, 1, -1]],
                        [[-1, -1, -1], [1, 1, 1], [-1, -1, -1]], padding=1),
                [np.array([[[[0, 0, 0, 0, 0], [0, -1, -3, -1, 0], [2, 5, 3, 3, 0],
                             [0, -1, -3, -1, 0], [0, 0, 0, 0, 0]]]], float)],
                "lecture 001: the zero-padded 5x5 image and its filtered image"),
        Example(_single(_SHARPEN_IMG, [[0, -1, 0], [-1, 5, -1], [0, -1, 0]], padding=1),
                [{(0, 0, 0, 0): 320.0}],
                "lecture 000: the sharpen kernel on the zero-padded image; the top-left output "
                "is 320"),
    ),
)

TASKS = (conv_output_size, conv2d)
