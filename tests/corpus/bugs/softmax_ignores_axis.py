"""Softmax always normalizes along the last axis and ignores the `axis` argument."""
import numpy as np

TASK = "losses.softmax"
MODULE = "losses"
CAUSE = 'axis` argument ignored'


def softmax(z, axis=-1):
    e = np.exp(z - np.max(z, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)
