"""tanh is computed from its exponential definition, which is inf / inf = nan for
|x| above about 710."""
import numpy as np

TASK = "backprop.tanh_backward"
MODULE = "backprop"
CAUSE = 'values are small'


def tanh_backward(dout, x):
    t = (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))
    return dout * (1 - t * t)
