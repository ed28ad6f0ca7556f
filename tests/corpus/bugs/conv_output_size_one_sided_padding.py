"""The output size adds the padding once (n + p) instead of on both sides (n +
2p)."""
TASK = "conv.conv_output_size"
MODULE = "conv"
CAUSE = 'padding added once'


def conv_output_size(n, kernel_size, stride=1, padding=0, dilation=1):
    if padding == "same":
        return n
    if padding == "valid":
        padding = 0
    return (n + padding - dilation * (kernel_size - 1) - 1) // stride + 1
