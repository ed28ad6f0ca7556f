"""The capstone network, built from the other modules of this submission."""
import numpy as np

from . import backprop, conv, losses, optim, pooling

SHAPES = {"W1": (16, 1, 3, 3), "b1": (16,), "W2": (32, 16, 3, 3), "b2": (32,),
          "W3": (128, 64), "b3": (64,), "W4": (64, 10), "b4": (10,)}


def init_params(seed=0):
    rng = np.random.default_rng(seed)
    params = {}
    for name, shape in SHAPES.items():
        if name.startswith("W"):
            fan_in = int(np.prod(shape[1:])) if len(shape) == 4 else shape[0]
            params[name] = rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)
        else:
            params[name] = np.zeros(shape)
    return params


def _forward(X, params):
    c = {"X": X}
    c["z1"] = conv.conv2d(X, params["W1"], params["b1"], padding=1)
    c["a1"] = backprop.relu(c["z1"])
    c["p1"] = pooling.max_pool2d(c["a1"], 2, stride=2)
    c["z2"] = conv.conv2d(c["p1"], params["W2"], params["b2"], padding=1)
    c["a2"] = backprop.relu(c["z2"])
    c["p2"] = pooling.max_pool2d(c["a2"], 2, stride=2)
    c["flat"] = c["p2"].reshape(X.shape[0], -1)
    c["z3"] = backprop.linear(c["flat"], params["W3"], params["b3"])
    c["a3"] = backprop.relu(c["z3"])
    return backprop.linear(c["a3"], params["W4"], params["b4"]), c


def forward(X, params):
    return _forward(X, params)[0]


def loss_and_grads(X, y, params):
    logits, c = _forward(X, params)
    g = {}
    dlogits = backprop.cross_entropy_backward(logits, y)
    da3, g["W4"], g["b4"] = backprop.linear_backward(dlogits, c["a3"], params["W4"])
    dz3 = backprop.relu_backward(da3, c["z3"])
    dflat, g["W3"], g["b3"] = backprop.linear_backward(dz3, c["flat"], params["W3"])
    da2 = backprop.max_pool2d_backward(dflat.reshape(c["p2"].shape), c["a2"], 2, stride=2)
    dz2 = backprop.relu_backward(da2, c["z2"])
    dp1, g["W2"], g["b2"] = backprop.conv2d_backward(dz2, c["p1"], params["W2"], padding=1)
    da1 = backprop.max_pool2d_backward(dp1, c["a1"], 2, stride=2)
    dz1 = backprop.relu_backward(da1, c["z1"])
    _, g["W1"], g["b1"] = backprop.conv2d_backward(dz1, X, params["W1"], padding=1)
    return losses.cross_entropy(logits, y), g


def predict(X, params):
    return np.argmax(forward(X, params), axis=1)


def train(X, y, epochs=10, batch_size=32, lr=1e-3, seed=0):
    params = init_params(seed)
    names = list(params)
    opt = optim.Adam([params[k] for k in names], lr=lr)
    rng = np.random.default_rng(seed)
    history = []
    for epoch in range(epochs):
        order = rng.permutation(len(X))
        total, correct = 0.0, 0
        for i in range(0, len(X), batch_size):
            idx = order[i:i + batch_size]
            logits = forward(X[idx], params)
            correct += int(np.sum(np.argmax(logits, axis=1) == y[idx]))
            loss, grads = loss_and_grads(X[idx], y[idx], params)
            total += float(loss) * len(idx)
            opt.step([grads[k] for k in names])
        history.append({"loss": total / len(X), "accuracy": correct / len(X)})
    return params, history
