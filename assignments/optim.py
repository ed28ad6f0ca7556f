"""Gradient-descent optimizers and a learning-rate schedule.

Each optimizer is built on a list of NumPy parameter arrays,

    opt = Adam([W1, b1, W2, b2], lr=0.01)
    opt.step([dW1, db1, dW2, db2])      # one gradient per parameter, same order

and `step(grads)` updates the parameter arrays IN PLACE:

    p -= lr * g                  # right: changes the caller's array
    self.params[i] = p - lr * g  # wrong: only rebinds a name; W1 stays as it was

Never modify the gradients handed to step() (compute g + wd * p into a new
array). Keep per-parameter state (momentum buffers, averages of squared
gradients) in the optimizer, created with np.zeros_like(p), and keep it
across calls of step(). float32 parameters must stay float32.

The update rules, hyper-parameter names and defaults are exactly PyTorch's
(torch.optim). The lecture slides differ in places; each docstring says
where. You may use NumPy; not PyTorch.
"""


class SGD:
    """Stochastic gradient descent, with optional (Nesterov) momentum.

    Every step, for each parameter p with gradient g:

        g   = g + weight_decay * p                 (only if weight_decay != 0)
        buf = momentum * buf + g                   (only if momentum != 0; buf starts at 0)
        g   = g + momentum * buf  if nesterov  else  buf      (only if momentum != 0)
        p  -= lr * g

    Defaults (PyTorch's): lr=0.001, momentum=0, weight_decay=0, nesterov=False.

    Slides vs PyTorch: lecture 004 writes momentum as a velocity,
    V <- gamma*V - alpha*grad, W <- W + V. With a fixed learning rate that is
    the same update (V = -lr * buf). Note that g enters buf with weight 1,
    not (1 - momentum).

    Worked example (lecture 000): plain SGD with lr = 0.01,
    p = [[0.5, -0.2], [0.1, 0.4]], g = [[1, -2], [0.5, 0]] -> [[0.49, -0.18], [0.095, 0.4]].
    Worked example (lecture 004): momentum 0.9, lr 0.1, gradient 1 three
    times: the steps lr * buf are 0.1, 0.19, 0.271 and p moves by -0.561.
    """

    def __init__(self, params, lr=0.001, momentum=0.0, weight_decay=0.0, nesterov=False):
        self.params = list(params)
        self.lr = lr
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.nesterov = nesterov
        # you may add state here (one momentum buffer per parameter)

    def step(self, grads):
        """Update every parameter in place with its gradient from `grads`."""
        # YOUR CODE HERE
        raise NotImplementedError("optim.SGD is not implemented yet")


class Adagrad:
    """Adagrad: per-element learning rates that shrink with the sum of all
    past squared gradients.

        g  = g + weight_decay * p                  (only if weight_decay != 0)
        r += g * g                                 (r starts at 0, one per parameter)
        p -= lr * g / (sqrt(r) + eps)

    Defaults (PyTorch's): lr=0.01, eps=1e-10, weight_decay=0.

    Slides vs PyTorch: eps is added AFTER the square root, as in lecture
    004 (alpha / (eps + sqrt(r))); lecture 000 puts it inside,
    [eps + sum of g^2]^(-1/2).

    Worked example: lr = 0.1, eps = 0, gradients 3 then 4 for one weight of
    value 1: r = 9 and p moves by -0.1 * 3/3 = -0.1, then r = 25 and it
    moves by -0.1 * 4/5 = -0.08: p = 0.82.
    """

    def __init__(self, params, lr=0.01, eps=1e-10, weight_decay=0.0):
        self.params = list(params)
        self.lr = lr
        self.eps = eps
        self.weight_decay = weight_decay
        # you may add state here (one running sum of squared gradients per parameter)

    def step(self, grads):
        """Update every parameter in place with its gradient from `grads`."""
        # YOUR CODE HERE
        raise NotImplementedError("optim.Adagrad is not implemented yet")


