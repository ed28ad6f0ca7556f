"""backprop: forward helpers, their backward passes, gradient checking and
the lecture's 2-2-1 network.

Every backward task's oracle is PyTorch autograd projected on a random
upstream gradient `dout` (part of the case), so that every index of the
result counts (`oracle.vjp`). The losses' gradients (cross-entropy, the
2-2-1 network) are of a scalar: their upstream gradient is 1.
"""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from ..cases import Case, as_tuple
from ..oracle import tensors, to_numpy, torch_precise, vjp
from ..strategies import FLOAT32, FLOAT64, as_pair, layouts, pair, param, seeds
from ..task import Example, Part, Task

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


# --------------------------------------------------------------------------
# Element-wise activations
# --------------------------------------------------------------------------

@st.composite
def elementwise_cases(draw, *, dtype=FLOAT64, backward=False, zeros=False, large=False,
                      slope=False):
    """x of 1 to 4 axes (and `dout` alike for a backward pass). `zeros` puts
    exact zeros (the kinks of relu/leaky relu) among values of both signs;
    `large` draws |x| up to 50, plus a few entries near +-1000."""
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=4)))
    rng = np.random.default_rng(draw(seeds))
    x = _spaced_normals(rng, shape, gap=1e-3)
    if zeros:
        x[rng.random(shape) < 0.3] = 0.0
        x.flat[rng.integers(x.size)] = 0.0
    if large:
        x = rng.uniform(-50.0, 50.0, size=shape)
        extreme = rng.random(shape) < 0.2
        x[extreme] = np.copysign(rng.uniform(700.0, 1000.0, size=shape), x)[extreme]
        x.flat[rng.integers(x.size)] = rng.choice([-1.0, 1.0]) * 900.0
    arrays = {"dout": rng.standard_normal(shape), "x": x} if backward else {"x": x}
    params = {"slope": draw(st.sampled_from((0.1, 0.2, 0.25, 0.5, 0.05)))} if slope else {}
    return _case(arrays, params, draw(layouts), dtype)


def _call_x(fn, arrays, p):
    return fn(arrays["x"])


def _call_dout_x(fn, arrays, p):
    return fn(arrays["dout"], arrays["x"])


def _call_leaky(fn, arrays, p):
    return fn(arrays["x"], slope=p["slope"]) if "slope" in p else fn(arrays["x"])


def _call_leaky_backward(fn, arrays, p):
    if "slope" in p:
        return fn(arrays["dout"], arrays["x"], slope=p["slope"])
    return fn(arrays["dout"], arrays["x"])


def _forward_oracle(op):
    def oracle(arrays, p, device):
        t = tensors(arrays, device)
        return [to_numpy(op(t["x"], p))]
    return oracle


def _backward_oracle(op):
    def oracle(arrays, p, device):
        return vjp(lambda x: op(x, p), {"x": arrays["x"]}, ["x"], arrays["dout"], device)
    return oracle


def _relu(x, p):
    import torch.nn.functional as F
    return F.relu(x)


def _sigmoid(x, p):
    import torch
    return torch.sigmoid(x)


def _tanh(x, p):
    import torch
    return torch.tanh(x)


def _leaky(x, p):
    import torch.nn.functional as F
    return F.leaky_relu(x, negative_slope=p.get("slope", 0.01))


_U = np.array([[-0.35, 1.35, 0.75], [-0.55, 0.85, 0.05], [0.75, 0.05, 1.15]])
_F_U = np.array([[0.413, 0.794, 0.679], [0.366, 0.701, 0.512], [0.679, 0.512, 0.76]])
_SLIDE = (1e-3, 1e-3)   # the slides print three decimals

relu = Task(
    "backprop", "relu", _call_x, _forward_oracle(_relu),
    parts=(
        Part("basic", elementwise_cases(zeros=True), "",
             "relu(x) = max(0, x) element-wise: negative values become 0, the rest pass "
             "unchanged; keep the shape"),
        Part("float32", elementwise_cases(dtype=FLOAT32, zeros=True), "the inputs are float32",
             "results keep the input's dtype: np.maximum(x, 0) keeps it, np.maximum(x, 0.0) too; "
             "do not build the result with np.zeros(x.shape) (float64)"),
    ),
    examples=(
        Example(Case({"x": np.array([-2.0, 0.0, 3.0])}), [np.array([0.0, 0.0, 3.0])],
                "the stub's example: negative entries become 0, the rest pass unchanged"),
    ),
)

relu_backward = Task(
    "backprop", "relu_backward", _call_dout_x, _backward_oracle(_relu),
    parts=(
        Part("basic", elementwise_cases(backward=True), "",
             "dx = dout * relu'(x): dout passes where x > 0 and is blocked (0) where x < 0; "
             "dx has the shape of x"),
        Part("kinks", elementwise_cases(backward=True, zeros=True), "some x are exactly 0",
             "at the kink x == 0 PyTorch uses relu'(0) = 0: the mask is x > 0, not x >= 0"),
        Part("float32", elementwise_cases(dtype=FLOAT32, backward=True, zeros=True),
             "the inputs are float32",
             "results keep the input's dtype: multiply dout by a boolean mask or use "
             "np.where(x > 0, dout, 0)"),
    ),
    examples=(
        Example(Case({"dout": np.array([1.0, 2.0, 3.0]), "x": np.array([-1.0, 0.0, 2.0])}),
                [np.array([0.0, 0.0, 3.0])],
                "the stub's example: the gradient passes where x > 0 (not at x = 0)"),
    ),
)

