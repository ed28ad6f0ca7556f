"""The capstone network from my own layers, with plain loops where a loop
says what happens (the layers themselves loop over every position)."""
import numpy as np

from . import backprop, conv, losses, optim, pooling

SHAPES = {"W1": (16, 1, 3, 3), "b1": (16,), "W2": (32, 16, 3, 3), "b2": (32,),
          "W3": (128, 64), "b3": (64,), "W4": (64, 10), "b4": (10,)}
FAN_IN = {"W1": 9, "W2": 144, "W3": 128, "W4": 64}


def init_params(seed=0):
    """He initialisation: W ~ N(0, 2 / fan_in), b = 0."""
    rng = np.random.default_rng(seed)
    params = {}
    for name, shape in SHAPES.items():
        if name[0] == "W":
            params[name] = rng.normal(0.0, np.sqrt(2.0 / FAN_IN[name]), size=shape)
        else:
            params[name] = np.zeros(shape)
    return params


def flatten(p):
    """(N, C, H, W) -> (N, C*H*W), channel first, then row, then column."""
    N, C, H, W = p.shape
    flat = np.zeros((N, C * H * W), dtype=p.dtype)
    for n in range(N):
        k = 0
        for c in range(C):
            for i in range(H):
                for j in range(W):
                    flat[n, k] = p[n, c, i, j]
                    k += 1
    return flat


def unflatten(flat, shape):
    """The inverse of flatten."""
    N, C, H, W = shape
    p = np.zeros(shape, dtype=flat.dtype)
    for n in range(N):
        k = 0
        for c in range(C):
            for i in range(H):
                for j in range(W):
                    p[n, c, i, j] = flat[n, k]
                    k += 1
    return p


def forward_all(X, params):
    """Every value of the forward pass, by name."""
    v = {"X": X}
    v["z1"] = conv.conv2d(X, params["W1"], params["b1"], padding=1)
    v["a1"] = backprop.relu(v["z1"])
    v["p1"] = pooling.max_pool2d(v["a1"], 2)
    v["z2"] = conv.conv2d(v["p1"], params["W2"], params["b2"], padding=1)
    v["a2"] = backprop.relu(v["z2"])
    v["p2"] = pooling.max_pool2d(v["a2"], 2)
    v["flat"] = flatten(v["p2"])
    v["z3"] = backprop.linear(v["flat"], params["W3"], params["b3"])
    v["a3"] = backprop.relu(v["z3"])
    v["logits"] = backprop.linear(v["a3"], params["W4"], params["b4"])
    return v


def forward(X, params):
    return forward_all(X, params)["logits"]


def loss_and_grads(X, y, params):
    v = forward_all(X, params)
    loss = losses.cross_entropy(v["logits"], y)
    g = {}
    dlogits = backprop.cross_entropy_backward(v["logits"], y)
    da3, g["W4"], g["b4"] = backprop.linear_backward(dlogits, v["a3"], params["W4"])
    dz3 = backprop.relu_backward(da3, v["z3"])
    dflat, g["W3"], g["b3"] = backprop.linear_backward(dz3, v["flat"], params["W3"])
    dp2 = unflatten(dflat, v["p2"].shape)
    da2 = backprop.max_pool2d_backward(dp2, v["a2"], 2)
    dz2 = backprop.relu_backward(da2, v["z2"])
    dp1, g["W2"], g["b2"] = backprop.conv2d_backward(dz2, v["p1"], params["W2"], padding=1)
    da1 = backprop.max_pool2d_backward(dp1, v["a1"], 2)
    dz1 = backprop.relu_backward(da1, v["z1"])
    _, g["W1"], g["b1"] = backprop.conv2d_backward(dz1, X, params["W1"], padding=1)
    return loss, {name: g[name] for name in SHAPES}


def predict(X, params):
    logits = forward(X, params)
    classes = np.zeros(logits.shape[0], dtype=np.int64)
    for n in range(logits.shape[0]):
        best = 0
        for k in range(1, logits.shape[1]):
            if logits[n, k] > logits[n, best]:
                best = k
        classes[n] = best
    return classes


def train(X, y, epochs=10, batch_size=32, lr=1e-3, seed=0):
    params = init_params(seed)
    names = list(SHAPES)
    opt = optim.Adam([params[name] for name in names], lr=lr)
    rng = np.random.default_rng(seed)
    N = X.shape[0]
    history = []
    for epoch in range(epochs):
        order = rng.permutation(N)
        total, correct = 0.0, 0
        for start in range(0, N, batch_size):
            batch = order[start:start + batch_size]
            loss, grads = loss_and_grads(X[batch], y[batch], params)
            total += float(loss) * len(batch)
            opt.step([grads[name] for name in names])
        for n in range(N):  # training accuracy after the epoch
            if predict(X[n:n + 1], params)[0] == y[n]:
                correct += 1
        history.append({"loss": total / N, "accuracy": correct / N})
    return params, history
