"""Softmax, log-softmax and the cross-entropy loss, numerically stable.

The one idea used throughout: softmax does not change when the same number
is subtracted from every score,

    softmax(z)_j = exp(z_j) / sum_l exp(z_l) = exp(z_j - m) / sum_l exp(z_l - m),

and with m = max z every exp(z_l - m) lies in (0, 1]: nothing overflows, and
the largest term is exactly 1, so the sum never underflows to 0 either.
Taking logs gives the log-sum-exp trick

    log_softmax(z)_j = z_j - m - log(sum_l exp(z_l - m)),

which stays finite even where softmax(z)_j itself underflows to 0.
"""
from .xp import array_namespace, device

REDUCTIONS = ("mean", "sum", "none")


def softmax(z, axis=-1):
    """exp(z) / sum(exp(z)) along `axis`: positive entries that sum to 1.

        softmax(z)_j = exp(z_j - m) / sum_l exp(z_l - m),   m = max_l z_l

    Same shape and dtype as `z`. Subtracting the maximum first keeps it
    finite for |z| up to 1e4 (exp(710) already overflows float64).

    Example (lecture 004): z = ln [0.66, 0.24, 0.10] -> [0.66, 0.24, 0.10];
    z = [1, 2, 3] -> [0.0900, 0.2447, 0.6652].
    """
    xp = array_namespace(z)
    e = xp.exp(z - xp.max(z, axis=axis, keepdims=True))
    return e / xp.sum(e, axis=axis, keepdims=True)


def log_softmax(z, axis=-1):
    """log(softmax(z)) along `axis`, by the log-sum-exp trick:

        log_softmax(z)_j = z_j - m - log(sum_l exp(z_l - m)),   m = max_l z_l

    Same shape and dtype as `z`. Unlike log(softmax(z)) it never takes
    log(0): for z = [1e4, 0] it gives [0, -1e4], not [0, -inf].

    Example (lecture 004): z = ln [0.66, 0.24, 0.10] -> [-0.4155, -1.4271, -2.3026].
    """
    xp = array_namespace(z)
    shifted = z - xp.max(z, axis=axis, keepdims=True)
    return shifted - xp.log(xp.sum(xp.exp(shifted), axis=axis, keepdims=True))


def cross_entropy(logits, target, reduction="mean"):
    """Cross-entropy of the softmax of `logits` (N, K) against `target`, natural log.

        loss_n = -sum_k y[n, k] * log_softmax(logits_n)_k

    `target` is either class indices (N,) (integers in [0, K)), whose
    one-hot rows y[n, k] = (k == target[n]) reduce this to
    loss_n = -log_softmax(logits_n)[target[n]], or probabilities (N, K) with
    rows summing to 1, used as y directly. One formula serves both.

    reduction: "mean" -> sum_n loss_n / N (N, not N*K, for both kinds of
    target: PyTorch's F.cross_entropy), "sum" -> sum_n loss_n, both scalars
    of the logits' dtype; "none" -> the (N,) vector of loss_n.

    Lecture 004 computes the same loss in bits (log2): for predicted
    probabilities [0.66, 0.24, 0.10] it gets -log2 0.66 = 0.6 for class 0
    and -log2 0.10 = 3.32 for class 2. In nats (natural log, the contract
    and PyTorch) these are -ln 0.66 = 0.4155 and -ln 0.10 = 2.3026.
    """
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")
    xp = array_namespace(logits, target)
    y = target_distribution(target, logits)
    losses = -xp.sum(y * log_softmax(logits, axis=-1), axis=-1)
    if reduction == "none":
        return losses
    total = xp.sum(losses)
    return total / logits.shape[0] if reduction == "mean" else total


def target_distribution(target, logits):
    """The target as a distribution y (N, K) over the K classes, in the
    logits' dtype:

        y[n, k] = 1 if k == target[n] else 0     for class indices (N,)
        y[n, k] = target[n, k]                   for probabilities (N, K)
    """
    xp = array_namespace(logits, target)
    if target.ndim == 2:
        return xp.astype(target, logits.dtype)
    classes = xp.arange(logits.shape[1], device=device(logits))
    return xp.astype(classes[None, :] == xp.astype(target, classes.dtype)[:, None], logits.dtype)
