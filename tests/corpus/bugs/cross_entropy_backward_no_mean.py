"""cross_entropy_backward returns softmax - onehot without dividing by N, the
gradient of the summed rather than the mean loss."""
import numpy as np

TASK = "backprop.cross_entropy_backward"
MODULE = "backprop"
CAUSE = 'not divided by N'


def cross_entropy_backward(logits, target):
    N, K = logits.shape
    z = logits - np.max(logits, axis=1, keepdims=True)
    p = np.exp(z) / np.sum(np.exp(z), axis=1, keepdims=True)
    if target.ndim == 1:
        t = (np.arange(K)[None, :] == target[:, None]).astype(logits.dtype)
    else:
        t = target.astype(logits.dtype)
    return p - t
