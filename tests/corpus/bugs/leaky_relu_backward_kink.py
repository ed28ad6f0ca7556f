"""leaky_relu_backward uses the mask x >= 0, so at x == 0 it passes dout instead
of slope * dout."""
import numpy as np

TASK = "backprop.leaky_relu_backward"
MODULE = "backprop"
CAUSE = "relu'(0) = 1"


def leaky_relu_backward(dout, x, slope=0.01):
    return np.where(x >= 0, dout, slope * dout)
