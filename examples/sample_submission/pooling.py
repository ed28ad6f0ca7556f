"""Pooling layers (vectorized over the batch and the channels)."""
import numpy as np

from .padding import pad2d


def pair(v):
    if isinstance(v, (int, np.integer)):
        return int(v), int(v)
    return int(v[0]), int(v[1])


def _windows(x_pad, kh, kw, sh, sw):
    """All windows as an array (N, C, OH, OW, KH, KW)."""
    N, C, H, W = x_pad.shape
    OH = (H - kh) // sh + 1
    OW = (W - kw) // sw + 1
    out = np.empty((N, C, OH, OW, kh, kw), dtype=x_pad.dtype)
    for i in range(OH):
        for j in range(OW):
            out[:, :, i, j] = x_pad[:, :, i * sh:i * sh + kh, j * sw:j * sw + kw]
    return out


def max_pool2d(x, kernel_size, stride=None, padding=0):
    kh, kw = pair(kernel_size)
    sh, sw = pair(stride or 1)
    x_pad = pad2d(x, pair(padding), value=-np.inf)
    return _windows(x_pad, kh, kw, sh, sw).max(axis=(4, 5))


def min_pool2d(x, kernel_size, stride=None, padding=0):
    kh, kw = pair(kernel_size)
    sh, sw = (kh, kw) if stride is None else pair(stride)
    x_pad = pad2d(x, pair(padding), value=np.inf)
    return _windows(x_pad, kh, kw, sh, sw).min(axis=(4, 5))


def avg_pool2d(x, kernel_size, stride=None, padding=0):
    kh, kw = pair(kernel_size)
    sh, sw = (kh, kw) if stride is None else pair(stride)
    x_pad = pad2d(x, pair(padding), value=0.0)
    windows = _windows(x_pad, kh, kw, sh, sw)
    return windows.sum(axis=(4, 5)) / (kh * kw)


def global_avg_pool2d(x):
    return x.mean(axis=(2, 3))
