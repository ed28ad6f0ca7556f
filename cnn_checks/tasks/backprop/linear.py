"""backprop: the linear layer and its backward pass."""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from ...oracle import tensors, to_numpy, vjp
from ...strategies import FLOAT64, layout_for, seeds, sizes
from ...task import Signature, Task
from .common import _case, batched_parts


@st.composite
def linear_cases(draw, *, dtype=FLOAT64, backward=False, batch=False, layout=False):
    """x (N, D_in), w (D_in, D_out), b (D_out,) (forward) or dout (N, D_out)
    (backward). N = 1 unless `batch`."""
    hi = 32 if draw(sizes) else 4
    n = draw(st.integers(2, 5)) if batch else 1
    d_in, d_out = draw(st.integers(1, hi)), draw(st.integers(1, hi))
    rng = np.random.default_rng(draw(seeds))
    arrays = {}
    if backward:
        arrays["dout"] = rng.standard_normal((n, d_out))
    arrays["x"] = rng.standard_normal((n, d_in))
    arrays["w"] = rng.standard_normal((d_in, d_out))
    if not backward:
        arrays["b"] = rng.standard_normal((d_out,))
    return _case(arrays, {}, layout_for(draw, layout), dtype)


_SEVERAL_ROWS = "the batch has more than one row"

_call_linear = Signature(("x", "w", "b"))


def _oracle_linear(arrays, p, device):
    t = tensors(arrays, device)
    return [to_numpy(t["x"] @ t["w"] + t["b"])]


_call_linear_backward = Signature(("dout", "x", "w"))


def _oracle_linear_backward(arrays, p, device):
    inputs = {"x": arrays["x"], "w": arrays["w"], "b": np.zeros(arrays["w"].shape[1])}
    return vjp(lambda x, w, b: x @ w + b, inputs, ["x", "w", "b"], arrays["dout"], device)


linear = Task(
    "backprop", "linear", _call_linear, _oracle_linear,
    parts=batched_parts(
        linear_cases, "x", _SEVERAL_ROWS,
        basic="out = x @ w + b with w of shape (D_in, D_out): out has shape (N, D_out)",
        batch="each row of x is one sample: x @ w handles them all, and b is added to every row "
              "(broadcasting)"),
)

linear_backward = Task(
    "backprop", "linear_backward", _call_linear_backward, _oracle_linear_backward,
    outputs=("dx", "dw", "db"),
    parts=batched_parts(
        linear_cases, "x", _SEVERAL_ROWS, backward=True,
        basic="dx = dout @ w.T (N, D_in), dw = x.T @ dout (D_in, D_out), db = dout summed over the "
              "batch axis (D_out,)",
        batch="every sample uses the same w and b, so dw = x.T @ dout and db = dout.sum(axis=0) add "
              "up the contributions of all N rows (not their mean, not the first row)"),
)


