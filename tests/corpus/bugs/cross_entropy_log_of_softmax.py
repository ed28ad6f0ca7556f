"""Cross-entropy takes np.log(softmax(logits)), which is -inf where a probability
underflows, instead of log_softmax."""
import numpy as np

TASK = "losses.cross_entropy"
MODULE = "losses"
CAUSE = 'values are small'


def cross_entropy(logits, target, reduction="mean"):
    logp = np.log(softmax(logits, axis=-1))
    N, K = logits.shape
    if target.ndim == 1:
        y = (np.arange(K)[None, :] == target[:, None]).astype(logits.dtype)
    else:
        y = target
    losses = -np.sum(y * logp, axis=-1)
    if reduction == "none":
        return losses
    return np.sum(losses) / N if reduction == "mean" else np.sum(losses)
