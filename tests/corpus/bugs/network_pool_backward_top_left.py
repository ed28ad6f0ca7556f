"""loss_and_grads sends each 2x2 pooling window's gradient to the window's
top-left entry instead of to its maximum (layer 2's max-pool backward)."""
import numpy as np

TASK = "network.loss_and_grads"
MODULE = "network"
CAUSE = "grads['W2'] is the first gradient that disagrees"


def loss_and_grads(X, y, params):
    logits, c = _forward(X, params)
    loss = losses.cross_entropy(logits, y)
    grads = {}
    dlogits = backprop.cross_entropy_backward(logits, y)
    da3, grads["W4"], grads["b4"] = backprop.linear_backward(dlogits, c["a3"], params["W4"])
    dz3 = backprop.relu_backward(da3, c["z3"])
    dflat, grads["W3"], grads["b3"] = backprop.linear_backward(dz3, c["flat"], params["W3"])
    dp2 = dflat.reshape(c["p2"].shape)
    da2 = np.zeros_like(c["a2"])
    da2[:, :, ::2, ::2] = dp2
    dz2 = backprop.relu_backward(da2, c["z2"])
    dp1, grads["W2"], grads["b2"] = backprop.conv2d_backward(dz2, c["p1"], params["W2"], padding=1)
    da1 = backprop.max_pool2d_backward(dp1, c["a1"], 2)
    dz1 = backprop.relu_backward(da1, c["z1"])
    _, grads["W1"], grads["b1"] = backprop.conv2d_backward(dz1, c["X"], params["W1"], padding=1)
    return loss, grads
