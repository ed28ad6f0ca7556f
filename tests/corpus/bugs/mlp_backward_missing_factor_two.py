"""mlp_backward starts from dA2 = A2 - y, forgetting the factor 2 of the
derivative of (A2 - y)^2."""
import numpy as np

TASK = "backprop.mlp_backward"
MODULE = "backprop"
CAUSE = 'factor 2'


def mlp_backward(X, y, W1, b1, W2, b2):
    Z1 = X @ W1 + b1
    A1 = np.maximum(Z1, 0)
    A2 = A1 @ W2 + b2
    dZ2 = A2 - y
    dW2 = A1.T @ dZ2
    db2 = np.sum(dZ2, axis=0, keepdims=True)
    dZ1 = (dZ2 @ W2.T) * (Z1 > 0)
    dW1 = X.T @ dZ1
    db1 = np.sum(dZ1, axis=0, keepdims=True)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
