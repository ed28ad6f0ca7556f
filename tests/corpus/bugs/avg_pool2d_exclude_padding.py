"""Average pooling divides each window by the number of real (unpadded) inputs in
it, not by KH*KW as PyTorch's count_include_pad=True does."""
import numpy as np

TASK = "pooling.avg_pool2d"
MODULE = "pooling"
CAUSE = 'excludes the padding'


def avg_pool2d(x, kernel_size, stride=None, padding=0):
    total = sum(_windows(x, kernel_size, stride, padding, 0.0))
    count = sum(_windows(np.ones_like(x), kernel_size, stride, padding, 0.0))
    return total / count
