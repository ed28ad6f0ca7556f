"""avg_pool2d_backward writes each window's share with '=' instead of '+=', so
overlapping windows do not add up."""
import numpy as np

TASK = "backprop.avg_pool2d_backward"
MODULE = "backprop"
CAUSE = "'=' instead of '+='"


def avg_pool2d_backward(dout, x, kernel_size, stride=None, padding=0):
    kernel, stride, (ph, pw) = _pool_geometry(x, kernel_size, stride, padding)
    H, W = x.shape[-2], x.shape[-1]
    N, C, OH, OW = dout.shape
    dx_pad = np.zeros(x.shape[:-2] + (H + 2 * ph, W + 2 * pw), dtype=x.dtype)
    for i in range(OH):
        for j in range(OW):
            r, c = i * stride[0], j * stride[1]
            dx_pad[:, :, r:r + kernel[0], c:c + kernel[1]] = (
                dout[:, :, i:i + 1, j:j + 1] / (kernel[0] * kernel[1]))
    return dx_pad[..., ph:ph + H, pw:pw + W]
