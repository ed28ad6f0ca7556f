"""A probability target is turned into class indices with argmax, so soft targets
are treated as one-hot."""
import numpy as np

TASK = "losses.cross_entropy"
MODULE = "losses"
CAUSE = 'argmax'


def cross_entropy(logits, target, reduction="mean"):
    logp = log_softmax(logits, axis=-1)
    N, K = logits.shape
    if target.ndim == 2:
        target = np.argmax(target, axis=1)
    losses = -logp[np.arange(N), target]
    if reduction == "none":
        return losses
    return np.sum(losses) / N if reduction == "mean" else np.sum(losses)
