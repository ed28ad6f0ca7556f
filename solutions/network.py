"""The capstone: the lectures' convnet, built from this package's own layers.

The hands-on part of the lectures trains a small convnet on handwritten
digits. Here it is assembled from the functions of the other modules, with
a fixed architecture (so that it can be compared with PyTorch):

    X (N, 1, 8, 8)
    conv 3x3, pad 1, W1 (16, 1, 3, 3) + b1 -> ReLU -> max-pool 2   (N, 16, 4, 4)
    conv 3x3, pad 1, W2 (32, 16, 3, 3) + b2 -> ReLU -> max-pool 2  (N, 32, 2, 2)
    flatten (C, H, W order)                                        (N, 128)
    linear W3 (128, 64) + b3 -> ReLU                               (N, 64)
    linear W4 (64, 10) + b4                                        logits (N, 10)
    loss = mean cross-entropy of softmax(logits) against the labels

The backward pass is the forward pass read backwards, one backward function
per layer, each fed the gradient of the layer after it:

    dlogits = (softmax(logits) - onehot(y)) / N
    da3, dW4, db4 = linear_backward(dlogits, a3, W4)
    dz3 = relu_backward(da3, z3)
    dflat, dW3, db3 = linear_backward(dz3, flat, W3)
    dp2 = dflat.reshape(p2.shape)                  (undo the flatten)
    da2 = max_pool2d_backward(dp2, a2, 2);  dz2 = relu_backward(da2, z2)
    dp1, dW2, db2 = conv2d_backward(dz2, p1, W2, padding=1)
    da1 = max_pool2d_backward(dp1, a1, 2);  dz1 = relu_backward(da1, z1)
    _, dW1, db1 = conv2d_backward(dz1, X, W1, padding=1)

Training is minibatch gradient descent with Adam: every epoch visits the
training images once in a fresh random order, in batches of `batch_size`.
"""
import sys

import numpy as np

from . import backprop, conv, losses, optim, pooling
from .xp import array_namespace, device

#: name -> shape of every parameter, in forward order
SHAPES = {
    "W1": (16, 1, 3, 3), "b1": (16,),
    "W2": (32, 16, 3, 3), "b2": (32,),
    "W3": (128, 64), "b3": (64,),
    "W4": (64, 10), "b4": (10,),
}

#: inputs that feed each weight (fan-in): C_in * KH * KW, or D_in
FAN_IN = {"W1": 1 * 3 * 3, "W2": 16 * 3 * 3, "W3": 128, "W4": 64}


def init_params(seed=0):
    """He (Kaiming) initialisation for the layers followed by a ReLU,
    LeCun for the linear output layer, zero biases:

        W1, W2, W3 ~ Normal(0, std = sqrt(2 / fan_in)),   W4 ~ Normal(0, std = sqrt(1 / fan_in)),
        b = 0

    fan_in is the number of inputs one output sums over (C_in * 3 * 3 for
    the convolutions, D_in for the dense layers). A ReLU zeroes half of its
    inputs, and the factor 2 makes up for it: the variance of the
    activations stays about the same from layer to layer, so the network
    trains from the first step. The output layer has no ReLU after it (factor
    1): the first logits are small and the first loss is close to ln 10.
    The same seed gives the same parameters (a NumPy Generator seeded with
    `seed`). Returns a dict of float64 arrays with the keys and shapes of
    SHAPES.
    """
    rng = np.random.default_rng(seed)
    params = {}
    for name, shape in SHAPES.items():
        if name.startswith("W"):
            gain = 1.0 if name == "W4" else 2.0
            params[name] = rng.standard_normal(shape) * np.sqrt(gain / FAN_IN[name])
        else:
            params[name] = np.zeros(shape)
    return params


def _forward(X, params):
    """logits and every intermediate value the backward pass needs."""
    z1 = conv.conv2d(X, params["W1"], params["b1"], padding=1)
    a1 = backprop.relu(z1)
    p1 = pooling.max_pool2d(a1, 2)
    z2 = conv.conv2d(p1, params["W2"], params["b2"], padding=1)
    a2 = backprop.relu(z2)
    p2 = pooling.max_pool2d(a2, 2)
    flat = p2.reshape(p2.shape[0], -1)              # (N, 32*2*2), C-H-W order
    z3 = backprop.linear(flat, params["W3"], params["b3"])
    a3 = backprop.relu(z3)
    logits = backprop.linear(a3, params["W4"], params["b4"])
    cache = dict(X=X, z1=z1, a1=a1, p1=p1, z2=z2, a2=a2, p2=p2, flat=flat, z3=z3, a3=a3)
    return logits, cache


