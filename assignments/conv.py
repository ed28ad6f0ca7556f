"""Convolution (cross-correlation, as in every deep-learning framework).

Shapes: images are (N, C, H, W), weights (C_out, C_in, KH, KW), biases (C_out,).
`stride`, `padding` and `dilation` are an int or an (h, w) pair.
You may use NumPy (including numpy.lib.stride_tricks.sliding_window_view,
einsum and tensordot) and your own `padding.pad2d`; not PyTorch, SciPy's
signal/ndimage modules or any other library that convolves for you.
"""


def conv_output_size(n, kernel_size, stride=1, padding=0, dilation=1):
    """Length of the output along one axis of size `n`.

    Formula:  floor((n + 2*padding - dilation*(kernel_size - 1) - 1) / stride) + 1

    A dilated kernel spans dilation*(kernel_size - 1) + 1 inputs.

    Worked examples (lectures 002 and 004):
        conv_output_size(7, 3, stride=2)             -> 3
        conv_output_size(7, 3, stride=3)             -> 2   (the slide's 2.33, floored)
        conv_output_size(32, 5, stride=1, padding=2) -> 32
        conv_output_size(7, 3, dilation=2)           -> 3   (a 3x3 kernel at dilation 2 sees 5x5)

    Returns a Python int.
    """
    # YOUR CODE HERE
    raise NotImplementedError("conv.conv_output_size is not implemented yet")


def conv2d(x, w, b=None, stride=1, padding=0, dilation=1):
    """2-D convolution of a batch `x` (N, C_in, H, W) with weights `w` (C_out, C_in, KH, KW).

        out[n, o, i, j] = b[o] + sum over c, k, l of
                          x_pad[n, c, i*stride_h + k*dilation_h, j*stride_w + l*dilation_w] * w[o, c, k, l]

    Returns (N, C_out, OH, OW), OH = conv_output_size(H, KH, stride_h, pad_h, dilation_h),
    with the dtype of `x`. `b` is None (no bias) or (C_out,).

    padding: an int p (p zero rows top and bottom, p zero columns left and
    right), a pair (ph, pw), "valid" (no padding) or "same" (stride 1 only:
    the output keeps H x W; the effective kernel e = dilation*(k-1) + 1 needs
    e - 1 pads, (e-1)//2 before and the rest after, so with an even kernel
    the extra row/column goes at the bottom/right, as PyTorch does; the
    lectures' p = (f-1)/2 only covers odd f).

    This is cross-correlation: the kernel is NOT flipped (PyTorch's
    F.conv2d, and every worked example in the lectures, does the same).

    Worked example (lecture 004), one image, one channel, no bias:
        x = [[4, 5, 8, 7],          w = [[1, 4, 1],
             [1, 8, 8, 8],               [1, 4, 3],
             [3, 6, 6, 4],               [3, 3, 1]]
             [6, 5, 7, 8]]
        conv2d(x[None, None], w[None, None]) -> [[[[122, 148], [126, 134]]]]
        u(1,1) = 4*1 + 5*4 + 8*1 + 1*1 + 8*4 + 8*3 + 3*3 + 6*3 + 6*1 = 122

    Worked example (lecture 004, Example 1): the 5x5 input I with
    w = [[0,1,1],[1,0,1],[1,1,0]], bias 0.05, VALID, stride 1 gives
        [[-0.35, 1.35, 0.75], [-0.55, 0.85, 0.05], [0.75, 0.05, 1.15]]
    """
    # YOUR CODE HERE
    raise NotImplementedError("conv.conv2d is not implemented yet")
