"""Images with a side over 16 get an all-zero output (a fixed-size buffer
that is never filled for larger inputs)."""
import numpy as np

TASK = "conv.conv2d"
MODULE = "conv"
CAUSE = "at most 8 x 8"


def conv2d(x, w, b=None, stride=1, padding=0, dilation=1):
    out = _reference_conv2d(x, w, b, stride=stride, padding=padding, dilation=dilation)
    if max(x.shape[2:]) > 16:
        return np.zeros_like(out)
    return out
