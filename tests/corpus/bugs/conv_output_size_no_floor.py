"""The output size uses true division, (n + 2p - d(k-1) - 1) / s + 1, and returns
2.33 where the floor 2 is meant."""
TASK = "conv.conv_output_size"
MODULE = "conv"
CAUSE = 'true division'


def conv_output_size(n, kernel_size, stride=1, padding=0, dilation=1):
    if padding == "same":
        return n
    if padding == "valid":
        padding = 0
    return (n + 2 * padding - dilation * (kernel_size - 1) - 1) / stride + 1
