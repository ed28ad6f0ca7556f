"""Only the first three input channels are summed (a buffer sized for RGB
images): inputs with more channels lose the rest."""
TASK = "conv.conv2d"
MODULE = "conv"
CAUSE = "one channel"


def conv2d(x, w, b=None, stride=1, padding=0, dilation=1):
    return _reference_conv2d(x[:, :3], w[:, :3], b, stride=stride, padding=padding,
                             dilation=dilation)