class RMSprop:
    """RMSprop: like Adagrad, but with an exponential moving average of the
    squared gradients instead of their sum; optional momentum.

        g   = g + weight_decay * p                 (only if weight_decay != 0)
        v   = alpha * v + (1 - alpha) * g * g      (v starts at 0)
        d   = g / (sqrt(v) + eps)
        with momentum != 0:  buf = momentum * buf + d  (buf starts at 0);  p -= lr * buf
        otherwise:           p -= lr * d

    Defaults (PyTorch's): lr=0.01, alpha=0.99, eps=1e-8, momentum=0, weight_decay=0.

    Slides vs PyTorch: lecture 004 writes r <- rho*r + (1 - rho)*g^2 (rho is
    alpha here) but puts eps INSIDE the root, sqrt(eps + r); lecture 000
    averages the running SUM of past squared gradients. PyTorch averages g^2
    itself and adds eps after the root.

    Worked example: alpha = 0.99, eps = 0, lr = 0.01, one step: v = 0.01 g^2,
    so every element moves by lr * g / sqrt(0.01 g^2) = 10 lr against the sign of
    its gradient: p = [1, -1], g = [2, -0.5] -> [0.9, -0.9].
    """

    def __init__(self, params, lr=0.01, alpha=0.99, eps=1e-8, momentum=0.0, weight_decay=0.0):
        self.params = list(params)
        self.lr = lr
        self.alpha = alpha
        self.eps = eps
        self.momentum = momentum
        self.weight_decay = weight_decay
        # you may add state here (averages of squared gradients, momentum buffers)

    def step(self, grads):
        """Update every parameter in place with its gradient from `grads`."""
        # YOUR CODE HERE
        raise NotImplementedError("optim.RMSprop is not implemented yet")


class Adam:
    """Adam: momentum (moving average m of the gradients) combined with
    RMSprop's scaling (moving average v of the squared gradients), both
    bias-corrected.

        t += 1                                     (the first step has t = 1)
        g  = g + weight_decay * p                  (only if weight_decay != 0)
        m  = b1 * m + (1 - b1) * g                 (m and v start at 0)
        v  = b2 * v + (1 - b2) * g * g
        m_hat = m / (1 - b1**t)
        v_hat = v / (1 - b2**t)
        p -= lr * m_hat / (sqrt(v_hat) + eps)

    Defaults (PyTorch's): lr=0.001, betas=(b1, b2)=(0.9, 0.999), eps=1e-8,
    weight_decay=0 (added to the gradient: L2, not AdamW's decoupled decay).

    Slides vs PyTorch: lecture 000 has no bias correction and averages the
    sum of past squared gradients; lecture 004 divides by (1 - rho1) and
    (1 - rho2) without the power t (right on the first step only). Both put
    eps differently; here it is added after the square root.

    Worked example: on the first step (t = 1) m_hat = g and v_hat = g^2, so
    with eps = 0 every element moves by exactly lr against the sign of its
    gradient: lr = 0.1, p = [1, -1], g = [2, -0.5] -> [0.9, -0.9].
    Without the bias correction it would move by 0.1 g / sqrt(0.001 g^2) = 3.16 lr.
    """

    def __init__(self, params, lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        self.params = list(params)
        self.lr = lr
        self.betas = betas
        self.eps = eps
        self.weight_decay = weight_decay
        # you may add state here (step count, first and second moments)

    def step(self, grads):
        """Update every parameter in place with its gradient from `grads`."""
        # YOUR CODE HERE
        raise NotImplementedError("optim.Adam is not implemented yet")


def annealed_lr(alpha, eps, t):
    """The annealing schedule of lecture 004:

        alpha(t) = alpha / (eps + t)

    alpha and eps are positive constants, t is the iteration count
    (0, 1, 2, ...). The rate starts at alpha(0) = alpha / eps and decays to 0.
    Returns a float.

    Worked examples:
        annealed_lr(0.1, 0.5, 0)  -> 0.2     (alpha / eps)
        annealed_lr(1.0, 1.0, 9)  -> 0.1
    """
    # YOUR CODE HERE
    raise NotImplementedError("optim.annealed_lr is not implemented yet")
