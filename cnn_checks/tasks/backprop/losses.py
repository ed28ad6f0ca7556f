"""backprop: cross_entropy_backward."""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from ...cases import Case
from ...oracle import vjp
from ...parts import float32_part, non_contiguous_part
from ...strategies import FLOAT64, has, layout_for, seeds, sizes
from ...task import Example, Part, Signature, Task
from .common import NON_CONTIGUOUS_ADVICE, _case, batch_part


@st.composite
def ce_cases(draw, *, dtype=FLOAT64, batch=False, probs=False, large=False, layout=False):
    """logits (N, K) and integer targets (N,) or probability targets (N, K)
    whose rows sum to 1. N = 1 unless `batch`. With `large`, one logit has
    the magnitude of the drawn scale (100 to 1e4)."""
    big = draw(sizes) != ""
    n = draw(st.integers(2, 8 if big else 5)) if batch else 1
    k = draw(st.integers(2, 32 if big else 6))
    rng = np.random.default_rng(draw(seeds))
    scale = draw(st.sampled_from((1e2, 1e3, 1e4))) if large else 2.0
    logits = rng.standard_normal((n, k)) * scale
    if large:
        logits.flat[rng.integers(logits.size)] = rng.choice([-1.0, 1.0]) * scale
    use_probs = draw(st.booleans()) if probs == "either" else probs
    if use_probs:
        target = rng.dirichlet(np.ones(k), size=n).astype(dtype)
        target[:, -1] = 1 - target[:, :-1].sum(axis=1)
        target = np.clip(target, 0, 1)
    else:
        target = rng.integers(0, k, size=n).astype(np.int64)
    return _case({"logits": logits, "target": target}, {}, layout_for(draw, layout), dtype)


_call_ce = Signature(("logits", "target"))


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
        batch_part(ce_cases, "logits", "N > 1",
                   "the loss is the mean over the batch, so every row of the gradient is divided "
                   "by N: (softmax - onehot) / N"),
        Part("probabilities", ce_cases(probs=True), "target holds probabilities (N, K)",
             "with a probability target t the gradient is softmax(logits) - t (rows of t sum to "
             "1): use t in place of the one-hot matrix", has("target", lambda t: t.ndim == 2)),
        Part("large logits", ce_cases(large=True), "|logits| is large (up to about 1e4)",
             "compute softmax stably: subtract each row's maximum before exp (exp(1000) is inf)",
             has("logits", lambda a: float(abs(a).max()) >= 100)),
        Part("combined", ce_cases(batch=True, probs="either", large=True),
             "N > 1, large logits and either kind of target are combined",
             "(softmax(z) - t) / N with a stable softmax and t the one-hot matrix or the given "
             "probabilities"),
        non_contiguous_part(ce_cases, NON_CONTIGUOUS_ADVICE),
        float32_part(ce_cases, "results keep the dtype of logits (the integer target must not turn "
                     "them into float64: np.eye(K)[target] is float64, cast it)"),
    ),
    examples=(
        Example(Case({"logits": np.array([[0.0, 0.0]]), "target": np.array([1])}),
                [np.array([[0.5, -0.5]])],
                "the stub's example: p = [0.5, 0.5], minus 1 at the true class"),
    ),
)


