"""relu_backward passes the gradient where x >= 0, so at the kink x == 0 it uses 1
instead of PyTorch's 0."""
import numpy as np

TASK = "backprop.relu_backward"
MODULE = "backprop"
CAUSE = "relu'(0) = 1"


def relu_backward(dout, x):
    return np.where(x >= 0, dout, 0.0).astype(dout.dtype)
