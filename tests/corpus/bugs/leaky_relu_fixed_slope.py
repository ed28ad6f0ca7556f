"""leaky_relu multiplies negative values by a fixed 0.01 and ignores the `slope`
argument."""
import numpy as np

TASK = "backprop.leaky_relu"
MODULE = "backprop"
CAUSE = 'fixed slope'


def leaky_relu(x, slope=0.01):
    return np.where(x > 0, x, 0.01 * x)
