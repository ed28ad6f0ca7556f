"""Max pooling pads with zeros instead of -inf, so a border window of negative
values returns 0."""
import numpy as np

TASK = "pooling.max_pool2d"
MODULE = "pooling"
CAUSE = 'zeros instead of -inf'


def max_pool2d(x, kernel_size, stride=None, padding=0):
    out = None
    for window in _windows(x, kernel_size, stride, padding, 0.0):
        out = window if out is None else np.maximum(out, window)
    return out
