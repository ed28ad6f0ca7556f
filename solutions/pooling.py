"""Pooling: max, average and min over sliding windows, and global average.

A pooling window is a kernel without weights, so the machinery of
`conv.py` carries over unchanged. Window (i, j) covers padded rows
i*sh .. i*sh + KH - 1 and columns j*sw .. j*sw + KW - 1; for one fixed
tap (k, l) of the window the entries it sees at every output position
form one strided slice of the padded input (`conv.taps`). Reducing the
KH*KW slices element-wise (maximum, sum, minimum) pools every window at
once, for every image and channel.

Where PyTorch (the contract) differs from the slides:
- Lecture 004 says the windows are disjoint and "the default stride for
  pooling is equal to the filter width". That is only the default
  (stride=None); any stride may be given, and kernel_size > stride makes
  the windows overlap.
- Lecture 004's H2 = (H1 - F)/S + 1 is floored: leftover rows and columns
  that do not fill a window are dropped (its Example 1 pools a 3x3 map
  with 2x2 windows at stride 2 into the single value 0.794).
- Padding (rare for pooling, as lecture 004 notes) counts as -inf for max,
  +inf for min, and as zeros for average that still count in the divisor:
  every window divides by KH*KW (PyTorch's count_include_pad=True).
  PyTorch accepts at most kernel_size // 2 of padding per axis, so no
  window lies entirely in the padding.
"""
import math

from .conv import as_pair, conv_output_size, taps
from .padding import pad2d
from .xp import array_namespace


def _windows(x, kernel_size, stride, padding, fill):
    """Pad x with `fill`, then yield, for each of the KH*KW window taps, the
    (N, C, OH, OW) slice of values that tap sees at every output position."""
    kernel = as_pair(kernel_size)
    stride = kernel if stride is None else as_pair(stride)
    x_pad = pad2d(x, as_pair(padding), value=fill)
    out_hw = tuple(conv_output_size(n, k, s) for n, k, s in zip(x_pad.shape[2:], kernel, stride, strict=True))
    for _, _, rows, cols in taps(kernel, out_hw, stride, (1, 1)):
        yield x_pad[:, :, rows, cols]


def max_pool2d(x, kernel_size, stride=None, padding=0):
    """Max pooling of x (N, C, H, W):

        out[n, c, i, j] = max_{k < KH, l < KW} x_pad[n, c, i*sh + k, j*sw + l]

    Output (N, C, OH, OW), OH = floor((H + 2ph - KH) / sh) + 1, dtype of x.
    `stride` defaults to `kernel_size`; padding counts as -inf.

    Examples: lecture 000, the 2x2 region [1, 2; 3, 4] -> 4; lecture 003,
    [[1,1,2,4],[5,6,7,8],[3,2,1,0],[1,2,3,4]] with 2x2 windows at stride 2
    -> [[6, 8], [3, 4]].
    """
    xp = array_namespace(x)
    out = None
    for window in _windows(x, kernel_size, stride, padding, -math.inf):
        out = window if out is None else xp.maximum(out, window)
    return out


def min_pool2d(x, kernel_size, stride=None, padding=0):
    """Min pooling: like `max_pool2d` with min; padding counts as +inf.

    Example: lecture 000, the 2x2 region [1, 2; 3, 4] -> 1.
    Identity: min_pool2d(x) == -max_pool2d(-x).
    """
    xp = array_namespace(x)
    out = None
    for window in _windows(x, kernel_size, stride, padding, math.inf):
        out = window if out is None else xp.minimum(out, window)
    return out


def avg_pool2d(x, kernel_size, stride=None, padding=0):
    """Average pooling of x (N, C, H, W):

        out[n, c, i, j] = 1/(KH*KW) * sum_{k < KH, l < KW} x_pad[n, c, i*sh + k, j*sw + l]

    Same output size and defaults as `max_pool2d`. Padded positions are zeros
    and count in the divisor: a border window always divides by KH*KW, as
    PyTorch's `F.avg_pool2d` does by default (count_include_pad=True).

    Example: lecture 000, the 2x2 region [1, 2; 3, 4] -> (1+2+3+4)/4 = 2.5.
    """
    kh, kw = as_pair(kernel_size)
    total = sum(_windows(x, kernel_size, stride, padding, 0.0))
    return total / (kh * kw)


def global_avg_pool2d(x):
    """Mean of each feature map over all its H*W positions: (N, C, H, W) -> (N, C).

        out[n, c] = 1/(H*W) * sum_{i, j} x[n, c, i, j]

    Average pooling with one window the size of the map, without the trailing
    1x1 axes. Example: lecture 000, [1, 2; 3, 4] -> 2.5.
    """
    xp = array_namespace(x)
    return xp.mean(x, axis=(2, 3))