sigmoid = Task(
    "backprop", "sigmoid", _call_x, _forward_oracle(_sigmoid),
    parts=(
        Part("basic", elementwise_cases(), "",
             "sigmoid(x) = 1 / (1 + exp(-x)) element-wise"),
        Part("large inputs", elementwise_cases(large=True), "|x| is large (up to 50, a few near "
             "1000)",
             "exp(-x) overflows for large negative x and exp(x) / (1 + exp(x)) gives inf/inf = "
             "nan for large positive x: with e = exp(-|x|) (never above 1) use 1 / (1 + e) for "
             "x >= 0 and e / (1 + e) for x < 0"),
        Part("float32", elementwise_cases(dtype=FLOAT32, large=True), "the inputs are float32",
             "results keep the input's dtype; in float32 exp overflows already above 88, so the "
             "stable form (exp(-|x|)) matters even more"),
    ),
    examples=(
        Example(Case({"x": _U}), [_F_U],
                "lecture 004, Example 1: f(U) = 1 / (1 + exp(-U)) for the synaptic input U",
                tolerance=_SLIDE),
    ),
)

sigmoid_backward = Task(
    "backprop", "sigmoid_backward", _call_dout_x, _backward_oracle(_sigmoid),
    parts=(
        Part("basic", elementwise_cases(backward=True), "",
             "dx = dout * s * (1 - s) with s = sigmoid(x)"),
        Part("large inputs", elementwise_cases(backward=True, large=True),
             "|x| is large (up to 50, a few near 1000)",
             "compute s with a stable sigmoid (e = exp(-|x|)); the local gradient e / (1 + e)^2 "
             "or s * (1 - s) is then finite and tends to 0 in both tails; exp(-x) / "
             "(1 + exp(-x))^2 gives inf/inf = nan"),
        Part("float32", elementwise_cases(dtype=FLOAT32, backward=True, large=True),
             "the inputs are float32",
             "results keep the input's dtype; in float32 exp overflows already above 88"),
    ),
    examples=(
        Example(Case({"dout": np.ones((3, 3)), "x": _U}), [{(0, 0): 0.2425}],
                "lecture 004, Example 1: at u = -0.35, s = 0.413 and the local gradient "
                "s (1 - s) = 0.2425"),
    ),
)

tanh_backward = Task(
    "backprop", "tanh_backward", _call_dout_x, _backward_oracle(_tanh),
    parts=(
        Part("basic", elementwise_cases(backward=True), "",
             "dx = dout * (1 - tanh(x)^2)"),
        Part("large inputs", elementwise_cases(backward=True, large=True),
             "|x| is large (up to 50, a few near 1000)",
             "use np.tanh (bounded by 1): (exp(x) - exp(-x)) / (exp(x) + exp(-x)) gives "
             "inf/inf = nan above 710; 1 - tanh(x)^2 is then 0, as it should be"),
        Part("float32", elementwise_cases(dtype=FLOAT32, backward=True), "the inputs are float32",
             "results keep the input's dtype"),
    ),
    examples=(
        Example(Case({"dout": np.array([2.0]), "x": np.array([0.0])}), [np.array([2.0])],
                "the stub's example: tanh'(0) = 1 passes dout unchanged"),
    ),
)

leaky_relu = Task(
    "backprop", "leaky_relu", _call_leaky, _forward_oracle(_leaky),
    parts=(
        Part("basic", elementwise_cases(zeros=True), "",
             "leaky_relu(x) = x for x > 0 and slope * x otherwise; slope defaults to 0.01"),
        Part("slope", elementwise_cases(zeros=True, slope=True), "a slope is given",
             "multiply the negative values by the `slope` argument, not by a fixed 0.01 (the "
             "lecture's max(0.1x, x) has slope 0.1)"),
        Part("float32", elementwise_cases(dtype=FLOAT32, zeros=True, slope=True),
             "the inputs are float32",
             "results keep the input's dtype: np.where(x > 0, x, slope * x) keeps it"),
    ),
    examples=(
        Example(Case({"x": np.array([-2.0, 0.0, 3.0])}, {"slope": 0.1}),
                [np.array([-0.2, 0.0, 3.0])],
                "the stub's example: negative entries are scaled by the slope"),
    ),
)

