"""backprop: the lecture's 2-2-1 network, forward and backward."""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from ...cases import Case
from ...oracle import tensors, to_numpy, vjp
from ...strategies import FLOAT64, layout_for, seeds, sizes
from ...task import Example, Signature, Task
from .common import _case, _spaced_normals, batched_parts


@st.composite
def mlp_cases(draw, *, dtype=FLOAT64, batch=False, targets=False, layout=False):
    """X (N, 2), [y (N, 1)], W1 (2, 2), b1 (1, 2), W2 (2, 1), b2 (1, 1); N = 1
    unless `batch`. Random normals: some hidden units are active, some not."""
    n = draw(st.integers(2, 32 if draw(sizes) else 10)) if batch else 1
    rng = np.random.default_rng(draw(seeds))
    arrays = {"X": rng.standard_normal((n, 2))}
    if targets:
        arrays["y"] = rng.standard_normal((n, 1))
    arrays.update(W1=_spaced_normals(rng, (2, 2)), b1=rng.standard_normal((1, 2)),
                  W2=rng.standard_normal((2, 1)), b2=rng.standard_normal((1, 1)))
    return _case(arrays, {}, layout_for(draw, layout), dtype)


def _mlp_torch(X, W1, b1, W2, b2):
    import torch.nn.functional as F
    return F.relu(X @ W1 + b1) @ W2 + b2


_call_mlp_forward = Signature(("X", "W1", "b1", "W2", "b2"))


def _oracle_mlp_forward(arrays, p, device):
    t = tensors(arrays, device)
    return [to_numpy(_mlp_torch(t["X"], t["W1"], t["b1"], t["W2"], t["b2"]))]


_call_mlp_backward = Signature(("X", "y", "W1", "b1", "W2", "b2"))


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
    parts=batched_parts(
        mlp_cases, "X", "N > 1",
        basic="Z1 = X @ W1 + b1, A1 = relu(Z1), A2 = A1 @ W2 + b2: the output is linear (no ReLU "
              "after the last layer); A2 has shape (N, 1)",
        batch="each row of X is one sample: the matrix products handle all rows at once, and b1, "
              "b2 broadcast over the rows"),
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
    parts=batched_parts(
        mlp_cases, "X", "N > 1", targets=True,
        basic="dA2 = 2 (A2 - y) (the derivative of (A2 - y)^2: do not forget the 2), dW2 = A1.T @ "
              "dZ2, dA1 = dZ2 @ W2.T, dZ1 = dA1 * (Z1 > 0), dW1 = X.T @ dZ1; return a dict with "
              "keys dW1, db1, dW2, db2 shaped like W1, b1, W2, b2",
        batch="the loss sums over the samples (no mean): db1 and db2 sum dZ1 and dZ2 over the rows, "
              "keeping shapes (1, 2) and (1, 1) (keepdims=True)"),
    examples=(
        Example(_NET_BACK_CASE,
                [np.array([[2420.0, -4500.0], [-1265.8, -11770.0]]), np.array([[-12.0, -150.0]]),
                 np.array([[351.42], [-31.75]]), np.array([[-12.0]])],
                "lecture 000: the 2-2-1 network on the 10 samples with the heights as y and the "
                "weights of the forward example: dZ2 = 2 (A2 - y) = [-23, -29, -23, -17.4, -7, "
                "-2, 8.4, 22.6, 25, 33.4] sums to db2 = -12"),
    ),
)
