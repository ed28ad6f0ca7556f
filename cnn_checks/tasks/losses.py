"""losses.softmax, losses.log_softmax and losses.cross_entropy."""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from ..cases import Case
from ..oracle import tensors, to_numpy, torch_precise
from ..parts import float32_part, non_contiguous_part
from ..strategies import FLOAT64, has, layout_for, seeds, sizes
from ..task import Example, Part, Signature, Task

#: |logits| stay within this bound (SPEC: finite for |z| up to 1e4)
LARGE = 1e4


def _logits(rng: np.random.Generator, shape, large: bool) -> np.ndarray:
    """Normal scores; with `large`, scores around a random offset of
    magnitude 200 to 1e4 with a spread of 1, 100 or 1e4, clipped to +-1e4: a plain
    exp() overflows (offset > 710) or underflows every entry (offset < -745)."""
    if not large:
        return rng.standard_normal(shape) * 3.0
    offset = rng.choice([-1.0, 1.0]) * rng.uniform(200.0, LARGE)
    spread = rng.choice([1.0, 100.0, LARGE])
    return np.clip(offset + spread * rng.standard_normal(shape), -LARGE, LARGE)


# --------------------------------------------------------------------------
# softmax and log_softmax
# --------------------------------------------------------------------------

@st.composite
def softmax_cases(draw, *, dtype=FLOAT64, axis=False, large=False, layout=False):
    """(N, K) scores along axis -1 (the default, not passed); with `axis`,
    1-D to 4-D inputs and an explicit axis, positive or negative. A larger
    case has up to 8 rows of up to 32 scores."""
    big = draw(sizes) != ""
    params = {}
    if axis:
        ndim = draw(st.integers(1, 4))
        shape = tuple(draw(st.integers(1, 4)) for _ in range(ndim))
        params["axis"] = draw(st.integers(-ndim, ndim - 1))
    else:
        shape = (draw(st.integers(1, 8 if big else 4)), draw(st.integers(2, 32 if big else 6)))
    rng = np.random.default_rng(draw(seeds))
    z = _logits(rng, shape, large).astype(dtype)
    return Case({"z": z}, params, layout_for(draw, layout))


SOFTMAX_CALL = Signature(("z",), ("axis?",))


def _large(name: str):
    return has(name, lambda a: np.max(np.abs(a)) > 100 or np.ptp(a) > 100)


def _oracle(name):
    def oracle(arrays, p, device):
        torch = torch_precise()
        t = tensors(arrays, device)
        return [to_numpy(getattr(torch, name)(t["z"], dim=p.get("axis", -1)))]
    return oracle


_P = np.array([0.66, 0.24, 0.10])        # lecture 004's predicted probabilities


def _z(*rows) -> Case:
    return Case({"z": np.array(rows, dtype=float)})


def _softmax_task(function: str, *, basic: str, axis: str, large: str, float32: str,
                  examples: tuple[Example, ...]) -> Task:
    """softmax or log_softmax, against torch's function of that name: the
    same parts for both, each with the advice for this function."""
    return Task(
        "losses", function, SOFTMAX_CALL, _oracle(function),
        parts=(
            Part("basic", softmax_cases(), "", basic),
            Part("axis", softmax_cases(axis=True),
                 "an explicit axis is given (1-D to 4-D inputs, negative axes too)", axis, has("axis")),
            Part("large", softmax_cases(large=True), "|z| is large (up to 1e4)", large, _large("z")),
            non_contiguous_part(softmax_cases, "do not assume C-contiguous memory: use NumPy's "
                                "reductions along the axis"),
            float32_part(softmax_cases, float32),
        ),
        examples=examples)


softmax = _softmax_task(
    "softmax",
    basic="softmax(z)_j = exp(z_j) / sum_l exp(z_l) along the last axis (the default axis=-1): "
          "every row of the result is positive and sums to 1",
    axis="reduce along `axis` with keepdims=True (np.max(z, axis=axis, keepdims=True), "
         "np.sum(..., axis=axis, keepdims=True)) so that broadcasting lines up for any axis",
    large="subtract the maximum along the axis before exp(): softmax(z) = softmax(z - max z), "
          "and exp(z - max z) <= 1 never overflows",
    float32="results keep the input's dtype: do not force float64 (np.float64(...), dtype=float) "
            "anywhere",
    examples=(
        Example(Case({"z": np.log(_P)[None]}), [_P[None]],
                "lecture 004: scores z = ln [0.66, 0.24, 0.10] give back the probabilities "
                "[0.66, 0.24, 0.10]"),
        Example(_z([1.0, 2.0, 3.0]), [np.array([[0.0900, 0.2447, 0.6652]])],
                "lecture 002's softmax e^z_j / sum_l e^z_l of the scores [1, 2, 3]",
                tolerance=(1e-3, 1e-4)),
        Example(_z([1e4, 0.0, -1e4], [1e4, 1e4, -1e4]), [np.array([[1.0, 0.0, 0.0], [0.5, 0.5, 0.0]])],
                "scores of +-1e4: exp(1e4) overflows, softmax(z - max z) does not"),
    ),
)

log_softmax = _softmax_task(
    "log_softmax",
    basic="log_softmax(z)_j = z_j - log(sum_l exp(z_l)) along the last axis (the default axis=-1)",
    axis="reduce along `axis` with keepdims=True so that broadcasting lines up for any axis",
    large="compute z - m - log(sum(exp(z - m))) with m = max z (the log-sum-exp trick); "
          "log(softmax(z)) gives log(0) = -inf when a probability underflows",
    float32="results keep the input's dtype: do not force float64 anywhere",
    examples=(
        Example(Case({"z": np.log(_P)[None]}), [np.array([[-0.4155, -1.4271, -2.3026]])],
                "lecture 004: ln [0.66, 0.24, 0.10] = [-0.4155, -1.4271, -2.3026] (the slide's "
                "cross-entropies 0.6 and 3.32 are these in bits)", tolerance=(1e-3, 1e-4)),
        Example(_z([1e4, 0.0], [-1e4, -1e4]), [np.array([[0.0, -1e4], [-np.log(2), -np.log(2)]])],
                "scores of +-1e4: log(softmax(z)) gives -inf, the log-sum-exp trick does not"),
    ),
)