def forward(X, params):
    """Logits (N, 10) of the images X (N, 1, 8, 8):

        conv(W1, b1, pad 1) -> ReLU -> max-pool 2 -> conv(W2, b2, pad 1) -> ReLU
        -> max-pool 2 -> flatten -> X @ W3 + b3 -> ReLU -> @ W4 + b4
    """
    return _forward(X, params)[0]


def _backward(dlogits, params, cache):
    """Gradients of every parameter, given dL/dlogits: each layer's
    backward function, in reverse order of the forward pass."""
    c = cache
    grads = {}
    da3, grads["W4"], grads["b4"] = backprop.linear_backward(dlogits, c["a3"], params["W4"])
    dz3 = backprop.relu_backward(da3, c["z3"])
    dflat, grads["W3"], grads["b3"] = backprop.linear_backward(dz3, c["flat"], params["W3"])
    dp2 = dflat.reshape(c["p2"].shape)              # undo the flatten
    da2 = backprop.max_pool2d_backward(dp2, c["a2"], 2)
    dz2 = backprop.relu_backward(da2, c["z2"])
    dp1, grads["W2"], grads["b2"] = backprop.conv2d_backward(dz2, c["p1"], params["W2"], padding=1)
    da1 = backprop.max_pool2d_backward(dp1, c["a1"], 2)
    dz1 = backprop.relu_backward(da1, c["z1"])
    _, grads["W1"], grads["b1"] = backprop.conv2d_backward(dz1, c["X"], params["W1"], padding=1)
    return {name: grads[name] for name in SHAPES}


def loss_and_grads(X, y, params):
    """(loss, grads): the mean cross-entropy of forward(X, params) against
    the class indices y (N,), and its gradient with respect to every
    parameter (a dict with the keys and shapes of `params`).

        loss = (1/N) sum_n -log softmax(logits_n)[y_n]
        dL/dlogits = (softmax(logits) - onehot(y)) / N, then backwards layer by layer
    """
    logits, cache = _forward(X, params)
    loss = losses.cross_entropy(logits, y)
    grads = _backward(backprop.cross_entropy_backward(logits, y), params, cache)
    return loss, grads


def predict(X, params):
    """Class indices (N,): the index of the largest logit of each image."""
    logits = forward(X, params)
    return array_namespace(logits).argmax(logits, axis=1)


def train(X, y, epochs=10, batch_size=32, lr=1e-3, seed=0, callback=None):
    """Minibatch training with Adam(lr) from init_params(seed).

    Each epoch shuffles the N training images (a Generator seeded with
    `seed`), then for every batch of `batch_size` images: forward, loss,
    backward, one Adam step on all eight parameters. Returns (params,
    history); history[e] = {"loss": mean training loss of epoch e,
    "accuracy": fraction of the epoch's images classified right}, both
    measured on each batch before its update. `callback(epoch, params)`,
    when given, runs after every epoch.
    """
    xp = array_namespace(X)
    params = {name: xp.asarray(p, dtype=X.dtype, device=device(X))
              for name, p in init_params(seed).items()}
    names = list(params)
    opt = optim.Adam([params[name] for name in names], lr=lr)
    rng = np.random.default_rng(seed)
    n = X.shape[0]
    history = []
    for epoch in range(epochs):
        order = rng.permutation(n)
        total_loss, correct = 0.0, 0
        for start in range(0, n, batch_size):
            batch = order[start:start + batch_size]
            xb, yb = X[batch], y[batch]
            logits, cache = _forward(xb, params)
            total_loss += float(losses.cross_entropy(logits, yb)) * len(batch)
            correct += int(xp.sum(xp.argmax(logits, axis=1) == yb))
            grads = _backward(backprop.cross_entropy_backward(logits, yb), params, cache)
            opt.step([grads[name] for name in names])
        history.append({"loss": total_loss / n, "accuracy": correct / n})
        if callback is not None:
            callback(epoch, params)
    return params, history


if __name__ == "__main__":  # python -m solutions.network [--epochs 10] [--out curves.png]
    from cnn_checks.demo import main
    main(sys.modules[__name__])
