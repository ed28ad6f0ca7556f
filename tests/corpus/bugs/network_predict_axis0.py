"""predict takes the argmax over the batch axis (axis 0) instead of over
the classes (axis 1)."""
import numpy as np

TASK = "network.predict"
MODULE = "network"


def predict(X, params):
    return np.argmax(forward(X, params), axis=0)