# --------------------------------------------------------------------------
# cross_entropy
# --------------------------------------------------------------------------

@st.composite
def ce_cases(draw, *, dtype=FLOAT64, reductions=("mean",), probabilities=False, large=False,
             layout=False):
    """logits (N, K) and a target: int64 class indices (N,) or, with
    `probabilities`, rows of probabilities (N, K) that sum to 1. The
    reduction is not passed when it is the only choice "mean" (the default)."""
    big = draw(sizes) != ""
    n, k = draw(st.integers(1, 8 if big else 5)), draw(st.integers(2, 32 if big else 6))
    reduction = draw(st.sampled_from(reductions))
    rng = np.random.default_rng(draw(seeds))
    logits = _logits(rng, (n, k), large).astype(dtype)
    if probabilities:
        s = rng.standard_normal((n, k)) * 2.0
        target = np.exp(s - s.max(axis=1, keepdims=True))
        target = (target / target.sum(axis=1, keepdims=True)).astype(dtype)
    else:
        target = rng.integers(0, k, size=n).astype(np.int64)
    params = {} if reductions == ("mean",) else {"reduction": reduction}
    return Case({"logits": logits, "target": target}, params, layout_for(draw, layout))


def _oracle_ce(arrays, p, device):
    torch = torch_precise()
    import torch.nn.functional as F
    logits = tensors({"logits": arrays["logits"]}, device)["logits"]
    target = arrays["target"]
    if np.issubdtype(target.dtype, np.integer):
        t = torch.tensor(np.asarray(target, dtype=np.int64), device=device)
    else:
        t = tensors({"target": target}, device)["target"]
    return [to_numpy(F.cross_entropy(logits, t, reduction=p.get("reduction", "mean")))]


def _ce(logits, target, reduction=None) -> Case:
    params = {} if reduction is None else {"reduction": reduction}
    target = np.array(target)
    target = target.astype(np.int64) if target.ndim == 1 else target.astype(float)
    return Case({"logits": np.log(np.array(logits, dtype=float)), "target": target}, params)


_ROUNDED = (1e-3, 1e-4)

cross_entropy = Task(
    "losses", "cross_entropy", Signature(("logits", "target"), ("reduction?",)), _oracle_ce,
    parts=(
        Part("basic", ce_cases(), "",
             "loss_n = -log softmax(logits_n)[target_n] (natural log), and the default "
             "reduction 'mean' averages over the N samples"),
        Part("reductions", ce_cases(reductions=("sum", "none")),
             "reduction is 'sum' or 'none'",
             "'sum' adds the N per-sample losses (a scalar); 'none' returns the (N,) vector "
             "of per-sample losses", has("reduction")),
        Part("probabilities", ce_cases(probabilities=True),
             "the target holds probabilities (N, K) instead of class indices",
             "with a (N, K) target, loss_n = -sum_k target[n, k] * log_softmax(logits_n)_k; "
             "'mean' still divides by N (not by N*K); class indices are the one-hot case "
             "(np.arange(K)[None, :] == target[:, None])",
             has("target", lambda t: t.ndim == 2)),
        Part("large", ce_cases(large=True), "|logits| is large (up to 1e4)",
             "use log_softmax (z - max z - log(sum(exp(z - max z)))), not log(softmax(z)): a "
             "probability that underflows to 0 gives log(0) = -inf", _large("logits")),
        non_contiguous_part(ce_cases, "do not assume C-contiguous memory: index with NumPy "
                            "(logits[np.arange(N), target]) rather than through x.data or hand-made "
                            "strides"),
        float32_part(ce_cases, "results keep the logits' dtype: a float32 scalar for 'mean' and 'sum' "
                     "(np.sum of a float32 array is one), a float32 (N,) array for 'none'",
                     reductions=("mean", "sum", "none")),
    ),
    examples=(
        Example(_ce([[0.66, 0.24, 0.10]], [0]), [0.4155],
                "lecture 004: p = [0.66, 0.24, 0.10], true class 0: -ln 0.66 = 0.4155 nats "
                "(the slide's 0.6 is -log2 0.66, in bits)", tolerance=_ROUNDED),
        Example(_ce([[0.66, 0.24, 0.10]], [2]), [2.3026],
                "lecture 004: p = [0.66, 0.24, 0.10], true class 2: -ln 0.10 = 2.3026 nats "
                "(the slide's 3.32 is -log2 0.10, in bits)", tolerance=_ROUNDED),
        Example(_ce([[0.66, 0.24, 0.10], [0.66, 0.24, 0.10]], [[1, 0, 0], [0, 0, 1]], "none"),
                [np.array([0.4155, 2.3026])],
                "lecture 004: both cases with one-hot targets, reduction='none': "
                "[0.4155, 2.3026] nats", tolerance=_ROUNDED),
        Example(_ce([[0.66, 0.24, 0.10], [0.66, 0.24, 0.10]], [0, 2]), [1.3591],
                "lecture 004: both cases in one batch, reduction='mean': "
                "(0.4155 + 2.3026) / 2 = 1.3591", tolerance=_ROUNDED),
    ),
)

TASKS = (softmax, log_softmax, cross_entropy)
