"""cross_entropy_backward computes softmax without subtracting the row maximum,
which gives nan for large logits."""
import numpy as np

TASK = "backprop.cross_entropy_backward"
MODULE = "backprop"
CAUSE = 'values are small'


def cross_entropy_backward(logits, target):
    N, K = logits.shape
    e = np.exp(logits)
    p = e / np.sum(e, axis=1, keepdims=True)
    if target.ndim == 1:
        t = (np.arange(K)[None, :] == target[:, None]).astype(logits.dtype)
    else:
        t = target.astype(logits.dtype)
    return (p - t) / N
