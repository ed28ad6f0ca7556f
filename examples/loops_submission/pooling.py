"""Max, average, min and global average pooling, written with loops."""
import numpy as np


def pair(v):
    if isinstance(v, (int, np.integer)):
        return int(v), int(v)
    return int(v[0]), int(v[1])


def geometry(x, kernel_size, stride, padding):
    """Kernel, stride (defaults to the kernel), padding and output size."""
    kh, kw = pair(kernel_size)
    sh, sw = (kh, kw) if stride is None else pair(stride)
    ph, pw = pair(padding)
    H, W = x.shape[2], x.shape[3]
    OH = (H + 2 * ph - kh) // sh + 1
    OW = (W + 2 * pw - kw) // sw + 1
    return (kh, kw), (sh, sw), (ph, pw), (OH, OW)


def window_values(x, n, c, i, j, kernel, stride, pad, fill):
    """The values of window (i, j) of map (n, c), row by row; positions in
    the padding give `fill`."""
    (kh, kw), (sh, sw), (ph, pw) = kernel, stride, pad
    H, W = x.shape[2], x.shape[3]
    values = []
    for k in range(kh):
        for l in range(kw):
            r, s = i * sh + k - ph, j * sw + l - pw
            if 0 <= r < H and 0 <= s < W:
                values.append(x[n, c, r, s])
            else:
                values.append(fill)
    return values


def max_pool2d(x, kernel_size, stride=None, padding=0):
    """The maximum of every window; padding counts as -inf."""
    kernel, stride, pad, (OH, OW) = geometry(x, kernel_size, stride, padding)
    N, C = x.shape[0], x.shape[1]
    out = np.zeros((N, C, OH, OW), dtype=x.dtype)
    for n in range(N):
        for c in range(C):
            for i in range(OH):
                for j in range(OW):
                    best = -np.inf
                    for v in window_values(x, n, c, i, j, kernel, stride, pad, -np.inf):
                        if v > best:
                            best = v
                    out[n, c, i, j] = best
    return out


def min_pool2d(x, kernel_size, stride=None, padding=0):
    """The minimum of every window; padding counts as +inf."""
    kernel, stride, pad, (OH, OW) = geometry(x, kernel_size, stride, padding)
    N, C = x.shape[0], x.shape[1]
    out = np.zeros((N, C, OH, OW), dtype=x.dtype)
    for n in range(N):
        for c in range(C):
            for i in range(OH):
                for j in range(OW):
                    best = np.inf
                    for v in window_values(x, n, c, i, j, kernel, stride, pad, np.inf):
                        if v < best:
                            best = v
                    out[n, c, i, j] = best
    return out


def avg_pool2d(x, kernel_size, stride=None, padding=0):
    """The mean of every window; padding counts as 0 and every window
    divides by KH*KW (PyTorch's count_include_pad=True)."""
    kernel, stride, pad, (OH, OW) = geometry(x, kernel_size, stride, padding)
    N, C = x.shape[0], x.shape[1]
    out = np.zeros((N, C, OH, OW), dtype=x.dtype)
    for n in range(N):
        for c in range(C):
            for i in range(OH):
                for j in range(OW):
                    total = 0.0
                    for v in window_values(x, n, c, i, j, kernel, stride, pad, 0.0):
                        total += v
                    out[n, c, i, j] = total / (kernel[0] * kernel[1])
    return out


def global_avg_pool2d(x):
    """(N, C, H, W) -> (N, C): the mean of each feature map."""
    N, C, H, W = x.shape
    out = np.zeros((N, C), dtype=x.dtype)
    for n in range(N):
        for c in range(C):
            total = 0.0
            for i in range(H):
                for j in range(W):
                    total += x[n, c, i, j]
            out[n, c] = total / (H * W)
    return out
