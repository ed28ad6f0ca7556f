"""Softmax divides by the sum over the whole array instead of the sum along the
axis, so only the total sums to 1."""
import numpy as np

TASK = "losses.softmax"
MODULE = "losses"
CAUSE = 'sum over the whole array'


def softmax(z, axis=-1):
    e = np.exp(z - np.max(z, axis=axis, keepdims=True))
    return e / np.sum(e)
