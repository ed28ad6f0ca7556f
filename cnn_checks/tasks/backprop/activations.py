"""backprop: element-wise activations and their backward passes."""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from ...cases import Case
from ...oracle import tensors, to_numpy, vjp
from ...parts import float32_part, non_contiguous_part
from ...strategies import FLOAT64, has, layout_for, seeds, sizes
from ...task import Example, Part, Signature, Task
from .common import NON_CONTIGUOUS_ADVICE, _case, _spaced_normals


@st.composite
def elementwise_cases(draw, *, dtype=FLOAT64, backward=False, zeros=False, large=False,
                      slope=False, layout=False):
    """x of 1 to 4 axes (and `dout` alike for a backward pass). `zeros` puts
    exact zeros (the kinks of relu/leaky relu) among values of both signs;
    `large` draws |x| up to 50, plus a few entries near +-1000. A larger
    case has axes of up to 16."""
    hi = 16 if draw(sizes) else 4
    shape = tuple(draw(st.lists(st.integers(1, hi), min_size=1, max_size=4 if hi == 4 else 3)))
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
    return _case(arrays, params, layout_for(draw, layout), dtype)


_call_x = Signature(("x",))
_call_dout_x = Signature(("dout", "x"))


def _kinks_part(advice: str) -> Part:
    """A backward pass's part whose x holds exact zeros (the kink of relu and leaky relu)."""
    return Part("kinks", elementwise_cases(backward=True, zeros=True), "some x are exactly 0", advice,
                has("x", lambda a: bool((a == 0).any())))


def _large_inputs_part(advice: str, **flags) -> Part:
    """The part whose |x| is large enough to overflow a naive exp()."""
    return Part("large inputs", elementwise_cases(large=True, **flags),
                "|x| is large (up to 50, a few near 1000)", advice,
                has("x", lambda a: float(abs(a).max()) > 100))


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


def _activation(function: str, op, *parts: Part, float32: str, example: Example,
                backward: bool = False, call: Signature | None = None) -> Task:
    """An element-wise task of the backprop module: its own `parts` (basic
    first), then the non-contiguous and float32 parts every activation has.
    A backward pass (`backward`) takes dout and x and is checked against
    autograd through `op`, a forward pass against `op` itself. `call`
    replaces the plain (x) or (dout, x) call."""
    if backward:
        default_call, oracle = _call_dout_x, _backward_oracle(op)
    else:
        default_call, oracle = _call_x, _forward_oracle(op)
    return Task("backprop", function, call or default_call, oracle,
                parts=(*parts,
                       non_contiguous_part(elementwise_cases, NON_CONTIGUOUS_ADVICE, backward=backward),
                       float32_part(elementwise_cases, float32, backward=backward)),
                examples=(example,))


_U = np.array([[-0.35, 1.35, 0.75], [-0.55, 0.85, 0.05], [0.75, 0.05, 1.15]])
_F_U = np.array([[0.413, 0.794, 0.679], [0.366, 0.701, 0.512], [0.679, 0.512, 0.76]])
_SLIDE = (1e-3, 1e-3)   # the slides print three decimals
_EXP_OVERFLOWS_IN_FLOAT32 = "results keep the input's dtype; in float32 exp overflows already above 88"

relu = _activation(
    "relu", _relu,
    Part("basic", elementwise_cases(zeros=True), "",
         "relu(x) = max(0, x) element-wise: negative values become 0, the rest pass "
         "unchanged; keep the shape"),
    float32="results keep the input's dtype: np.maximum(x, 0) keeps it, np.maximum(x, 0.0) too; "
            "do not build the result with np.zeros(x.shape) (float64)",
    example=Example(Case({"x": np.array([-2.0, 0.0, 3.0])}), [np.array([0.0, 0.0, 3.0])],
                    "the stub's example: negative entries become 0, the rest pass unchanged"),
)

relu_backward = _activation(
    "relu_backward", _relu,
    Part("basic", elementwise_cases(backward=True), "",
         "dx = dout * relu'(x): dout passes where x > 0 and is blocked (0) where x < 0; "
         "dx has the shape of x"),
    _kinks_part("at the kink x == 0 PyTorch uses relu'(0) = 0: the mask is x > 0, not x >= 0"),
    backward=True,
    float32="results keep the input's dtype: multiply dout by a boolean mask or use "
            "np.where(x > 0, dout, 0)",
    example=Example(Case({"dout": np.array([1.0, 2.0, 3.0]), "x": np.array([-1.0, 0.0, 2.0])}),
                    [np.array([0.0, 0.0, 3.0])],
                    "the stub's example: the gradient passes where x > 0 (not at x = 0)"),
)

