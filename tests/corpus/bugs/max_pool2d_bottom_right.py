"""Max pooling returns the bottom-right element of each window (the last value the
loop saw) instead of the largest one."""
import numpy as np

TASK = "pooling.max_pool2d"
MODULE = "pooling"
CAUSE = 'bottom-right'


def max_pool2d(x, kernel_size, stride=None, padding=0):
    out = None
    for window in _windows(x, kernel_size, stride, padding, -np.inf):
        out = window
    return out