leaky_relu_backward = Task(
    "backprop", "leaky_relu_backward", _call_leaky_backward, _backward_oracle(_leaky),
    parts=(
        Part("basic", elementwise_cases(backward=True), "",
             "dx = dout where x > 0 and slope * dout elsewhere; slope defaults to 0.01"),
        Part("kinks", elementwise_cases(backward=True, zeros=True), "some x are exactly 0",
             "at the kink x == 0 PyTorch uses the slope: the mask is x > 0, not x >= 0"),
        Part("slope", elementwise_cases(backward=True, slope=True), "a slope is given",
             "scale dout by the `slope` argument where x <= 0, not by a fixed 0.01"),
        Part("float32", elementwise_cases(dtype=FLOAT32, backward=True, zeros=True, slope=True),
             "the inputs are float32",
             "results keep the input's dtype: np.where(x > 0, dout, slope * dout) keeps it"),
    ),
    examples=(
        Example(Case({"dout": np.array([1.0, 1.0, 1.0]), "x": np.array([-1.0, 0.0, 2.0])},
                     {"slope": 0.1}),
                [np.array([0.1, 0.1, 1.0])],
                "the stub's example: the slope where x <= 0 (PyTorch's convention at 0), 1 elsewhere"),
    ),
)


# --------------------------------------------------------------------------
# linear
# --------------------------------------------------------------------------

@st.composite
def linear_cases(draw, *, dtype=FLOAT64, backward=False, batch=False):
    """x (N, D_in), w (D_in, D_out), b (D_out,) (forward) or dout (N, D_out)
    (backward). N = 1 unless `batch`."""
    n = draw(st.integers(2, 5)) if batch else 1
    d_in, d_out = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    rng = np.random.default_rng(draw(seeds))
    arrays = {}
    if backward:
        arrays["dout"] = rng.standard_normal((n, d_out))
    arrays["x"] = rng.standard_normal((n, d_in))
    arrays["w"] = rng.standard_normal((d_in, d_out))
    if not backward:
        arrays["b"] = rng.standard_normal((d_out,))
    return _case(arrays, {}, draw(layouts), dtype)


def _call_linear(fn, arrays, p):
    return fn(arrays["x"], arrays["w"], arrays["b"])


def _oracle_linear(arrays, p, device):
    t = tensors(arrays, device)
    return [to_numpy(t["x"] @ t["w"] + t["b"])]


def _call_linear_backward(fn, arrays, p):
    return fn(arrays["dout"], arrays["x"], arrays["w"])


def _oracle_linear_backward(arrays, p, device):
    inputs = {"x": arrays["x"], "w": arrays["w"], "b": np.zeros(arrays["w"].shape[1])}
    return vjp(lambda x, w, b: x @ w + b, inputs, ["x", "w", "b"], arrays["dout"], device)


linear = Task(
    "backprop", "linear", _call_linear, _oracle_linear,
    parts=(
        Part("basic", linear_cases(), "",
             "out = x @ w + b with w of shape (D_in, D_out): out has shape (N, D_out)"),
        Part("batch", linear_cases(batch=True), "the batch has more than one row",
             "each row of x is one sample: x @ w handles them all, and b is added to every row "
             "(broadcasting)"),
        Part("float32", linear_cases(dtype=FLOAT32, batch=True), "the inputs are float32",
             "results keep the input's dtype"),
    ),
)

linear_backward = Task(
    "backprop", "linear_backward", _call_linear_backward, _oracle_linear_backward,
    outputs=("dx", "dw", "db"),
    parts=(
        Part("basic", linear_cases(backward=True), "",
             "dx = dout @ w.T (N, D_in), dw = x.T @ dout (D_in, D_out), db = dout summed over "
             "the batch axis (D_out,)"),
        Part("batch", linear_cases(backward=True, batch=True), "the batch has more than one row",
             "every sample uses the same w and b, so dw = x.T @ dout and db = dout.sum(axis=0) "
             "add up the contributions of all N rows (not their mean, not the first row)"),
        Part("float32", linear_cases(dtype=FLOAT32, backward=True, batch=True),
             "the inputs are float32", "results keep the input's dtype"),
    ),
)


# --------------------------------------------------------------------------
# conv2d_backward
# --------------------------------------------------------------------------

