"""Pooling: max, average and min over sliding windows, and global average.

Shapes: images are (N, C, H, W); every (n, c) feature map is pooled on its
own, so the output keeps N and C. `kernel_size`, `stride` and `padding` are
an int or an (h, w) pair (height first).
You may use NumPy (including numpy.lib.stride_tricks.sliding_window_view,
einsum and tensordot) and your own `padding.pad2d`; not PyTorch, SciPy's
signal/ndimage modules or any other library that pools for you.

Where PyTorch (the contract) differs from the slides:
- Lecture 004 says the windows are disjoint and "the default stride for
  pooling is equal to the filter width". That is the default (stride=None);
  any stride may be given, and kernel_size > stride makes windows overlap.
- The output size (H - F)/S + 1 is rounded down: rows and columns left over
  that do not fill a whole window are dropped.
- Padding (rare for pooling, lecture 004 notes) counts as -inf for max
  pooling, +inf for min pooling, and as zeros for average pooling that
  still count in the divisor. Padding is at most kernel_size // 2 per axis.
"""


def max_pool2d(x, kernel_size, stride=None, padding=0):
    """Max pooling of `x` (N, C, H, W) with KH x KW windows.

        out[n, c, i, j] = max over k < KH, l < KW of x_pad[n, c, i*stride_h + k, j*stride_w + l]

    x_pad is x with `padding` rows top and bottom and columns left and right,
    filled with -inf (a padded position never wins).
    stride=None means stride = kernel_size (disjoint windows, the slides'
    default).

    Returns (N, C, OH, OW), with the dtype of `x`:
        OH = floor((H + 2*padding_h - KH) / stride_h) + 1
        OW = floor((W + 2*padding_w - KW) / stride_w) + 1

    Worked examples:
        lecture 000: the 2x2 region [1, 2; 3, 4]  -> 4
        lecture 003: kernel_size=2, stride=2 on
            [[1, 1, 2, 4],
             [5, 6, 7, 8],          ->   [[6, 8],
             [3, 2, 1, 0],                [3, 4]]
             [1, 2, 3, 4]]
        lecture 004, Example 1: kernel_size=2, stride=2 on the 3x3 map
            [[0.413, 0.794, 0.679], [0.366, 0.701, 0.512], [0.679, 0.512, 0.76]]
            -> [[0.794]]  (one window fits; the last row and column are dropped)
    """
    # YOUR CODE HERE
    raise NotImplementedError("pooling.max_pool2d is not implemented yet")


def avg_pool2d(x, kernel_size, stride=None, padding=0):
    """Average pooling of `x` (N, C, H, W) with KH x KW windows.

        out[n, c, i, j] = 1/(KH*KW) * sum over k < KH, l < KW of
                          x_pad[n, c, i*stride_h + k, j*stride_w + l]

    Same output size and stride default as `max_pool2d`. Padded positions
    are zeros AND count in the divisor: every window divides by KH*KW, also
    at the border (PyTorch's default, count_include_pad=True), not by the
    number of real pixels in the window.

    Worked example (lecture 000): the 2x2 region [1, 2; 3, 4] -> (1+2+3+4)/4 = 2.5.
    Lecture 003's 4x4 map [[1,1,2,4],[5,6,7,8],[3,2,1,0],[1,2,3,4]] with
    kernel_size=2 gives [[3.25, 5.25], [2.0, 2.0]].
    """
    # YOUR CODE HERE
    raise NotImplementedError("pooling.avg_pool2d is not implemented yet")


def min_pool2d(x, kernel_size, stride=None, padding=0):
    """Min pooling of `x` (N, C, H, W): like `max_pool2d` with min instead of max.

        out[n, c, i, j] = min over k < KH, l < KW of x_pad[n, c, i*stride_h + k, j*stride_w + l]

    Padding counts as +inf (a padded position never wins). Same output size
    and stride default as `max_pool2d`.

    Worked example (lecture 000): the 2x2 region [1, 2; 3, 4] -> 1.
    """
    # YOUR CODE HERE
    raise NotImplementedError("pooling.min_pool2d is not implemented yet")


def global_avg_pool2d(x):
    """Global average pooling: the mean of each feature map over all its positions.

        out[n, c] = 1/(H*W) * sum over i, j of x[n, c, i, j]

    Returns (N, C) (not (N, C, 1, 1)), with the dtype of `x`.

    Worked example (lecture 000): [1, 2; 3, 4] as x of shape (1, 1, 2, 2)
    -> [[2.5]], since (1+2+3+4)/4 = 2.5.
    """
    # YOUR CODE HERE
    raise NotImplementedError("pooling.global_avg_pool2d is not implemented yet")
