"""conv.conv_output_size and conv.conv2d."""
from __future__ import annotations

import warnings

import numpy as np
from hypothesis import strategies as st

from ..cases import Case, as_tuple
from ..oracle import tensors, to_numpy
from ..strategies import FLOAT32, FLOAT64, as_pair, layouts, make_case, pair, seeds
from ..task import Example, Part, Task

# --------------------------------------------------------------------------
# conv_output_size
# --------------------------------------------------------------------------

@st.composite
def size_cases(draw, *, stride=(1, 1), padding=(0, 0), dilation=(1, 1)):
    k = draw(st.integers(1, 7))
    s = draw(st.integers(*stride))
    p = draw(st.integers(*padding))
    d = draw(st.integers(*dilation))
    n = max(1, d * (k - 1) + 1 - 2 * p) + draw(st.integers(0, 30))
    return Case({}, {"n": n, "kernel_size": k, "stride": s, "padding": p, "dilation": d})


def _call_size(fn, arrays, p):
    return fn(p["n"], p["kernel_size"], stride=p["stride"], padding=p["padding"], dilation=p["dilation"])


def _oracle_size(arrays, p, device):
    import torch.nn.functional as F
    t = tensors({"x": np.zeros((1, 1, 1, p["n"])), "w": np.zeros((1, 1, 1, p["kernel_size"]))}, device)
    out = F.conv2d(t["x"], t["w"], stride=p["stride"], padding=(0, p["padding"]), dilation=p["dilation"])
    return [int(out.shape[-1])]


conv_output_size = Task(
    "conv", "conv_output_size", _call_size, _oracle_size,
    parts=(
        Part("basic", size_cases(), "", "output size = n - k + 1 with stride 1 and no padding"),
        Part("stride", size_cases(stride=(1, 4)), "stride > 1",
             "divide by the stride and round down: floor((n + 2p - d*(k-1) - 1) / s) + 1"),
        Part("padding", size_cases(padding=(0, 3)), "padding > 0",
             "padding adds p on both sides: n + 2p"),
        Part("dilation", size_cases(dilation=(1, 3)), "dilation > 1",
             "a dilated kernel spans d*(k-1) + 1 inputs"),
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
def conv_cases(draw, *, dtype=FLOAT64, stride=False, padding=False, dilation=False,
               channels=False, bias=False, same=False):
    """Cases for conv2d. Each flag lets one feature vary; everything else stays
    at its simplest (one image, one channel, stride 1, no padding)."""
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    dh, dw_ = as_pair(draw(pair(1, 3))) if dilation else (1, 1)
    if same:
        pad = draw(st.sampled_from(["same", "valid"]))
    elif padding:
        pad = draw(pair(0, 3))
    else:
        pad = 0
    if isinstance(pad, str):
        ph = pw = 0
    else:
        ph, pw = as_pair(pad)
    # PyTorch refuses padding larger than the effective kernel's half; so do we.
    ph, pw = min(ph, (dh * (kh - 1) + 1) // 2), min(pw, (dw_ * (kw - 1) + 1) // 2)
    if not isinstance(pad, str):
        pad = (ph, pw) if isinstance(pad, tuple) else ph if ph == pw else (ph, pw)
    sh, sw = as_pair(draw(pair(1, 3))) if stride else (1, 1)
    n = draw(st.integers(1, 3)) if channels else 1
    c_in = draw(st.integers(1, 3)) if channels else 1
    c_out = draw(st.integers(1, 3)) if channels else 1
    min_h = max(1, dh * (kh - 1) + 1 - 2 * ph)
    min_w = max(1, dw_ * (kw - 1) + 1 - 2 * pw)
    H, W = min_h + draw(st.integers(0, 5)), min_w + draw(st.integers(0, 5))
    shapes = {"x": (n, c_in, H, W), "w": (c_out, c_in, kh, kw)}
    if bias:
        shapes["b"] = (c_out,)
    params = {"stride": (sh, sw) if sh != sw else sh, "padding": pad,
              "dilation": (dh, dw_) if dh != dw_ else dh}
    return make_case(draw(seeds), dtype, shapes, params, draw(layouts))


def _call_conv(fn, arrays, p):
    return fn(arrays["x"], arrays["w"], arrays.get("b"), stride=as_tuple(p["stride"]),
              padding=as_tuple(p["padding"]), dilation=as_tuple(p["dilation"]))


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
    "conv", "conv2d", _call_conv, _oracle_conv,
    parts=(
        Part("basic", conv_cases(), "",
             "slide the kernel over the input and take dot products (cross-correlation: no "
             "kernel flip); output size is H - KH + 1 by W - KW + 1"),
        Part("stride", conv_cases(stride=True), "stride > 1",
             "window (i, j) starts at row i*stride_h and column j*stride_w; output size "
             "floor((H - KH) / stride) + 1"),
        Part("padding", conv_cases(padding=True), "padding > 0",
             "pad with zeros first (ph rows top and bottom, pw columns left and right), then "
             "convolve the padded image"),
        Part("same", conv_cases(same=True), "padding is 'same' or 'valid'",
             "'same' pads (k-1)//2 before and the rest after: with an even kernel the extra "
             "row/column goes bottom/right, as PyTorch does"),
        Part("dilation", conv_cases(dilation=True), "dilation > 1",
             "kernel tap (k, l) reads input row i*stride + k*dilation (not i*stride + k); the "
             "kernel spans dilation*(K-1) + 1 inputs"),
        Part("channels", conv_cases(channels=True), "batch or channel sizes exceed 1",
             "each output channel sums over every input channel; weights are "
             "(C_out, C_in, KH, KW); keep the batch axis separate"),
        Part("bias", conv_cases(bias=True, channels=True), "a bias is given",
             "add b[c_out] to every position of output channel c_out"),
        Part("combined", conv_cases(stride=True, padding=True, dilation=True, channels=True,
                                    bias=True), "stride, padding, dilation, channels and bias are combined",
             "compute the output size with padding, dilation and stride together"),
        Part("float32", conv_cases(dtype=FLOAT32, channels=True, bias=True), "the inputs are float32",
             "results keep the input's dtype: allocate with dtype=x.dtype"),
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
