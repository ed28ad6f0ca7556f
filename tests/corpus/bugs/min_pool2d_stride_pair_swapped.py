"""A (sh, sw) stride pair is applied the wrong way round: rows move by sw and
columns by sh."""
import numpy as np

TASK = "pooling.min_pool2d"
MODULE = "pooling"
CAUSE = 'stride pair read the wrong way round'


def min_pool2d(x, kernel_size, stride=None, padding=0):
    if stride is not None and not isinstance(stride, int):
        stride = (stride[1], stride[0])
    out = None
    for window in _windows(x, kernel_size, stride, padding, np.inf):
        out = window if out is None else np.minimum(out, window)
    return out
