"""A (ph, pw) pair is read width first, as F.pad orders its tuple, so rows are
padded by pw and columns by ph."""
import numpy as np

TASK = "padding.pad2d"
MODULE = "padding"
CAUSE = 'wrong way round'


def pad2d(x, padding, mode="constant", value=0.0):
    if isinstance(padding, int):
        top = bottom = left = right = padding
    elif len(padding) == 2:
        pw, ph = padding
        top = bottom = ph
        left = right = pw
    else:
        top, bottom, left, right = padding
    widths = [(0, 0)] * (x.ndim - 2) + [(top, bottom), (left, right)]
    if mode == "constant":
        return np.pad(x, widths, mode="constant", constant_values=value)
    return np.pad(x, widths, mode="reflect" if mode == "reflect" else "edge")
