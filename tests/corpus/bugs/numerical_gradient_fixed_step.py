"""numerical_gradient always uses a step of 1e-6 and ignores its `h` argument."""
import numpy as np

TASK = "backprop.numerical_gradient"
MODULE = "backprop"
CAUSE = 'h is not given'


def numerical_gradient(f, x, h=1e-6):
    eps = 1e-6
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[idx] = eps
        grad[idx] = (f(x + step) - f(x - step)) / (2 * eps)
    return grad
