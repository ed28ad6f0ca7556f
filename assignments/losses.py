"""Softmax, log-softmax and the cross-entropy loss.

Shapes: softmax and log_softmax take any array and work along `axis`;
cross_entropy takes logits (N, K) (N samples, K classes) and a target that
is either class indices (N,) or probabilities (N, K).
Results keep the input's floating dtype (float32 in, float32 out).
You may use NumPy; not PyTorch, SciPy (scipy.special.softmax, logsumexp)
or any other library that computes these for you.

The one trick you need: softmax does not change when the same number is
subtracted from every score, so subtract the maximum first. Then every
exp() is at most 1 and nothing overflows, even for scores of 1e4
(np.exp(710.0) is already inf).
"""


def softmax(z, axis=-1):
    """Softmax of the scores `z` along `axis`.

        softmax(z)_j = exp(z_j) / sum_l exp(z_l)
                     = exp(z_j - m) / sum_l exp(z_l - m),   m = max_l z_l

    Returns an array of the shape and dtype of `z`; along `axis` its entries
    are positive and sum to 1. `axis` may be any axis, negative ones too
    (use keepdims=True in the reductions so that broadcasting lines up).
    Must stay finite for |z| up to 1e4.

    Worked examples (lectures 002 and 004):
        softmax(np.log([[0.66, 0.24, 0.10]]))  -> [[0.66, 0.24, 0.10]]
        softmax(np.array([[1.0, 2.0, 3.0]]))   -> [[0.0900, 0.2447, 0.6652]]
        softmax(np.array([[1e4, 0.0, -1e4]]))  -> [[1.0, 0.0, 0.0]]   (no overflow)
    """
    # YOUR CODE HERE
    raise NotImplementedError("losses.softmax is not implemented yet")


def log_softmax(z, axis=-1):
    """The logarithm of softmax(z) along `axis`, computed stably.

        log_softmax(z)_j = z_j - m - log(sum_l exp(z_l - m)),   m = max_l z_l

    (the log-sum-exp trick). Returns an array of the shape and dtype of `z`.
    Do not compute np.log(softmax(z)): where a probability underflows to 0
    that gives -inf, while the true value is finite.

    Worked examples (lecture 004's probabilities):
        log_softmax(np.log([[0.66, 0.24, 0.10]])) -> [[-0.4155, -1.4271, -2.3026]]
        log_softmax(np.array([[1e4, 0.0]]))       -> [[0.0, -1e4]]    (not -inf)
    """
    # YOUR CODE HERE
    raise NotImplementedError("losses.log_softmax is not implemented yet")


def cross_entropy(logits, target, reduction="mean"):
    """Cross-entropy loss of the softmax of `logits` (N, K) against `target`.

        loss_n = -sum_k y[n, k] * log_softmax(logits_n)_k        (natural log)

    target: either class indices, an integer array (N,) with values in
    [0, K): then y is one-hot, y[n, k] = 1 if k == target[n] else 0, and
    loss_n = -log_softmax(logits_n)[target[n]]; or probabilities, a float
    array (N, K) whose rows sum to 1, used as y directly.
    Hint: (np.arange(K)[None, :] == target[:, None]) is the one-hot matrix.

    reduction:
        "mean"  sum_n loss_n / N   (divide by N, not N*K, for both kinds of target)
        "sum"   sum_n loss_n
        "none"  the (N,) array of loss_n
    "mean" and "sum" return a scalar (a NumPy float or 0-d array) of the
    logits' dtype. Must stay finite for |logits| up to 1e4.

    Worked example (lecture 004): predicted probabilities [0.66, 0.24, 0.10],
    i.e. logits = np.log([[0.66, 0.24, 0.10]]):
        true class 0 (dog):  -ln 0.66 = 0.4155
        true class 2 (bird): -ln 0.10 = 2.3026
    The slide prints 0.6 and 3.32: it uses log2 (bits). This function, like
    PyTorch's F.cross_entropy, uses the natural log (nats):
    0.6 bits = 0.4155 / ln 2.
    """
    # YOUR CODE HERE
    raise NotImplementedError("losses.cross_entropy is not implemented yet")
