"""The output size uses the undilated formula (n + 2p - k) // s + 1 and ignores
dilation."""
TASK = "conv.conv_output_size"
MODULE = "conv"
CAUSE = 'dilation ignored'


def conv_output_size(n, kernel_size, stride=1, padding=0, dilation=1):
    if padding == "same":
        return n
    if padding == "valid":
        padding = 0
    return (n + 2 * padding - kernel_size) // stride + 1
