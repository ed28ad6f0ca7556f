"""The tap offset is multiplied by the stride instead of the dilation (row
i*stride + k*stride)."""
import numpy as np

TASK = "conv.conv2d"
MODULE = "conv"
CAUSE = 'stride is 1'


def conv2d(x, w, b=None, stride=1, padding=0, dilation=1):
    sh, sw = as_pair(stride)
    dh, dw = as_pair(dilation)
    C_out, C_in, KH, KW = w.shape
    top, bottom, left, right = resolve_padding(padding, (KH, KW), (dh, dw))
    x_pad = pad2d(x, (top, bottom, left, right))
    N, _, HP, WP = x_pad.shape
    OH = (HP - dh * (KH - 1) - 1) // sh + 1
    OW = (WP - dw * (KW - 1) - 1) // sw + 1
    out = np.zeros((N, C_out, OH, OW), dtype=x.dtype)
    for k in range(KH):
        for l in range(KW):
            r0, c0 = k * sh, l * sw
            patch = x_pad[:, :, r0:r0 + (OH - 1) * sh + 1:sh, c0:c0 + (OW - 1) * sw + 1:sw]
            out += np.einsum("ncij,oc->noij", patch, w[:, :, k, l])
    if b is not None:
        out += b.reshape(1, -1, 1, 1)
    return out
