"""Cross-entropy is computed in bits with log2, as lecture 004's slide does,
instead of the natural log."""
import numpy as np

TASK = "losses.cross_entropy"
MODULE = "losses"
CAUSE = 'log2'


def cross_entropy(logits, target, reduction="mean"):
    logp = log_softmax(logits, axis=-1) / np.log(2.0)
    N, K = logits.shape
    if target.ndim == 1:
        y = (np.arange(K)[None, :] == target[:, None]).astype(logits.dtype)
    else:
        y = target
    losses = -np.sum(y * logp, axis=-1)
    if reduction == "none":
        return losses
    return np.sum(losses) / N if reduction == "mean" else np.sum(losses)
