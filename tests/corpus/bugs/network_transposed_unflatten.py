"""loss_and_grads un-flattens the gradient in (H, W, C) order although the
forward pass flattened in (C, H, W) order."""
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
    N, C, H, W = c["p2"].shape
    dp2 = dflat.reshape(N, H, W, C).transpose(0, 3, 1, 2)
    da2 = backprop.max_pool2d_backward(dp2, c["a2"], 2)
    dz2 = backprop.relu_backward(da2, c["z2"])
    dp1, grads["W2"], grads["b2"] = backprop.conv2d_backward(dz2, c["p1"], params["W2"], padding=1)
    da1 = backprop.max_pool2d_backward(dp1, c["a1"], 2)
    dz1 = backprop.relu_backward(da1, c["z1"])
    _, grads["W1"], grads["b1"] = backprop.conv2d_backward(dz1, c["X"], params["W1"], padding=1)
    return loss, grads
