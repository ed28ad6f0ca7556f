"""numerical_gradient takes forward differences (f(x + h e_i) - f(x)) / h instead
of centred ones."""
import numpy as np

TASK = "backprop.numerical_gradient"
MODULE = "backprop"
CAUSE = 'forward differences'


def numerical_gradient(f, x, h=1e-6):
    grad = np.zeros_like(x)
    fx = f(x)
    for idx in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[idx] = h
        grad[idx] = (f(x + step) - fx) / h
    return grad
