"""Softmax, log-softmax and cross-entropy, with loops over the rows.

Every score vector is handled on its own: subtract its maximum first, so
that exp() never overflows (softmax does not change when the same number
is subtracted from every score).
"""
import numpy as np


def _rows(z, axis):
    """z with `axis` moved last, and the index of every vector along it."""
    moved = np.moveaxis(z, axis, -1)
    return moved, list(np.ndindex(moved.shape[:-1]))


def softmax(z, axis=-1):
    """exp(z_j - m) / sum_l exp(z_l - m) along `axis`, m = max of the vector."""
    moved, rows = _rows(z, axis)
    out = np.zeros(moved.shape, dtype=z.dtype)
    K = moved.shape[-1]
    for row in rows:
        m = moved[row + (0,)]
        for k in range(K):
            if moved[row + (k,)] > m:
                m = moved[row + (k,)]
        total = 0.0
        for k in range(K):
            e = np.exp(moved[row + (k,)] - m)
            out[row + (k,)] = e
            total += e
        for k in range(K):
            out[row + (k,)] = out[row + (k,)] / total
    return np.moveaxis(out, -1, axis)


def log_softmax(z, axis=-1):
    """z_j - m - log(sum_l exp(z_l - m)) along `axis` (the log-sum-exp trick)."""
    moved, rows = _rows(z, axis)
    out = np.zeros(moved.shape, dtype=z.dtype)
    K = moved.shape[-1]
    for row in rows:
        m = moved[row + (0,)]
        for k in range(K):
            if moved[row + (k,)] > m:
                m = moved[row + (k,)]
        total = 0.0
        for k in range(K):
            total += np.exp(moved[row + (k,)] - m)
        log_total = np.log(total)
        for k in range(K):
            out[row + (k,)] = moved[row + (k,)] - m - log_total
    return np.moveaxis(out, -1, axis)


def cross_entropy(logits, target, reduction="mean"):
    """Mean (or sum, or per-sample) of -sum_k y[n, k] log softmax(logits[n])_k.

    target: class indices (N,) (y is one-hot) or probabilities (N, K).
    "mean" divides by N for both kinds of target.
    """
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"unknown reduction {reduction!r}")
    N, K = logits.shape
    losses = np.zeros(N, dtype=logits.dtype)
    for n in range(N):
        logp = log_softmax(logits[n])
        if target.ndim == 1:
            losses[n] = -logp[int(target[n])]
        else:
            loss = 0.0
            for k in range(K):
                loss -= target[n, k] * logp[k]
            losses[n] = loss
    if reduction == "none":
        return losses
    total = logits.dtype.type(0)
    for n in range(N):
        total += losses[n]
    if reduction == "mean":
        return total / logits.dtype.type(N)
    return total
