"""stride=None is taken to mean stride 1 (as for convolution) instead of stride =
kernel_size."""
import numpy as np

TASK = "pooling.max_pool2d"
MODULE = "pooling"
CAUSE = 'stride=None taken as stride 1'


def max_pool2d(x, kernel_size, stride=None, padding=0):
    if stride is None:
        stride = 1
    out = None
    for window in _windows(x, kernel_size, stride, padding, -np.inf):
        out = window if out is None else np.maximum(out, window)
    return out
