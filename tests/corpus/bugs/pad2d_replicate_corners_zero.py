"""Replicate padding copies the edge rows and the edge columns from the unpadded
image, so the four corners stay 0 instead of taking the corner value."""
import numpy as np

TASK = "padding.pad2d"
MODULE = "padding"
CAUSE = 'corners'


def pad2d(x, padding, mode="constant", value=0.0):
    top, bottom, left, right = as_four(padding)
    N, C, H, W = x.shape
    if mode == "reflect":
        rows = source_index(H, top, bottom, mode)
        cols = source_index(W, left, right, mode)
        return x[:, :, rows, :][:, :, :, cols]
    fill = value if mode == "constant" else 0.0
    out = np.full((N, C, top + H + bottom, left + W + right), fill, dtype=x.dtype)
    out[:, :, top:top + H, left:left + W] = x
    if mode == "replicate":
        for i in range(top):
            out[:, :, i, left:left + W] = x[:, :, 0, :]
        for i in range(bottom):
            out[:, :, top + H + i, left:left + W] = x[:, :, H - 1, :]
        for j in range(left):
            out[:, :, top:top + H, j] = x[:, :, :, 0]
        for j in range(right):
            out[:, :, top:top + H, left + W + j] = x[:, :, :, W - 1]
    return out
