"""Constant padding always fills the border with zeros and ignores the `value`
argument."""
import numpy as np

TASK = "padding.pad2d"
MODULE = "padding"
CAUSE = 'value` argument is ignored'


def pad2d(x, padding, mode="constant", value=0.0):
    top, bottom, left, right = as_four(padding)
    N, C, H, W = x.shape
    if mode == "constant":
        out = np.zeros((N, C, top + H + bottom, left + W + right), dtype=x.dtype)
        out[:, :, top:top + H, left:left + W] = x
        return out
    widths = [(0, 0), (0, 0), (top, bottom), (left, right)]
    return np.pad(x, widths, mode="reflect" if mode == "reflect" else "edge")
