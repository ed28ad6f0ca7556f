"""The kernel is taken to be square: K = w.shape[2] is used for the rows and
for the columns, so a (KH, KW) kernel with KH != KW is read wrongly."""
import numpy as np

TASK = "conv.conv2d"
MODULE = "conv"
CAUSE = "the kernel is square"


def conv2d(x, w, b=None, stride=1, padding=0, dilation=1):
    sh, sw = as_pair(stride)
    dh, dw = as_pair(dilation)
    C_out, C_in, K, _ = w.shape
    top, bottom, left, right = resolve_padding(padding, (K, K), (dh, dw))
    x_pad = np.zeros(x.shape[:2] + (x.shape[2] + top + bottom, x.shape[3] + left + right),
                     dtype=x.dtype)
    x_pad[:, :, top:top + x.shape[2], left:left + x.shape[3]] = x
    N, _, HP, WP = x_pad.shape
    OH = (HP - dh * (K - 1) - 1) // sh + 1
    OW = (WP - dw * (K - 1) - 1) // sw + 1
    out = np.zeros((N, C_out, OH, OW), dtype=x.dtype)
    for k in range(K):
        for l in range(min(K, w.shape[3])):
            r0, c0 = k * dh, l * dw
            patch = x_pad[:, :, r0:r0 + (OH - 1) * sh + 1:sh, c0:c0 + (OW - 1) * sw + 1:sw]
            out += np.einsum("ncij,oc->noij", patch, w[:, :, k, l])
    if b is not None:
        out += b.reshape(1, -1, 1, 1)
    return out
