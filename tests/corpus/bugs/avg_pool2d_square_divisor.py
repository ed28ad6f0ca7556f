"""Average pooling divides by kernel_size[0] ** 2, assuming a square window, so
(h, w) kernels with h != w get the wrong mean."""
TASK = "pooling.avg_pool2d"
MODULE = "pooling"
CAUSE = 'KH*KH'


def avg_pool2d(x, kernel_size, stride=None, padding=0):
    kh, kw = as_pair(kernel_size)
    total = sum(_windows(x, kernel_size, stride, padding, 0.0))
    return total / (kh * kh)
