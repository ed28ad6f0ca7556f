"""The maximum and the log-sum are reduced without keepdims=True, so they
broadcast against the wrong axis."""
import numpy as np

TASK = "losses.log_softmax"
MODULE = "losses"
CAUSE = 'keepdims'


def log_softmax(z, axis=-1):
    m = np.max(z, axis=axis)
    shifted = z - m
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis))
