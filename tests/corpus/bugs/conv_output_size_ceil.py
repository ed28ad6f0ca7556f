"""The output size rounds the division by the stride up (math.ceil) instead of
down."""
TASK = "conv.conv_output_size"
MODULE = "conv"
CAUSE = 'ceil'


import math


def conv_output_size(n, kernel_size, stride=1, padding=0, dilation=1):
    if padding == "same":
        return n
    if padding == "valid":
        padding = 0
    return math.ceil((n + 2 * padding - dilation * (kernel_size - 1) - 1) / stride) + 1
