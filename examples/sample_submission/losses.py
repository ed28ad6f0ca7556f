"""Softmax, log-softmax and cross-entropy."""
import numpy as np


def softmax(z, axis=-1):
    e = np.exp(z - np.max(z, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def log_softmax(z, axis=-1):
    shifted = z - np.max(z, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def cross_entropy(logits, target, reduction="mean"):
    N, K = logits.shape
    logp = log_softmax(logits, axis=1)
    if target.ndim == 1:
        losses = -logp[np.arange(N), target]
    else:
        losses = -np.sum(target * logp, axis=1)
    if reduction == "none":
        return losses
    if reduction == "sum":
        return np.sum(losses)
    return np.sum(losses) / N
