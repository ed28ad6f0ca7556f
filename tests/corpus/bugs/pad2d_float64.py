"""Constant padding allocates the result with np.full(shape, value), which is
float64, so float32 inputs come back as float64."""
import numpy as np

TASK = "padding.pad2d"
MODULE = "padding"
CAUSE = 'float64'


def pad2d(x, padding, mode="constant", value=0.0):
    top, bottom, left, right = as_four(padding)
    N, C, H, W = x.shape
    if mode == "constant":
        out = np.full((N, C, top + H + bottom, left + W + right), value)
        out[:, :, top:top + H, left:left + W] = x
        return out
    widths = [(0, 0), (0, 0), (top, bottom), (left, right)]
    return np.pad(x, widths, mode="reflect" if mode == "reflect" else "edge")
