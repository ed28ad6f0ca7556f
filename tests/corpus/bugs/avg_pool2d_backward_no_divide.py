"""avg_pool2d_backward hands every input of a window the full dout instead of dout
/ (KH*KW)."""
import numpy as np

TASK = "backprop.avg_pool2d_backward"
MODULE = "backprop"
CAUSE = 'full dout'


def avg_pool2d_backward(dout, x, kernel_size, stride=None, padding=0):
    kernel, stride, (ph, pw) = _pool_geometry(x, kernel_size, stride, padding)
    H, W = x.shape[-2], x.shape[-1]
    out_hw = (dout.shape[-2], dout.shape[-1])
    dx_pad = np.zeros(x.shape[:-2] + (H + 2 * ph, W + 2 * pw), dtype=x.dtype)
    for _, _, rows, cols in taps(kernel, out_hw, stride, (1, 1)):
        dx_pad[..., rows, cols] += dout
    return dx_pad[..., ph:ph + H, pw:pw + W]
