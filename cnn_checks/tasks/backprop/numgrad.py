"""backprop: numerical_gradient (centred differences)."""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from ...cases import Case, snippet_arrays
from ...oracle import tensors, to_numpy, torch_precise
from ...parts import non_contiguous_part
from ...strategies import FLOAT64, has, layout_for, seeds
from ...task import Example, Part, Task
from .common import _case

#: steps given explicitly: large enough that ignoring h (using 1e-6) changes
#: the centred difference by h^2/6 f''' >> tolerance
STEPS = (1e-1, 5e-2, 2e-2, 1e-2)
#: at most 6 values, so that the rounding of f stays far below the tolerance
MULTI_AXIS_SHAPES = ((1, 1), (2, 1), (1, 3), (2, 2), (3, 2), (2, 3), (1, 2, 3), (2, 1, 2),
                     (3, 1, 1), (1, 1, 1))


@st.composite
def numgrad_cases(draw, *, shapes=False, step=False, layout=False):
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
    return _case(arrays, params, layout_for(draw, layout), FLOAT64)


def _scalar_function(a, b):
    """f(x) = sum(a * sin(x) + b * x**2) in x's own namespace, as a Python float."""
    from array_api_compat import array_namespace

    def f(x):
        xp = array_namespace(x)
        return float(xp.sum(a * xp.sin(x) + b * x ** 2))

    return f


class NumgradCall:
    """Call numerical_gradient(f, x[, h=h]) with f(x) = sum(a sin(x) + b x^2)."""

    def __call__(self, fn, arrays, p):
        f = _scalar_function(arrays["a"], arrays["b"])
        if "h" in p:
            return fn(f, arrays["x"], h=p["h"])
        return fn(f, arrays["x"])

    def snippet(self, module: str, name: str, case: Case) -> list[str]:
        h = f", h={case.params['h']!r}" if "h" in case.params else ""
        return [f"from {module} import {name}"] + snippet_arrays(case) + [
            "def f(v):",
            "    return float(np.sum(a * np.sin(v) + b * v ** 2))",
            f"print({name}(f, x{h}))"]


_call_numgrad = NumgradCall()


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
             "return an array of x's shape", has("x", lambda a: a.ndim > 1)),
        Part("step", numgrad_cases(step=True), "the step h is given",
             "use the `h` argument in both the shift and the division by 2h, not a fixed 1e-6",
             has("h")),
        non_contiguous_part(numgrad_cases, "perturb a C-contiguous copy (np.array(x, dtype=float, "
                            "order='C')): with other layouts reshape(-1) is a copy, and shifting the "
                            "copy leaves x unchanged",
                            condition="x is a non-contiguous array with more than one axis", shapes=True),
    ),
    examples=(
        Example(Case({"x": np.array([1.0, 2.0, 3.0]), "a": np.zeros(3), "b": np.ones(3)}),
                [np.array([2.0, 4.0, 6.0])],
                "the stub's example: f(x) = sum(x**2) (a = 0, b = 1) at x = [1.0, 2.0, 3.0]: "
                "the centred difference of x^2 is exactly 2x, up to rounding",
                tolerance=(1e-7, 1e-7)),
    ),
    # Expected values are the centred differences by their Taylor series
    # (autograd, error below 2e-10): a correct implementation differs only
    # by the rounding of f (about 1e-15 |f| / h at most, 1e-8 at h = 1e-6);
    # a forward difference is off by at least 1.5e-6, ignoring h by at
    # least h^2/6 |a cos x| >= 4e-6.
    tolerance={FLOAT64: (2e-8, 2e-8)},
)


