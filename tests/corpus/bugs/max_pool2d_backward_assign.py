"""max_pool2d_backward routes each window's gradient to its winner with '='
instead of '+=', so an input that wins overlapping windows keeps only one of
them."""
import numpy as np

TASK = "backprop.max_pool2d_backward"
MODULE = "backprop"
CAUSE = "'=' instead of '+='"


def max_pool2d_backward(dout, x, kernel_size, stride=None, padding=0):
    kernel, stride, (ph, pw) = _pool_geometry(x, kernel_size, stride, padding)
    x_pad = pad2d(x, (ph, pw), value=-np.inf)
    N, C, OH, OW = dout.shape
    dx_pad = np.zeros(x_pad.shape, dtype=x.dtype)
    for i in range(OH):
        for j in range(OW):
            r, c = i * stride[0], j * stride[1]
            window = x_pad[:, :, r:r + kernel[0], c:c + kernel[1]].reshape(N, C, -1)
            k = np.argmax(window, axis=2)
            for n in range(N):
                for ch in range(C):
                    a, b = divmod(int(k[n, ch]), kernel[1])
                    dx_pad[n, ch, r + a, c + b] = dout[n, ch, i, j]
    H, W = x.shape[2], x.shape[3]
    return dx_pad[:, :, ph:ph + H, pw:pw + W]
