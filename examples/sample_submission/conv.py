"""Convolution (cross-correlation, no kernel flip), written with loops."""
import numpy as np

from .padding import pad2d


def pair(v):
    """int -> (v, v); (h, w) -> (h, w)."""
    if isinstance(v, (int, np.integer)):
        return int(v), int(v)
    return int(v[0]), int(v[1])


def conv_output_size(n, kernel_size, stride=1, padding=0, dilation=1):
    """floor((n + 2p - d*(k-1) - 1) / s) + 1 ("same" keeps n, "valid" is p = 0)."""
    if padding == "same":
        return n
    if padding == "valid":
        padding = 0
    span = dilation * (kernel_size - 1) + 1          # inputs the dilated kernel covers
    return (n + 2 * padding - span) // stride + 1


def padding_sides(padding, kernel_hw, dilation_hw):
    """(top, bottom, left, right) for an int, a pair, "valid" or "same"."""
    if padding == "valid":
        return 0, 0, 0, 0
    if padding == "same":
        sides = []
        for k, d in zip(kernel_hw, dilation_hw):
            total = d * (k - 1)                      # pads needed to keep the size
            sides += [total // 2, total - total // 2]   # the extra one goes after
        return sides[0], sides[1], sides[2], sides[3]
    ph, pw = pair(padding)
    return ph, ph, pw, pw


def conv2d(x, w, b=None, stride=1, padding=0, dilation=1):
    """Slide every kernel over the padded input and add the bias."""
    sh, sw = pair(stride)
    dh, dw = pair(dilation)
    N, C_in, H, W = x.shape
    C_out, _, KH, KW = w.shape
    if padding == "same" and (sh, sw) != (1, 1):
        raise ValueError("padding='same' needs stride 1")
    x_pad = pad2d(x, padding_sides(padding, (KH, KW), (dh, dw)))
    OH = conv_output_size(x_pad.shape[2], KH, sh, 0, dh)
    OW = conv_output_size(x_pad.shape[3], KW, sw, 0, dw)
    out = np.zeros((N, C_out, OH, OW), dtype=x.dtype)
    for n in range(N):
        for o in range(C_out):
            for i in range(OH):
                for j in range(OW):
                    total = 0.0
                    for c in range(C_in):
                        for k in range(KH):
                            for l in range(KW):
                                total += x_pad[n, c, i * sh + k, j * sw + l] * w[o, c, k, l]
                    if b is not None:
                        total += b[o]
                    out[n, o, i, j] = total
    return out
