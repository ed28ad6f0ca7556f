"""optim.SGD, optim.Adagrad, optim.RMSprop, optim.Adam and optim.annealed_lr.

An optimizer task builds the student's optimizer on two parameter arrays
(p0, any shape up to 4-D like a weight; p1, 1-D like a bias), calls
step(grads) a few times with the case's gradients (g<s>_<i>: step s,
parameter i) and returns the very arrays it handed over. An optimizer must
update them in place; one that rebinds (self.params[i] = p - ...) leaves
them as they were and fails on their values.
"""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from ..cases import Case, as_tuple, snippet_arrays
from ..oracle import tensors, to_numpy, torch_precise
from ..parts import float32_part, non_contiguous_part
from ..strategies import FLOAT64, has, layout_for, param, seeds, sizes
from ..task import Example, Part, Signature, Task

N_PARAMS = 2
OUTPUTS = tuple(f"p{i}" for i in range(N_PARAMS))

IN_PLACE = ("update each parameter array in place (p -= ..., or p[...] = ...), never rebind it "
            "(self.params[i] = p - ... leaves the caller's arrays unchanged), and keep state "
            "(buffers, step count) across calls of step()")


# --------------------------------------------------------------------------
# the optimizer classes
# --------------------------------------------------------------------------

def _rounded(lo: float, hi: float, digits: int = 4) -> st.SearchStrategy:
    return st.floats(lo, hi).map(lambda v: round(v, digits))


@st.composite
def optim_cases(draw, *, dtype=FLOAT64, layout=False, **hyper: st.SearchStrategy):
    """Two parameters (p0 with 1-4 axes, p1 1-D), 3 to 6 steps of gradients,
    and the hyper-parameters drawn from `hyper` (none: PyTorch's defaults).
    A larger case has axes of up to 8."""
    hi = 8 if draw(sizes) else 4
    ndim = draw(st.integers(1, 4))
    shapes = {"p0": tuple(draw(st.integers(1, hi)) for _ in range(ndim)),
              "p1": (draw(st.integers(1, hi + 1)),)}
    steps = draw(st.integers(3, 6))
    for s in range(steps):
        for i in range(N_PARAMS):
            shapes[f"g{s}_{i}"] = shapes[f"p{i}"]
    rng = np.random.default_rng(draw(seeds))
    arrays = {n: rng.standard_normal(shape).astype(dtype) for n, shape in shapes.items()}
    params = {name: param(draw(strategy)) for name, strategy in hyper.items()}
    params["steps"] = steps
    return Case(arrays, params, layout_for(draw, layout))


def _hyper(p) -> dict:
    return {k: as_tuple(v) for k, v in p.items() if k != "steps"}


class OptimizerCall:
    """Build the optimizer on the case's parameters, step it with each
    step's gradients, and return the very parameter arrays handed over."""

    def __call__(self, cls, arrays, p):
        params = [arrays[n] for n in OUTPUTS]
        opt = cls(list(params), **_hyper(p))          # a copy of the list: rebinding shows
        for s in range(p["steps"]):
            opt.step([arrays[f"g{s}_{i}"] for i in range(N_PARAMS)])
        return tuple(params)

    def snippet(self, module: str, name: str, case: Case) -> list[str]:
        hyper = ", ".join(f"{k}={v!r}" for k, v in _hyper(case.params).items())
        grads = ", ".join(f"[g{s}_0, g{s}_1]" for s in range(case.params["steps"]))
        return [f"from {module} import {name}"] + snippet_arrays(case) + [
            f"opt = {name}([p0, p1]{', ' if hyper else ''}{hyper})",
            f"for grads in [{grads}]:",
            "    opt.step(grads)",
            "print(p0, p1)"]


_call_optim = OptimizerCall()


def _oracle_optim(name):
    def oracle(arrays, p, device):
        torch = torch_precise()
        t = tensors(arrays, device)
        params = [t[n].requires_grad_(True) for n in OUTPUTS]
        opt = getattr(torch.optim, name)(params, **_hyper(p))
        for s in range(p["steps"]):
            for i, q in enumerate(params):
                q.grad = t[f"g{s}_{i}"]
            opt.step()
        return [to_numpy(q) for q in params]
    return oracle


