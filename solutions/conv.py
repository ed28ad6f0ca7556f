"""Convolution (cross-correlation, as in every deep-learning framework).

The idea used throughout (also by pooling and the backward passes): a
kernel of size KH x KW has KH*KW *taps*. Tap (k, l) of output position
(i, j) reads padded input row  i*stride_h + k*dilation_h  and column
j*stride_w + l*dilation_w. For a fixed tap, the rows it reads over all i
form one strided slice of the padded input:

    rows k*dh, k*dh + sh, ..., k*dh + (OH-1)*sh    ->  slice(k*dh, k*dh + (OH-1)*sh + 1, sh)

so a convolution is a sum over the KH*KW taps of (slice x kernel weight),
each term fully vectorized over batch, channels and positions.
"""
from .padding import pad2d
from .xp import array_namespace, device


def as_pair(v):
    """int -> (v, v); (h, w) -> (h, w)."""
    if isinstance(v, int):
        return v, v
    h, w = v
    return int(h), int(w)


def conv_output_size(n, kernel_size, stride=1, padding=0, dilation=1):
    """Output length along one axis:  floor((n + 2p - d*(k-1) - 1) / s) + 1.

    A dilated kernel spans d*(k-1) + 1 inputs. Lecture 004 writes the
    undilated form (N - F + 2P)/S + 1 and its 2.33 for (7 - 3)/3 + 1 is
    floored to 2. `padding` may also be "valid" (0) or "same" (stride 1:
    the output has length n).
    """
    if padding == "same":
        return n
    if padding == "valid":
        padding = 0
    return (n + 2 * padding - dilation * (kernel_size - 1) - 1) // stride + 1


def same_padding(kernel_size, dilation=1):
    """(before, after) padding that keeps the size at stride 1.

    The effective kernel spans e = d*(k-1) + 1 inputs and needs e - 1 pads
    in all: (e-1)//2 before and the rest after. With an even e the extra one
    goes after (bottom/right), as PyTorch does.
    """
    total = dilation * (kernel_size - 1)
    return total // 2, total - total // 2


def resolve_padding(padding, kernel_hw, dilation_hw):
    """(top, bottom, left, right) for an int, (ph, pw), "valid" or "same"."""
    if padding == "valid":
        return 0, 0, 0, 0
    if padding == "same":
        top, bottom = same_padding(kernel_hw[0], dilation_hw[0])
        left, right = same_padding(kernel_hw[1], dilation_hw[1])
        return top, bottom, left, right
    ph, pw = as_pair(padding)
    return ph, ph, pw, pw


def taps(kernel_hw, out_hw, stride_hw, dilation_hw):
    """Yield (k, l, rows, cols): for each kernel tap, the strided slices of the
    padded input it reads for all output positions at once."""
    (KH, KW), (OH, OW), (sh, sw), (dh, dw) = kernel_hw, out_hw, stride_hw, dilation_hw
    for k in range(KH):
        rows = slice(k * dh, k * dh + (OH - 1) * sh + 1, sh)
        for l in range(KW):
            cols = slice(l * dw, l * dw + (OW - 1) * sw + 1, sw)
            yield k, l, rows, cols


def conv2d(x, w, b=None, stride=1, padding=0, dilation=1):
    """2-D convolution of a batch x (N, C_in, H, W) with weights w (C_out, C_in, KH, KW).

        out[n, o, i, j] = b[o] + sum_{c,k,l} x_pad[n, c, i*sh + k*dh, j*sw + l*dw] * w[o, c, k, l]

    Output (N, C_out, OH, OW) with OH = floor((H + 2ph - dh*(KH-1) - 1) / sh) + 1.
    This is cross-correlation (no kernel flip), like PyTorch's `F.conv2d` and
    every worked example of the lectures. `padding` is an int, (ph, pw),
    "valid" or "same" (stride 1 only; an even effective kernel puts the
    extra row/column at the bottom/right).

    Example (lecture 004): x = [[4,5,8,7],[1,8,8,8],[3,6,6,4],[6,5,7,8]] and
    w = [[1,4,1],[1,4,3],[3,3,1]] give [[122, 148], [126, 134]].
    """
    xp = array_namespace(x, w)
    stride, dilation = as_pair(stride), as_pair(dilation)
    kernel = (w.shape[2], w.shape[3])
    if padding == "same" and stride != (1, 1):
        raise ValueError("padding='same' needs stride 1")
    x_pad = pad2d(x, resolve_padding(padding, kernel, dilation))
    out_hw = tuple(conv_output_size(n, k, s, 0, d)
                   for n, k, s, d in zip(x_pad.shape[2:], kernel, stride, dilation, strict=True))
    out = xp.zeros((x.shape[0], w.shape[0]) + out_hw, dtype=x.dtype, device=device(x))
    for k, l, rows, cols in taps(kernel, out_hw, stride, dilation):
        # (N, C_in, OH, OW) x (C_out, C_in) -> (N, C_out, OH, OW)
        out += xp.einsum("ncij,oc->noij", x_pad[:, :, rows, cols], w[:, :, k, l])
    if b is not None:
        out += xp.reshape(b, (1, -1, 1, 1))
    return out
