"""conv2d_backward writes each tap's contribution to dx with '=' instead of '+=',
so inputs read by several windows keep only the last one."""
import numpy as np

TASK = "backprop.conv2d_backward"
MODULE = "backprop"
CAUSE = "'=' instead of '+='"


def conv2d_backward(dout, x, w, stride=1, padding=0, dilation=1):
    stride, dilation = as_pair(stride), as_pair(dilation)
    kernel = (w.shape[2], w.shape[3])
    top, bottom, left, right = resolve_padding(padding, kernel, dilation)
    x_pad = pad2d(x, (top, bottom, left, right))
    out_hw = (dout.shape[2], dout.shape[3])
    dx_pad = np.zeros(x_pad.shape, dtype=x.dtype)
    dw = np.zeros(w.shape, dtype=w.dtype)
    for k, l, rows, cols in taps(kernel, out_hw, stride, dilation):
        dx_pad[:, :, rows, cols] = np.einsum("noij,oc->ncij", dout, w[:, :, k, l])
        dw[:, :, k, l] = np.einsum("noij,ncij->oc", dout, x_pad[:, :, rows, cols])
    H, W = x.shape[2], x.shape[3]
    dx = dx_pad[:, :, top:top + H, left:left + W]
    db = np.sum(dout, axis=(0, 2, 3))
    return dx, dw, db
