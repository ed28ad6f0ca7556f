"""The step is applied through flat = work.reshape(-1), which is a copy for a
non-contiguous x (np.copy keeps the Fortran order), so f never sees the
shift and every gradient is 0."""
import numpy as np

TASK = "backprop.numerical_gradient"
MODULE = "backprop"
CAUSE = "reshape(-1)"


def numerical_gradient(f, x, h=1e-6):
    work = np.copy(x)
    flat = work.reshape(-1)
    grad = np.zeros(x.size, dtype=x.dtype)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + h
        up = f(work)
        flat[i] = old - h
        down = f(work)
        flat[i] = old
        grad[i] = (up - down) / (2 * h)
    return grad.reshape(x.shape)
