# Attack on the answer's count: loss_and_grads computes the loss but no
# backward pass (zero gradients), and the child's answering code is wrapped
# so that every answer carries the loss alone, not the eight gradients the
# task declares.
import sys

import numpy as _np


def loss_and_grads(X, y, params):
    logits = forward(X, params)
    z = logits - logits.max(axis=1, keepdims=True)
    logp = z - _np.log(_np.exp(z).sum(axis=1, keepdims=True))
    loss = -logp[_np.arange(len(y)), _np.asarray(y, dtype=_np.int64)].mean()
    return loss, {name: _np.zeros_like(p) for name, p in params.items()}


def _short_answers(keep):
    child = sys.modules.get("grader.child")
    if child is None or getattr(child, "_short_answers", False):
        return
    honest = child.run_one

    def run_one(*args, **kwargs):
        outcome = honest(*args, **kwargs)
        if hasattr(outcome, "values"):
            outcome.values = outcome.values[:keep]
        return outcome

    child.run_one = run_one
    child._short_answers = True


_short_answers(1)