def _advice(text: str) -> str:
    return f"{text}; update p in place (p -= ...), never rebind it"


def _optim_case(p0, p1, grads, **hyper) -> Case:
    """A worked example: params and per-step gradients as nested lists."""
    arrays = {"p0": np.array(p0, float), "p1": np.array(p1, float)}
    for s, (g0, g1) in enumerate(grads):
        arrays[f"g{s}_0"], arrays[f"g{s}_1"] = np.array(g0, float), np.array(g1, float)
    return Case(arrays, {**{k: param(v) for k, v in hyper.items()}, "steps": len(grads)})


lrs = _rounded(0.001, 0.5)
momenta = _rounded(0.1, 0.95)
decays = _rounded(0.01, 0.5)
epsilons = _rounded(0.001, 0.5)

#: the float32 advice of the optimizers whose state is one array per parameter
_STATE_LIKE_P = "create the state with np.zeros_like(p)"


def _hyper_part(name: str, values: st.SearchStrategy, condition: str, advice: str,
                **also: st.SearchStrategy) -> Part:
    """The part that passes hyper-parameter `name`, drawn from `values`
    (after the hyper-parameters `also`, which it needs)."""
    return Part(name, optim_cases(**also, **{name: values}), condition, _advice(advice), has(name))


def _lr_part() -> Part:
    """The part with a given learning rate, of every optimizer but SGD (whose advice says more)."""
    return _hyper_part("lr", lrs, "lr is given", "use the given lr")


def _eps_part(advice: str) -> Part:
    """The part of the optimizers that divide by sqrt(...) + eps with a large eps."""
    return _hyper_part("eps", epsilons, "eps is large enough to matter", advice)


def _weight_decay_part(advice: str) -> Part:
    """Every optimizer's part with L2 weight decay added to the gradient."""
    return _hyper_part("weight_decay", decays, "weight_decay > 0", advice)


def _optimizer_task(name: str, rule: str, *parts: Part, float32: str,
                    examples: tuple[Example, ...]) -> Task:
    """The task of optimizer class `name`, against torch.optim's class of
    that name: the basic part (its update `rule` with PyTorch's defaults),
    its own `parts`, then the parts with non-contiguous and with float32
    parameters and gradients (`float32`: the advice after "float32
    parameters stay float32: ")."""
    return Task(
        "optim", name, _call_optim, _oracle_optim(name), mutable=OUTPUTS, outputs=OUTPUTS,
        parts=(
            Part("basic", optim_cases(), "", f"{rule}; {IN_PLACE}"),
            *parts,
            non_contiguous_part(
                optim_cases, _advice("update with p -= ... or p[...] = ..., which work for any memory "
                                     "layout; never rebuild p from p.data or a flattened copy"),
                condition="the parameters and gradients are non-contiguous arrays"),
            float32_part(optim_cases, _advice(f"float32 parameters stay float32: {float32}")),
        ),
        examples=examples)


