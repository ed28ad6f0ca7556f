"""Padding an image batch on its last two axes (height and width).

Shapes: images are (N, C, H, W); only H and W are padded.
You may use NumPy (including numpy.lib.stride_tricks.sliding_window_view,
einsum and tensordot); not PyTorch, SciPy's signal/ndimage modules or any
other library that pads for you.
"""


def pad2d(x, padding, mode="constant", value=0.0):
    """Pad the last two axes of `x` (N, C, H, W).

    padding:
        int p                     p rows at the top and at the bottom, p columns
                                  at the left and at the right
        (ph, pw)                  ph rows top and bottom, pw columns left and right
        (top, bottom, left, right)  each side on its own; a side may be 0
    Careful: PyTorch's F.pad takes its tuple the other way round, last axis
    first: (left, right, top, bottom). Here the order is as on a page:
    top, bottom, left, right.

    Returns (N, C, top + H + bottom, left + W + right), with the dtype of `x`.
    Position (i, j) of the result shows x[..., i - top, j - left] inside the
    original image; outside it, by `mode` (PyTorch's F.pad modes):
        "constant"   the number `value` (0.0 by default: zero padding)
        "reflect"    mirror at the edge WITHOUT repeating it:
                     [a, b, c, d] padded by 2 on both sides -> [c, b, a, b, c, d, c, b]
                     (each pad must be smaller than that axis' size)
        "replicate"  repeat the edge value:
                     [a, b, c] padded by 2 on both sides -> [a, a, a, b, c, c, c]
    For reflect and replicate, pad the rows first and then the columns of the
    row-padded array, so that the corners are filled as PyTorch fills them.

    Worked example (lecture 001): zero padding with padding=1 turns the 5x5 image
        -1  1 -1  1 -1                     0  0  0  0  0  0  0
        -1  1 -1  1 -1                     0 -1  1 -1  1 -1  0
        -1  1  1  1 -1       into          0 -1  1 -1  1 -1  0
        -1 -1 -1  1 -1                     0 -1  1  1  1 -1  0
        -1 -1 -1  1 -1                     0 -1 -1 -1  1 -1  0
                                           0 -1 -1 -1  1 -1  0
                                           0  0  0  0  0  0  0
    (as x of shape (1, 1, 5, 5) -> (1, 1, 7, 7)).

    The input must not be changed: build a new array.
    """
    # YOUR CODE HERE
    raise NotImplementedError("padding.pad2d is not implemented yet")
