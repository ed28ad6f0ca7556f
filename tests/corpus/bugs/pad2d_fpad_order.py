"""A 4-tuple padding is read in F.pad's order (left, right, top, bottom) instead
of the contract's (top, bottom, left, right)."""
import numpy as np

TASK = "padding.pad2d"
MODULE = "padding"
CAUSE = "F.pad's (left, right, top, bottom) order"


def pad2d(x, padding, mode="constant", value=0.0):
    if isinstance(padding, int):
        top = bottom = left = right = padding
    elif len(padding) == 2:
        top = bottom = padding[0]
        left = right = padding[1]
    else:
        left, right, top, bottom = padding
    widths = [(0, 0)] * (x.ndim - 2) + [(top, bottom), (left, right)]
    if mode == "constant":
        return np.pad(x, widths, mode="constant", constant_values=value)
    return np.pad(x, widths, mode="reflect" if mode == "reflect" else "edge")