SGD = _optimizer_task(
    "SGD", "p -= lr * g with PyTorch's defaults (SGD(params): lr=0.001, momentum=0, weight_decay=0, "
           "nesterov=False)",
    _hyper_part("lr", lrs, "lr is given", "p -= lr * g with the given lr"),
    _hyper_part("momentum", momenta, "momentum > 0",
                "buf = momentum * buf + g (buf starts at 0, one buffer per parameter, "
                "no (1 - momentum) factor on g), then p -= lr * buf"),
    _hyper_part("nesterov", st.just(True), "nesterov=True",
                "Nesterov: buf = momentum * buf + g as usual, then step along "
                "g + momentum * buf: p -= lr * (g + momentum * buf)", momentum=momenta),
    _weight_decay_part("weight decay is added to the gradient first, g = g + weight_decay * p "
                       "(a new array: never modify the gradients handed to step), and the rest "
                       "uses that g, momentum buffer included"),
    Part("combined", optim_cases(lr=lrs, momentum=momenta, weight_decay=decays),
         "lr, momentum and weight_decay are combined",
         _advice("g = g + weight_decay * p first, then buf = momentum * buf + g, then "
                 "p -= lr * buf")),
    float32="in-place updates keep the dtype; create buffers with np.zeros_like(p)",
    examples=(
        Example(_optim_case([[0.5, -0.2], [0.1, 0.4]], [0.3],
                            [([[1.0, -2.0], [0.5, 0.0]], [2.0])], lr=0.01),
                [np.array([[0.49, -0.18], [0.095, 0.4]]), np.array([0.28])],
                "lecture 000: one plain step W -= learning_rate * dW with learning_rate = 0.01"),
        Example(_optim_case([[1.0]], [0.0], [([[1.0]], [1.0])] * 3, lr=0.1, momentum=0.9),
                [np.array([[0.439]]), np.array([-0.561])],
                "lecture 004 momentum, gamma = 0.9, alpha = 0.1, gradient 1 three times: "
                "V = -0.1, -0.19, -0.271, so W moves by -0.561"),
    ),
)

Adagrad = _optimizer_task(
    "Adagrad", "r += g * g (r starts at 0); p -= lr * g / (sqrt(r) + eps) with PyTorch's defaults "
               "lr=0.01, eps=1e-10",
    _lr_part(),
    _eps_part("eps is added after the square root: sqrt(r) + eps, not sqrt(r + eps) "
              "(lecture 000 puts it inside; PyTorch and lecture 004 outside)"),
    _weight_decay_part("add weight_decay * p to the gradient first, and accumulate the square "
                       "of that sum"),
    float32=_STATE_LIKE_P,
    examples=(
        Example(_optim_case([1.0, -1.0], [0.5], [([3.0, -4.0], [2.0]), ([4.0, 3.0], [0.0])],
                            lr=0.1, eps=0.0),
                [np.array([0.82, -0.96]), np.array([0.4])],
                "lecture 004 AdaGrad (r <- r + g^2, W <- W - alpha/(eps + sqrt r) g), alpha = 0.1, "
                "eps = 0: steps of 0.1 then 0.1*4/5 = 0.08 for the first weight"),
    ),
)

RMSprop = _optimizer_task(
    "RMSprop", "v = alpha * v + (1 - alpha) * g * g (v starts at 0); p -= lr * g / (sqrt(v) + eps) "
               "with PyTorch's defaults lr=0.01, alpha=0.99, eps=1e-8",
    _lr_part(),
    _hyper_part("alpha", _rounded(0.5, 0.999), "alpha is given",
                "alpha weighs the old average: v = alpha * v + (1 - alpha) * g * g, an "
                "average of the squared gradients, not of their running sum"),
    _eps_part("eps is added after the square root: sqrt(v) + eps, not sqrt(v + eps) "
              "(the lectures put it inside)"),
    _hyper_part("momentum", momenta, "momentum > 0",
                "with momentum: buf = momentum * buf + g / (sqrt(v) + eps) (buf starts at "
                "0), then p -= lr * buf"),
    _weight_decay_part("add weight_decay * p to the gradient first, and average the square of "
                       "that sum"),
    float32=_STATE_LIKE_P,
    examples=(
        Example(_optim_case([1.0, -1.0], [0.5], [([2.0, -0.5], [1.0])], lr=0.01, alpha=0.99, eps=0.0),
                [np.array([0.9, -0.9]), np.array([0.4])],
                "lecture 004 RMSprop with rho = 0.99, eps = 0: after one step r = 0.01 g^2, so "
                "every weight moves by alpha / sqrt(0.01) = 10 alpha against its gradient's sign"),
    ),
)

