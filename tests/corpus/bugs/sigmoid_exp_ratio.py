"""sigmoid is computed as exp(x) / (1 + exp(x)), which is inf / inf = nan for
large positive x."""
import numpy as np

TASK = "backprop.sigmoid"
MODULE = "backprop"
CAUSE = 'values are small'


def sigmoid(x):
    e = np.exp(x)
    return e / (1 + e)
