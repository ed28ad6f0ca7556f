"""train gives the optimizer only the four weight matrices, so the biases
never move from their initial zeros."""
import numpy as np

TASK = "network.train"
MODULE = "network"


def train(X, y, epochs=10, batch_size=32, lr=1e-3, seed=0, callback=None):
    params = init_params(seed)
    weights = ["W1", "W2", "W3", "W4"]
    opt = optim.Adam([params[name] for name in weights], lr=lr)
    rng = np.random.default_rng(seed)
    n = X.shape[0]
    history = []
    for epoch in range(epochs):
        order = rng.permutation(n)
        total_loss, correct = 0.0, 0
        for start in range(0, n, batch_size):
            batch = order[start:start + batch_size]
            logits, cache = _forward(X[batch], params)
            total_loss += float(losses.cross_entropy(logits, y[batch])) * len(batch)
            correct += int(np.sum(np.argmax(logits, axis=1) == y[batch]))
            grads = _backward(backprop.cross_entropy_backward(logits, y[batch]), params, cache)
            opt.step([grads[name] for name in weights])
        history.append({"loss": total_loss / n, "accuracy": correct / n})
    return params, history