Adam = _optimizer_task(
    "Adam", "t += 1 (t starts at 0, so the first step has t = 1); m = b1 m + (1-b1) g; "
            "v = b2 v + (1-b2) g^2; p -= lr * (m / (1 - b1**t)) / (sqrt(v / (1 - b2**t)) "
            "+ eps), with PyTorch's defaults lr=0.001, betas=(0.9, 0.999), eps=1e-8",
    _lr_part(),
    _hyper_part("betas", st.tuples(_rounded(0.5, 0.95), _rounded(0.9, 0.9999)), "betas is given",
                "betas = (b1, b2): b1 for the gradient average m, b2 for the squared-"
                "gradient average v, and both bias corrections use the power t"),
    _eps_part("eps is added after the square root of the bias-corrected v: "
              "sqrt(v / (1 - b2**t)) + eps, not sqrt(v + eps)"),
    _weight_decay_part("Adam's weight_decay adds weight_decay * p to the gradient before m and v "
                       "(L2 regularization, not AdamW's decoupled decay)"),
    float32="create m and v with np.zeros_like(p)",
    examples=(
        Example(_optim_case([1.0, -1.0], [0.5], [([2.0, -0.5], [1e-3])], lr=0.1, eps=0.0),
                [np.array([0.9, -0.9]), np.array([0.4])],
                "Adam's first step (t = 1) moves every weight by lr against its gradient's sign: "
                "the bias-corrected m / sqrt(v) is g / |g|; without the correction (lecture 000) "
                "it would be 0.1 g / sqrt(0.001 g^2) = 3.16 lr"),
        Example(_optim_case([0.0], [0.0], [([1.0], [1.0]), ([2.0], [-1.0])], lr=0.1, eps=0.0),
                [{(0,): -0.1 - 0.1 * (0.29 / 0.19) / np.sqrt(0.004999 / 0.001999)}, None],
                "Adam's second step: m = 0.29, v = 0.004999, corrected by 1 - 0.9^2 and "
                "1 - 0.999^2 (the power t = 2 that lecture 004 leaves out)"),
    ),
)


# --------------------------------------------------------------------------
# annealed_lr
# --------------------------------------------------------------------------

@st.composite
def anneal_cases(draw, *, start=False, large=False):
    alpha = draw(_rounded(0.001, 10.0))
    eps = draw(_rounded(1e-3, 0.1, 6) if large else _rounded(0.01, 10.0))
    t = 0 if start else draw(st.integers(10**3, 10**6) if large else st.integers(1, 100))
    return Case({}, {"alpha": alpha, "eps": eps, "t": t})


def _oracle_anneal(arrays, p, device):
    torch = torch_precise()
    alpha = torch.tensor(p["alpha"], dtype=torch.float64, device=device)
    eps = torch.tensor(p["eps"], dtype=torch.float64, device=device)
    return [float((alpha / (eps + p["t"])).item())]


def _anneal(alpha, eps, t) -> Case:
    return Case({}, {"alpha": alpha, "eps": eps, "t": t})


annealed_lr = Task(
    "optim", "annealed_lr", Signature(("alpha", "eps", "t")), _oracle_anneal,
    parts=(
        Part("basic", anneal_cases(), "",
             "alpha(t) = alpha / (eps + t): divide by the sum eps + t, return a float"),
        Part("start", anneal_cases(start=True), "t = 0",
             "at t = 0 the schedule starts at alpha / eps (large when eps is small)",
             has("t", lambda t: t == 0)),
        Part("large", anneal_cases(large=True), "t is large and eps small",
             "alpha(t) decays like alpha / t towards 0: use true division, not //",
             has("t", lambda t: t >= 1000)),
    ),
    examples=(
        Example(_anneal(0.1, 0.5, 0), [0.2],
                "lecture 004: alpha(0) = alpha / eps = 0.1 / 0.5 = 0.2"),
        Example(_anneal(1.0, 1.0, 9), [0.1], "lecture 004: alpha(9) = 1 / (1 + 9) = 0.1"),
        Example(_anneal(0.5, 0.01, 1000), [0.5 / 1000.01],
                "lecture 004: alpha(t) -> 0 as t grows: 0.5 / (0.01 + 1000)"),
    ),
)

TASKS = (SGD, Adagrad, RMSprop, Adam, annealed_lr)
