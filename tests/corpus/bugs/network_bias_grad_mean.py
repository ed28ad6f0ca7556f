"""loss_and_grads averages the dense layer 3's bias gradient over the batch
(db3 = mean of dz3) where the mean loss's 1/N is already in dlogits."""
TASK = "network.loss_and_grads"
MODULE = "network"
CAUSE = "grads['b3'] is the first gradient that disagrees"


def loss_and_grads(X, y, params):
    logits, c = _forward(X, params)
    loss = losses.cross_entropy(logits, y)
    grads = {}
    dlogits = backprop.cross_entropy_backward(logits, y)
    da3, grads["W4"], grads["b4"] = backprop.linear_backward(dlogits, c["a3"], params["W4"])
    dz3 = backprop.relu_backward(da3, c["z3"])
    dflat, grads["W3"], _ = backprop.linear_backward(dz3, c["flat"], params["W3"])
    grads["b3"] = dz3.mean(axis=0)
    dp2 = dflat.reshape(c["p2"].shape)
    da2 = backprop.max_pool2d_backward(dp2, c["a2"], 2)
    dz2 = backprop.relu_backward(da2, c["z2"])
    dp1, grads["W2"], grads["b2"] = backprop.conv2d_backward(dz2, c["p1"], params["W2"], padding=1)
    da1 = backprop.max_pool2d_backward(dp1, c["a1"], 2)
    dz1 = backprop.relu_backward(da1, c["z1"])
    _, grads["W1"], grads["b1"] = backprop.conv2d_backward(dz1, c["X"], params["W1"], padding=1)
    return loss, grads