@st.composite
def conv_backward_cases(draw, *, dtype=FLOAT64, stride=False, padding=False, dilation=False,
                        channels=False, remainder=False, layout=False):
    """dout, x, w for conv2d_backward. Each flag lets one feature vary;
    `remainder` makes the windows miss the last rows/columns of the input
    (stride > 1 and (H + 2p - effective kernel) not a multiple of it)."""
    kh, kw = draw(st.integers(1, 3 if dilation else 4)), draw(st.integers(1, 3 if dilation else 4))
    dh, dw_ = as_pair(draw(pair(1, 3))) if dilation else (1, 1)
    eh, ew = dh * (kh - 1) + 1, dw_ * (kw - 1) + 1
    pad = draw(pair(0, 2)) if padding else 0
    ph, pw = as_pair(pad)
    ph, pw = min(ph, eh // 2), min(pw, ew // 2)
    pad = (ph, pw) if isinstance(pad, tuple) else ph if ph == pw else (ph, pw)
    if remainder:
        sh, sw = as_pair(draw(pair(2, 3)))
    else:
        sh, sw = as_pair(draw(pair(1, 3))) if stride else (1, 1)
    n = draw(st.integers(1, 3)) if channels else 1
    c_in = draw(st.integers(1, 3)) if channels else 1
    c_out = draw(st.integers(1, 3)) if channels else 1
    if remainder:
        H = eh - 2 * ph + sh * draw(st.integers(0, 2)) + draw(st.integers(1, sh - 1))
        W = ew - 2 * pw + sw * draw(st.integers(0, 2)) + draw(st.integers(1, sw - 1))
    else:
        H = max(1, eh - 2 * ph) + draw(st.integers(0, 5))
        W = max(1, ew - 2 * pw) + draw(st.integers(0, 5))
    oh, ow = (H + 2 * ph - eh) // sh + 1, (W + 2 * pw - ew) // sw + 1
    rng = np.random.default_rng(draw(seeds))
    arrays = {"dout": rng.standard_normal((n, c_out, oh, ow)),
              "x": rng.standard_normal((n, c_in, H, W)),
              "w": rng.standard_normal((c_out, c_in, kh, kw))}
    params = {"stride": (sh, sw) if sh != sw else sh, "padding": pad,
              "dilation": (dh, dw_) if dh != dw_ else dh}
    return _case(arrays, params, draw(NON_CONTIGUOUS) if layout else "contiguous", dtype)


def _call_conv_backward(fn, arrays, p):
    return fn(arrays["dout"], arrays["x"], arrays["w"], stride=as_tuple(p["stride"]),
              padding=as_tuple(p["padding"]), dilation=as_tuple(p["dilation"]))


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
        Part("stride", conv_backward_cases(stride=True), "stride > 1",
             "output (i, j) reads input row i*stride_h + k and column j*stride_w + l: send its "
             "gradient back to exactly those positions"),
        Part("remainder", conv_backward_cases(remainder=True),
             "the windows do not cover the input exactly (stride > 1 leaves rows/columns over)",
             "dx has the shape of x, not of the region the windows cover: inputs that no window "
             "reads get gradient 0"),
        Part("padding", conv_backward_cases(padding=True), "padding > 0",
             "work on the zero-padded input (x_pad for dw, a padded dx_pad to accumulate into), "
             "then crop the padding off dx: dx = dx_pad[:, :, ph:ph + H, pw:pw + W]"),
        Part("dilation", conv_backward_cases(dilation=True), "dilation > 1",
             "kernel tap (k, l) reads input row i*stride + k*dilation (not i*stride + k): use "
             "the same positions for dx and dw as the forward pass does"),
        Part("channels", conv_backward_cases(channels=True), "batch or channel sizes exceed 1",
             "dx[n, c] sums over output channels o of dout[n, o] * w[o, c]; dw[o, c] and db[o] "
             "sum over the batch; keep the shapes of x and w"),
        Part("combined", conv_backward_cases(stride=True, padding=True, dilation=True,
                                             channels=True),
             "stride, padding, dilation and channels are combined",
             "position of tap (k, l) for output (i, j): padded row i*sh + k*dh, column "
             "j*sw + l*dw; accumulate into a padded dx, crop at the end"),
        Part("non-contiguous", conv_backward_cases(channels=True, padding=True, layout=True),
             "the inputs are non-contiguous arrays",
             "do not assume C-contiguous memory (as_strided with hand-made strides, x.data, "
             "in-place reshapes): index and slice the arrays, or np.ascontiguousarray them first"),
        Part("float32", conv_backward_cases(dtype=FLOAT32, stride=True, padding=True,
                                            channels=True),
             "the inputs are float32",
             "results keep the input's dtype: allocate dx, dw with dtype=x.dtype"),
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


# --------------------------------------------------------------------------
# Pooling backward
# --------------------------------------------------------------------------

@st.composite
def pool_backward_cases(draw, *, dtype=FLOAT64, stride="kernel", rectangular=False,
                        padding=False, channels=False, layout=False):
    """dout, x for pooling backward passes. stride: "kernel" (given, equal to
    the kernel: windows tile the input), "default" (not given), "overlap"
    (smaller than the kernel), "gaps" (larger), "apart" (no overlap: equal or
    larger), "any". Inputs are random normals: no ties inside a window."""
    if rectangular:
        kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
        if stride == "overlap":
            kh, kw = max(kh, 2), max(kw, 2)
        if kh == kw:
            kw = kh % 4 + 1 if stride != "overlap" else (3 if kh == 2 else 2)
        kernel = (kh, kw)
    else:
        kh = kw = draw(st.integers(2, 3))
        kernel = kh
    if stride == "kernel":
        sh, sw, given = kh, kw, kernel
    elif stride == "default":
        sh, sw, given = kh, kw, None
    else:
        if stride == "overlap":
            lo_h, hi_h, lo_w, hi_w = 1, kh - 1, 1, kw - 1
        elif stride == "gaps":
            lo_h, hi_h, lo_w, hi_w = kh + 1, kh + 2, kw + 1, kw + 2
        elif stride == "apart":
            lo_h, hi_h, lo_w, hi_w = kh, kh + 2, kw, kw + 2
        else:
            lo_h, hi_h, lo_w, hi_w = 1, 4, 1, 4
        sh = draw(st.integers(lo_h, hi_h))
        sw = draw(st.integers(lo_w, hi_w)) if rectangular else min(max(sh, lo_w), hi_w)
        given = (sh, sw) if sh != sw else sh
    if padding:
        ph, pw = draw(st.integers(0, kh // 2)), draw(st.integers(0, kw // 2))
        if ph == pw == 0:
            ph, pw = (kh // 2, 0) if kh >= 2 else (0, kw // 2)
    else:
        ph = pw = 0
    n = draw(st.integers(1, 3)) if channels else 1
    c = draw(st.integers(1, 3)) if channels else 1
    H = max(1, kh - 2 * ph) + draw(st.integers(0, 6))
    W = max(1, kw - 2 * pw) + draw(st.integers(0, 6))
    oh, ow = (H + 2 * ph - kh) // sh + 1, (W + 2 * pw - kw) // sw + 1
    rng = np.random.default_rng(draw(seeds))
    arrays = {"dout": rng.standard_normal((n, c, oh, ow)), "x": rng.standard_normal((n, c, H, W))}
    params = {"kernel_size": kernel}
    if given is not None:
        params["stride"] = given
    if padding:
        params["padding"] = (ph, pw) if ph != pw else ph
    return _case(arrays, params, draw(NON_CONTIGUOUS) if layout else "contiguous", dtype)


def _call_pool_backward(fn, arrays, p):
    kwargs = {k: as_tuple(p[k]) for k in ("stride", "padding") if k in p}
    return fn(arrays["dout"], arrays["x"], as_tuple(p["kernel_size"]), **kwargs)


def _pool_oracle(name):
    def oracle(arrays, p, device):
        import torch.nn.functional as F
        pool = getattr(F, name)

        def forward(x):
            return pool(x, as_tuple(p["kernel_size"]), stride=as_tuple(p.get("stride")),
                        padding=as_tuple(p.get("padding", 0)))

        return vjp(forward, {"x": arrays["x"]}, ["x"], arrays["dout"], device)
    return oracle


def _pool_parts(kind: str, accumulate: str, route: str, pad: str) -> tuple[Part, ...]:
    cases = pool_backward_cases
    return (
        Part("basic", cases(), "", route),
        Part("default stride", cases(stride="default"), "stride is not given",
             "stride=None means stride = kernel_size (PyTorch's default)"),
        Part("overlap", cases(stride="overlap"), "stride < kernel_size (windows overlap)",
             accumulate),
        Part("stride", cases(stride="gaps"), "stride > kernel_size (windows leave gaps)",
             "window (i, j) starts at row i*stride_h and column j*stride_w; inputs that no "
             "window reads get gradient 0"),
        Part("rectangular", cases(stride="apart", rectangular=True),
             "kernel_size or stride are (h, w) pairs with h != w",
             "use kernel_size[0] and stride[0] for rows, kernel_size[1] and stride[1] for "
             "columns"),
        Part("padding", cases(stride="apart", padding=True), "padding > 0", pad),
        Part("channels", cases(stride="apart", channels=True), "batch or channel sizes exceed 1",
             f"{kind} pooling works on each image and channel separately: keep the N and C axes"),
        Part("combined", cases(stride="any", rectangular=True, padding=True, channels=True),
             "pair kernel and stride, padding and channels are combined (windows may overlap)",
             "window (i, j) covers padded rows i*stride_h .. i*stride_h + KH - 1 and columns "
             "j*stride_w .. j*stride_w + KW - 1; accumulate into a padded dx and crop it"),
        Part("non-contiguous", cases(stride="apart", channels=True, layout=True),
             "the inputs are non-contiguous arrays",
             "do not assume C-contiguous memory (as_strided with hand-made strides, x.data, "
             "in-place reshapes): index and slice the arrays, or np.ascontiguousarray them first"),
        Part("float32", cases(dtype=FLOAT32, stride="any", padding=True, channels=True),
             "the inputs are float32", "results keep the input's dtype: allocate dx with "
             "dtype=x.dtype"),
    )


_F_U_IMAGE = _F_U[None, None]

max_pool2d_backward = Task(
    "backprop", "max_pool2d_backward", _call_pool_backward, _pool_oracle("max_pool2d"),
    parts=_pool_parts(
        "max",
        accumulate="an input can win several overlapping windows: add each window's dout to "
                   "its winner (dx[...] += dout), do not overwrite (dx[...] = dout)",
        route="dx is 0 except at each window's maximum, which receives that window's dout "
              "(the max passes its gradient to the winner only)",
        pad="padding counts as -inf (it never wins): find the maximum over the real inputs of "
            "each window, or pad with -inf and crop dx afterwards"),
    examples=(
        Example(Case({"dout": np.ones((1, 1, 1, 1)), "x": _F_U_IMAGE},
                     {"kernel_size": 2, "stride": 2}),
                [np.array([[[[0, 1, 0], [0, 0, 0], [0, 0, 0]]]], float)],
                "lecture 004, Example 1: 2x2/2 max pooling of f(U) keeps 0.794 (row 0, column "
                "1): that input alone receives the gradient"),
    ),
)

avg_pool2d_backward = Task(
    "backprop", "avg_pool2d_backward", _call_pool_backward, _pool_oracle("avg_pool2d"),
    parts=_pool_parts(
        "average",
        accumulate="an input in several overlapping windows gets a share from each: add "
                   "dout / (KH*KW) (dx[...] += ...), do not overwrite",
        route="every input of window (i, j) receives dout[i, j] / (KH*KW)",
        pad="padding counts as zeros and stays in the divisor: every window divides by "
            "KH*KW; the shares that fall on padding are dropped (crop a padded dx)"),
    examples=(
        Example(Case({"dout": np.ones((1, 1, 1, 1)), "x": np.array([[[[1.0, 2.0], [3.0, 4.0]]]])},
                     {"kernel_size": 2}),
                [np.full((1, 1, 2, 2), 0.25)],
                "lecture 000: average pooling of [[1, 2], [3, 4]] is (1+2+3+4)/4 = 2.5; each "
                "input receives 1/4 of the gradient"),
    ),
)


# --------------------------------------------------------------------------
# cross_entropy_backward
# --------------------------------------------------------------------------

@st.composite
def ce_cases(draw, *, dtype=FLOAT64, batch=False, probs=False, large=False):
    """logits (N, K) and integer targets (N,) or probability targets (N, K)
    whose rows sum to 1. N = 1 unless `batch`."""
    n = draw(st.integers(2, 5)) if batch else 1
    k = draw(st.integers(2, 6))
    rng = np.random.default_rng(draw(seeds))
    scale = draw(st.sampled_from((1e2, 1e3, 1e4))) if large else 2.0
    logits = rng.standard_normal((n, k)) * scale
    use_probs = draw(st.booleans()) if probs == "either" else probs
    if use_probs:
        target = rng.dirichlet(np.ones(k), size=n).astype(dtype)
        target[:, -1] = 1 - target[:, :-1].sum(axis=1)
        target = np.clip(target, 0, 1)
    else:
        target = rng.integers(0, k, size=n).astype(np.int64)
    return _case({"logits": logits, "target": target}, {}, draw(layouts), dtype)


def _call_ce(fn, arrays, p):
    return fn(arrays["logits"], arrays["target"])


def _oracle_ce(arrays, p, device):
    import torch
    import torch.nn.functional as F
    target = arrays["target"]
    if np.issubdtype(target.dtype, np.integer):
        t = torch.tensor(target, dtype=torch.long, device=device)
    else:
        t = torch.tensor(np.asarray(target, np.float64), device=device)
    return vjp(lambda logits: F.cross_entropy(logits, t, reduction="mean"),
               {"logits": arrays["logits"]}, ["logits"], np.array(1.0), device)


cross_entropy_backward = Task(
    "backprop", "cross_entropy_backward", _call_ce, _oracle_ce,
    parts=(
        Part("basic", ce_cases(), "",
             "dlogits = softmax(logits) - onehot(target): subtract 1 at the true class"),
        Part("batch", ce_cases(batch=True), "N > 1",
             "the loss is the mean over the batch, so every row of the gradient is divided by "
             "N: (softmax - onehot) / N"),
        Part("probabilities", ce_cases(probs=True), "target holds probabilities (N, K)",
             "with a probability target t the gradient is softmax(logits) - t (rows of t sum to "
             "1): use t in place of the one-hot matrix"),
        Part("large logits", ce_cases(large=True), "|logits| is large (up to about 1e4)",
             "compute softmax stably: subtract each row's maximum before exp (exp(1000) is inf)"),
        Part("combined", ce_cases(batch=True, probs="either", large=True),
             "N > 1, large logits and either kind of target are combined",
             "(softmax(z) - t) / N with a stable softmax and t the one-hot matrix or the given "
             "probabilities"),
        Part("float32", ce_cases(dtype=FLOAT32, batch=True, probs="either"),
             "the inputs are float32",
             "results keep the dtype of logits (the integer target must not turn them into "
             "float64: np.eye(K)[target] is float64, cast it)"),
    ),
    examples=(
        Example(Case({"logits": np.array([[0.0, 0.0]]), "target": np.array([1])}),
                [np.array([[0.5, -0.5]])],
                "the stub's example: p = [0.5, 0.5], minus 1 at the true class"),
    ),
)


# --------------------------------------------------------------------------
# numerical_gradient
# --------------------------------------------------------------------------

#: steps given explicitly: large enough that ignoring h (using 1e-6) changes
#: the centred difference by h^2/6 f''' >> tolerance
STEPS = (1e-1, 5e-2, 2e-2, 1e-2)
#: at most 6 values, so that the rounding of f stays far below the tolerance
MULTI_AXIS_SHAPES = ((1, 1), (2, 1), (1, 3), (2, 2), (3, 2), (2, 3), (1, 2, 3), (2, 1, 2),
                     (3, 1, 1), (1, 1, 1))


@st.composite
def numgrad_cases(draw, *, shapes=False, step=False):
    """x (1 to 4 values, or 2 to 3 axes with `shapes`) in [-1, 1] and the
    coefficients of f(x) = sum(a sin(x) + b x^2), |a| in [0.5, 1], |b| in
    [2, 4]: f'' = 2b - a sin(x) has |f''| >= 3, so a forward difference is
    off by h/2 |f''| >= 1.5e-6 even at h = 1e-6."""
    if shapes:
        shape = draw(st.sampled_from(MULTI_AXIS_SHAPES))
    else:
        shape = (draw(st.integers(1, 4)),)
    rng = np.random.default_rng(draw(seeds))
    sign = lambda: rng.choice([-1.0, 1.0], size=shape)  # noqa: E731
    arrays = {"x": rng.uniform(-1.0, 1.0, size=shape),
              "a": sign() * rng.uniform(0.5, 1.0, size=shape),
              "b": sign() * rng.uniform(2.0, 4.0, size=shape)}
    params = {"h": draw(st.sampled_from(STEPS))} if step else {}
    return _case(arrays, params, draw(layouts), FLOAT64)


def _scalar_function(a, b):
    """f(x) = sum(a * sin(x) + b * x**2) in x's own namespace, as a Python float."""
    from array_api_compat import array_namespace

    def f(x):
        xp = array_namespace(x)
        return float(xp.sum(a * xp.sin(x) + b * x ** 2))

    return f


def _call_numgrad(fn, arrays, p):
    f = _scalar_function(arrays["a"], arrays["b"])
    if "h" in p:
        return fn(f, arrays["x"], h=p["h"])
    return fn(f, arrays["x"])


def _oracle_numgrad(arrays, p, device):
    """The centred difference of f(x) = sum(a sin(x) + b x^2) with step h,
    from the derivatives of f by autograd (never by differencing f):

        (f(x + h e_i) - f(x - h e_i)) / (2h)
            = f_i' + h^2/6 f_i''' + h^4/120 f_i^(5) + R,   |R| <= h^6/5040 max|f_i^(7)|

    f is a sum of functions of one entry each, so its i-th derivatives of
    every order are what autograd gives by differentiating the sum of the
    previous order. Here f^(7) = a cos(x) and |a| <= 1: |R| <= h^6/5040,
    below 2e-10 for every step drawn (h <= 0.1)."""
    torch = torch_precise()
    x = tensors({"x": arrays["x"]}, device, grad=["x"])["x"]
    t = tensors({"a": arrays["a"], "b": arrays["b"]}, device)
    h = p.get("h", 1e-6)
    derivatives = []
    out = torch.sum(t["a"] * torch.sin(x) + t["b"] * x ** 2)
    for order in range(1, 6):
        (d,) = torch.autograd.grad(out, x, create_graph=order < 5)
        derivatives.append(d)
        out = d.sum()
    d1, _, d3, _, d5 = derivatives
    return [to_numpy(d1 + h ** 2 / 6 * d3 + h ** 4 / 120 * d5)]


numerical_gradient = Task(
    "backprop", "numerical_gradient", _call_numgrad, _oracle_numgrad,
    parts=(
        Part("basic", numgrad_cases(), "",
             "grad[i] = (f(x + h e_i) - f(x - h e_i)) / (2h) with e_i = 1 at index i, 0 "
             "elsewhere, and h = 1e-6 by default: centred, not forward differences "
             "(f(x + h e_i) - f(x)) / h, whose error h/2 f'' is far larger; never change x "
             "itself (shift a copy)"),
        Part("shapes", numgrad_cases(shapes=True), "x has more than one axis",
             "perturb every index of x (np.ndindex(x.shape) or a flat view of a copy) and "
             "return an array of x's shape"),
        Part("step", numgrad_cases(step=True), "the step h is given",
             "use the `h` argument in both the shift and the division by 2h, not a fixed 1e-6"),
    ),
    # Expected values are the centred differences by their Taylor series
    # (autograd, error below 2e-10): a correct implementation differs only
    # by the rounding of f (about 1e-15 |f| / h at most, 1e-8 at h = 1e-6);
    # a forward difference is off by at least 1.5e-6, ignoring h by at
    # least h^2/6 |a cos x| >= 4e-6.
    tolerance={FLOAT64: (2e-8, 2e-8)},
)


# --------------------------------------------------------------------------
# The 2-2-1 network of lecture 000
# --------------------------------------------------------------------------

@st.composite
def mlp_cases(draw, *, dtype=FLOAT64, batch=False, targets=False):
    """X (N, 2), [y (N, 1)], W1 (2, 2), b1 (1, 2), W2 (2, 1), b2 (1, 1); N = 1
    unless `batch`. Random normals: some hidden units are active, some not."""
    n = draw(st.integers(2, 10)) if batch else 1
    rng = np.random.default_rng(draw(seeds))
    arrays = {"X": rng.standard_normal((n, 2))}
    if targets:
        arrays["y"] = rng.standard_normal((n, 1))
    arrays.update(W1=_spaced_normals(rng, (2, 2)), b1=rng.standard_normal((1, 2)),
                  W2=rng.standard_normal((2, 1)), b2=rng.standard_normal((1, 1)))
    return _case(arrays, {}, draw(layouts), dtype)


def _mlp_torch(X, W1, b1, W2, b2):
    import torch.nn.functional as F
    return F.relu(X @ W1 + b1) @ W2 + b2


def _call_mlp_forward(fn, arrays, p):
    return fn(arrays["X"], arrays["W1"], arrays["b1"], arrays["W2"], arrays["b2"])


def _oracle_mlp_forward(arrays, p, device):
    t = tensors(arrays, device)
    return [to_numpy(_mlp_torch(t["X"], t["W1"], t["b1"], t["W2"], t["b2"]))]


def _call_mlp_backward(fn, arrays, p):
    return fn(arrays["X"], arrays["y"], arrays["W1"], arrays["b1"], arrays["W2"], arrays["b2"])


def _oracle_mlp_backward(arrays, p, device):
    def loss(X, y, W1, b1, W2, b2):
        return ((_mlp_torch(X, W1, b1, W2, b2) - y) ** 2).sum()

    return vjp(loss, arrays, ["W1", "b1", "W2", "b2"], np.array(1.0), device)


#: lecture 000's dataset: columns age, weight, height
_DATA = np.array([[25, 70, 175], [30, 80, 180], [35, 85, 178], [40, 88, 176], [45, 70, 170],
                  [50, 75, 169], [55, 77, 165], [60, 88, 160], [65, 70, 158], [70, 72, 155]],
                 dtype=float)
#: fixed weights (the lecture draws them at random): hidden unit 1 is active
#: for every sample, hidden unit 2 only for the first three
_NET = {"W1": np.array([[0.2, -0.1], [0.1, 0.05]]), "b1": np.array([[0.5, -0.5]]),
        "W2": np.array([[1.0], [2.0]]), "b2": np.array([[150.0]])}
_NET_CASE = Case({"X": _DATA[:, :2], **_NET})
_NET_BACK_CASE = Case({"X": _DATA[:, :2], "y": _DATA[:, 2:], **_NET})

mlp_forward = Task(
    "backprop", "mlp_forward", _call_mlp_forward, _oracle_mlp_forward,
    parts=(
        Part("basic", mlp_cases(), "",
             "Z1 = X @ W1 + b1, A1 = relu(Z1), A2 = A1 @ W2 + b2: the output is linear (no "
             "ReLU after the last layer); A2 has shape (N, 1)"),
        Part("batch", mlp_cases(batch=True), "N > 1",
             "each row of X is one sample: the matrix products handle all rows at once, and "
             "b1, b2 broadcast over the rows"),
        Part("float32", mlp_cases(dtype=FLOAT32, batch=True), "the inputs are float32",
             "results keep the input's dtype"),
    ),
    examples=(
        Example(_NET_CASE,
                [np.array([[163.5], [165.5], [166.5], [167.3], [166.5], [168.0], [169.2],
                           [171.3], [170.5], [171.7]])],
                "lecture 000: the 2-2-1 network on the 10 (age, weight) samples, with W1 = "
                "[[0.2, -0.1], [0.1, 0.05]], b1 = [[0.5, -0.5]], W2 = [[1], [2]], b2 = [[150]]: "
                "the first sample gives Z1 = [12.5, 0.5] and A2 = 12.5 + 2*0.5 + 150 = 163.5"),
    ),
)

mlp_backward = Task(
    "backprop", "mlp_backward", _call_mlp_backward, _oracle_mlp_backward,
    outputs=("[dW1]", "[db1]", "[dW2]", "[db2]"),
    parts=(
        Part("basic", mlp_cases(targets=True), "",
             "dA2 = 2 (A2 - y) (the derivative of (A2 - y)^2: do not forget the 2), dW2 = A1.T @ "
             "dZ2, dA1 = dZ2 @ W2.T, dZ1 = dA1 * (Z1 > 0), dW1 = X.T @ dZ1; return a dict with "
             "keys dW1, db1, dW2, db2 shaped like W1, b1, W2, b2"),
        Part("batch", mlp_cases(batch=True, targets=True), "N > 1",
             "the loss sums over the samples (no mean): db1 and db2 sum dZ1 and dZ2 over the "
             "rows, keeping shapes (1, 2) and (1, 1) (keepdims=True)"),
        Part("float32", mlp_cases(dtype=FLOAT32, batch=True, targets=True),
             "the inputs are float32", "results keep the input's dtype"),
    ),
    examples=(
        Example(_NET_BACK_CASE,
                [np.array([[2420.0, -4500.0], [-1265.8, -11770.0]]), np.array([[-12.0, -150.0]]),
                 np.array([[351.42], [-31.75]]), np.array([[-12.0]])],
                "lecture 000: the 2-2-1 network on the 10 samples with the heights as y and the "
                "weights of the forward example: dZ2 = 2 (A2 - y) = [-23, -29, -23, -17.4, -7, "
                "-2, 8.4, 22.6, 25, 33.4] sums to db2 = -12"),
    ),
)


TASKS = (relu, relu_backward, sigmoid, sigmoid_backward, tanh_backward, leaky_relu,
         leaky_relu_backward, linear, linear_backward, conv2d_backward, max_pool2d_backward,
         avg_pool2d_backward, cross_entropy_backward, numerical_gradient, mlp_forward,
         mlp_backward)
