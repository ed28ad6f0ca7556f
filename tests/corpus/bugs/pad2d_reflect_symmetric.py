"""Reflect padding uses np.pad's mode "symmetric", which repeats the edge value
([a, b, c] padded by 1 gives [a, a, b, c, c] instead of [b, a, b, c, b])."""
import numpy as np

TASK = "padding.pad2d"
MODULE = "padding"
CAUSE = 'symmetric'


def pad2d(x, padding, mode="constant", value=0.0):
    top, bottom, left, right = as_four(padding)
    widths = [(0, 0)] * (x.ndim - 2) + [(top, bottom), (left, right)]
    if mode == "constant":
        return np.pad(x, widths, mode="constant", constant_values=value)
    if mode == "reflect":
        return np.pad(x, widths, mode="symmetric")
    return np.pad(x, widths, mode="edge")
