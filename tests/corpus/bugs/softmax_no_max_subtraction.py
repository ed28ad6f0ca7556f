"""Softmax computes exp(z) / sum(exp(z)) without subtracting the maximum first,
which overflows to inf/inf = nan for large scores."""
import numpy as np

TASK = "losses.softmax"
MODULE = "losses"
CAUSE = 'without subtracting the maximum'


def softmax(z, axis=-1):
    e = np.exp(z)
    return e / np.sum(e, axis=axis, keepdims=True)