sigmoid = _activation(
    "sigmoid", _sigmoid,
    Part("basic", elementwise_cases(), "", "sigmoid(x) = 1 / (1 + exp(-x)) element-wise"),
    _large_inputs_part("exp(-x) overflows for large negative x and exp(x) / (1 + exp(x)) gives "
                       "inf/inf = nan for large positive x: with e = exp(-|x|) (never above 1) use "
                       "1 / (1 + e) for x >= 0 and e / (1 + e) for x < 0"),
    float32=f"{_EXP_OVERFLOWS_IN_FLOAT32}, so the stable form (exp(-|x|)) matters even more",
    example=Example(Case({"x": _U}), [_F_U],
                    "lecture 004, Example 1: f(U) = 1 / (1 + exp(-U)) for the synaptic input U",
                    tolerance=_SLIDE),
)

sigmoid_backward = _activation(
    "sigmoid_backward", _sigmoid,
    Part("basic", elementwise_cases(backward=True), "", "dx = dout * s * (1 - s) with s = sigmoid(x)"),
    _large_inputs_part("compute s with a stable sigmoid (e = exp(-|x|)); the local gradient "
                       "e / (1 + e)^2 or s * (1 - s) is then finite and tends to 0 in both tails; "
                       "exp(-x) / (1 + exp(-x))^2 gives inf/inf = nan", backward=True),
    backward=True, float32=_EXP_OVERFLOWS_IN_FLOAT32,
    example=Example(Case({"dout": np.ones((3, 3)), "x": _U}), [{(0, 0): 0.2425}],
                    "lecture 004, Example 1: at u = -0.35, s = 0.413 and the local gradient "
                    "s (1 - s) = 0.2425"),
)

tanh_backward = _activation(
    "tanh_backward", _tanh,
    Part("basic", elementwise_cases(backward=True), "", "dx = dout * (1 - tanh(x)^2)"),
    _large_inputs_part("use np.tanh (bounded by 1): (exp(x) - exp(-x)) / (exp(x) + exp(-x)) gives "
                       "inf/inf = nan above 710; 1 - tanh(x)^2 is then 0, as it should be",
                       backward=True),
    backward=True, float32="results keep the input's dtype",
    example=Example(Case({"dout": np.array([2.0]), "x": np.array([0.0])}), [np.array([2.0])],
                    "the stub's example: tanh'(0) = 1 passes dout unchanged"),
)

leaky_relu = _activation(
    "leaky_relu", _leaky,
    Part("basic", elementwise_cases(zeros=True), "",
         "leaky_relu(x) = x for x > 0 and slope * x otherwise; slope defaults to 0.01"),
    Part("slope", elementwise_cases(zeros=True, slope=True), "a slope is given",
         "multiply the negative values by the `slope` argument, not by a fixed 0.01 (the "
         "lecture's max(0.1x, x) has slope 0.1)", has("slope")),
    call=Signature(("x",), ("slope?",)),
    float32="results keep the input's dtype: np.where(x > 0, x, slope * x) keeps it",
    example=Example(Case({"x": np.array([-2.0, 0.0, 3.0])}, {"slope": 0.1}),
                    [np.array([-0.2, 0.0, 3.0])],
                    "the stub's example: negative entries are scaled by the slope"),
)

leaky_relu_backward = _activation(
    "leaky_relu_backward", _leaky,
    Part("basic", elementwise_cases(backward=True), "",
         "dx = dout where x > 0 and slope * dout elsewhere; slope defaults to 0.01"),
    _kinks_part("at the kink x == 0 PyTorch uses the slope: the mask is x > 0, not x >= 0"),
    Part("slope", elementwise_cases(backward=True, slope=True), "a slope is given",
         "scale dout by the `slope` argument where x <= 0, not by a fixed 0.01", has("slope")),
    backward=True, call=Signature(("dout", "x"), ("slope?",)),
    float32="results keep the input's dtype: np.where(x > 0, dout, slope * dout) keeps it",
    example=Example(Case({"dout": np.array([1.0, 1.0, 1.0]), "x": np.array([-1.0, 0.0, 2.0])},
                         {"slope": 0.1}),
                    [np.array([0.1, 0.1, 1.0])],
                    "the stub's example: the slope where x <= 0 (PyTorch's convention at 0), 1 elsewhere"),
)
