"""The capstone: the lectures' convnet, built from your own layers.

Train a small convolutional network on scikit-learn's 8x8 handwritten
digits (1,797 images, pixels scaled to [0, 1]) with the functions you wrote
in the other modules: conv.conv2d, pooling.max_pool2d, backprop.relu and
the backward passes, losses.cross_entropy, and your optimizer. The
architecture is fixed (the grader compares it with PyTorch):

    X (N, 1, 8, 8)
    conv 3x3, padding 1: W1 (16, 1, 3, 3), b1 (16,) -> ReLU -> max-pool 2   (N, 16, 4, 4)
    conv 3x3, padding 1: W2 (32, 16, 3, 3), b2 (32,) -> ReLU -> max-pool 2  (N, 32, 2, 2)
    flatten in C, H, W order (reshape(N, -1))                              (N, 128)
    linear W3 (128, 64), b3 (64,) -> ReLU                                  (N, 64)
    linear W4 (64, 10), b4 (10,)                                           logits (N, 10)

The loss is the mean cross-entropy of the logits against the labels. The
backward pass is the forward pass read backwards: every layer's backward
function gets the gradient of the layer after it (dlogits first).

Run `python -m assignments.network` to train with the default settings: it
shows a progress bar per epoch and saves the training and validation loss
and accuracy curves as network_curves.png. You may use NumPy and your own
modules; not PyTorch, scikit-learn or any library that trains for you (the
grader hands the images to your functions).
"""
import sys

try:  # the assignments/ package, or a graded submission
    from . import backprop, conv, losses, optim, pooling
except ImportError:
    try:  # your module files side by side: python network.py
        import backprop
        import conv
        import losses
        import optim
        import pooling
    except ImportError:  # the course's notebooks: conv.ipynb, backprop.ipynb, ...
        from cnn_checks.notebook_modules import import_notebooks
        backprop, conv, losses, optim, pooling = import_notebooks(
            "backprop", "conv", "losses", "optim", "pooling")


def init_params(seed=0):
    """The network's initial parameters: a dict with exactly the keys
    W1 b1 W2 b2 W3 b3 W4 b4 and the shapes above.

    He (Kaiming) initialisation trains reliably with ReLU layers:

        W ~ Normal(0, std = sqrt(2 / fan_in)),   b = 0 (biases may be zero)

    and std = sqrt(1 / fan_in) for W4, the output layer (no ReLU after it).
    fan_in is the number of inputs one output sums over: C_in * 3 * 3 for a
    convolution (9 for W1, 144 for W2), D_in for a dense layer (128, 64).
    Draw from rng = np.random.default_rng(seed): the same seed must give
    the same parameters, two seeds different ones. float64 arrays.
    """
    # YOUR CODE HERE
    raise NotImplementedError("network.init_params is not implemented yet")


def forward(X, params):
    """Logits (N, 10) of the images X (N, 1, 8, 8):

        conv2d(X, W1, b1, padding=1) -> relu -> max_pool2d(., 2)
        -> conv2d(., W2, b2, padding=1) -> relu -> max_pool2d(., 2)
        -> reshape(N, -1) -> linear(., W3, b3) -> relu -> linear(., W4, b4)

    No softmax: the logits are the scores before it. Results keep the
    dtype of X (float32 in, float32 out).
    """
    # YOUR CODE HERE
    raise NotImplementedError("network.forward is not implemented yet")


def loss_and_grads(X, y, params):
    """(loss, grads) for the images X (N, 1, 8, 8) and class indices y (N,).

    loss: the mean cross-entropy of forward(X, params) against y (a float).
    grads: a dict with the keys and shapes of `params`, the gradient of the
    loss with respect to each parameter. Keep every intermediate value of
    the forward pass, then go backwards:

        dlogits = cross_entropy_backward(logits, y)       (already divided by N)
        da3, dW4, db4 = linear_backward(dlogits, a3, W4)
        dz3 = relu_backward(da3, z3)                      (z3: the input of that ReLU)
        dflat, dW3, db3 = linear_backward(dz3, flat, W3)
        dp2 = dflat.reshape(p2.shape)                     (undo the flatten)
        da2 = max_pool2d_backward(dp2, a2, 2)   ... and so on down to W1, b1.

    The grader checks every gradient against PyTorch's autograd and names
    the first layer, going backward, whose gradient disagrees.
    """
    # YOUR CODE HERE
    raise NotImplementedError("network.loss_and_grads is not implemented yet")


def predict(X, params):
    """Class indices (N,): the index of the largest logit of each image
    (np.argmax over axis 1)."""
    # YOUR CODE HERE
    raise NotImplementedError("network.predict is not implemented yet")


def train(X, y, epochs=10, batch_size=32, lr=1e-3, seed=0, callback=None):
    """Minibatch training from init_params(seed) with your own optimizer
    (Adam(lr=lr), or RMSprop); returns (params, history).

    Every epoch: shuffle the N training images (a generator seeded with
    `seed`), then for each batch of `batch_size` images compute
    loss_and_grads and take one optimizer step on all eight parameters
    (biases too; the optimizer updates the arrays in place).
    history: one dict per epoch with at least
        "loss"      the mean training loss of the epoch
        "accuracy"  the fraction of the epoch's training images classified right
    callback: when given, call callback(epoch, params) at the end of every
    epoch (`python -m assignments.network` uses it for its progress bar and
    validation curves; the grader does not).

    The grader trains with the defaults on a fixed training split and
    expects at least 94% accuracy on held-out images, a falling loss, and a
    run within its CPU-time budget (vectorized NumPy meets it with room to
    spare; loops over every output position do not).
    """
    # YOUR CODE HERE
    raise NotImplementedError("network.train is not implemented yet")


if __name__ == "__main__":  # python -m assignments.network [--epochs 10] [--out curves.png]
    from cnn_checks.demo import main
    main(sys.modules[__name__])
