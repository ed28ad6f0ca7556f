"""'same' padding is computed from the kernel size alone, (K - 1) in all,
ignoring the dilation, so a dilated kernel's output is too small."""
import numpy as np

TASK = "conv.conv2d"
MODULE = "conv"
CAUSE = "ignoring dilation"


def conv2d(x, w, b=None, stride=1, padding=0, dilation=1):
    if padding == "same":
        kh, kw = w.shape[2:]
        padding = ((kh - 1) // 2, kh - 1 - (kh - 1) // 2, (kw - 1) // 2, kw - 1 - (kw - 1) // 2)
        x = np.pad(x, ((0, 0), (0, 0), padding[:2], padding[2:]))
        padding = 0
        out = _reference_conv2d(x, w, b, stride=stride, padding=0, dilation=dilation)
        H, W = x.shape[2] - sum(((kh - 1) // 2, kh - 1 - (kh - 1) // 2)), \
            x.shape[3] - sum(((kw - 1) // 2, kw - 1 - (kw - 1) // 2))
        full = np.zeros(out.shape[:2] + (H, W), dtype=out.dtype)
        full[:, :, :min(H, out.shape[2]), :min(W, out.shape[3])] = out[:, :, :H, :W]
        return full
    return _reference_conv2d(x, w, b, stride=stride, padding=padding, dilation=dilation)
