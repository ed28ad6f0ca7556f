"""Gradient-descent optimizers with PyTorch's update rules and defaults.

Each optimizer holds a list of parameter arrays and updates them IN PLACE
on every `step(grads)` (`grads` is a list aligned with the parameters):
`p -= lr * g` changes the caller's array, `self.params[i] = p - lr * g`
would only rebind a name and leave the caller's array as it was. The
gradients are never modified: anything derived from them is a new array.
State (momentum buffers, squared-gradient averages, the step count) lives
in the optimizer: one zero buffer per parameter, created with the optimizer
(zeros_like: the parameter's shape, dtype and device).

Where the lecture slides differ from PyTorch (the contract follows PyTorch):

- eps sits OUTSIDE the square root, sqrt(v) + eps, in Adagrad, RMSprop and
  Adam; lecture 000 writes [eps + sum g^2]^(-1/2) and lecture 004's
  RMSprop sqrt(eps + r) (lecture 004's AdaGrad and Adam have it outside).
- RMSprop and Adam average the squared CURRENT gradient,
  v = alpha*v + (1 - alpha)*g^2; lecture 000 feeds them the running sum of
  all past squared gradients.
- Adam counts steps from t = 1 and divides m and v by 1 - b1**t and
  1 - b2**t (bias correction); lecture 000 has no correction, lecture 004
  divides by 1 - b1 and 1 - b2 without the power t (right only at t = 1).
- SGD momentum is buf = momentum*buf + g, p -= lr*buf; lecture 004 writes
  V <- gamma*V - alpha*g, W <- W + V. With a constant lr the two agree
  (V = -lr*buf); they differ when lr changes between steps. Neither scales
  g by (1 - momentum) (PyTorch's dampening=0).
- weight_decay adds weight_decay * p to the gradient before anything else
  (L2 regularization; for Adam this is not AdamW's decoupled decay).
"""
from .xp import array_namespace


def _zeros_like(params):
    """One zero buffer per parameter, of its shape, dtype and device."""
    return [array_namespace(p).zeros_like(p) for p in params]


def _decayed(p, g, weight_decay):
    """g + weight_decay * p (a new array), or g itself when there is no decay."""
    return g + weight_decay * p if weight_decay != 0 else g


class SGD:
    """Stochastic gradient descent, optionally with (Nesterov) momentum.

    For each parameter p with gradient g, every step:

        g   = g + weight_decay * p               (if weight_decay != 0)
        buf = momentum * buf + g                 (if momentum != 0; buf starts at 0)
        g   = g + momentum * buf   if nesterov   else   buf
        p  -= lr * g

    Defaults are PyTorch's: lr=0.001, momentum=0, weight_decay=0,
    nesterov=False (Nesterov needs momentum > 0).

    Lecture 004 writes momentum as a velocity, V <- gamma*V - alpha*grad,
    W <- W + V: with a fixed lr this is the same update (V = -lr*buf). The
    average is NOT damped: g enters buf with weight 1, not 1 - momentum.

    Example (lecture 004): momentum 0.9, lr 0.1, gradient 1 three times:
    the steps lr * buf are 0.1, 0.19, 0.271 and p moves by -0.561.
    """

    def __init__(self, params, lr=0.001, momentum=0.0, weight_decay=0.0, nesterov=False):
        if nesterov and momentum <= 0:
            raise ValueError("Nesterov momentum needs momentum > 0")
        self.params = list(params)
        self.lr, self.momentum, self.weight_decay, self.nesterov = lr, momentum, weight_decay, nesterov
        self.buffers = _zeros_like(self.params)

    def step(self, grads):
        for p, g, buf in zip(self.params, grads, self.buffers, strict=True):
            g = _decayed(p, g, self.weight_decay)
            if self.momentum != 0:
                buf *= self.momentum
                buf += g
                g = g + self.momentum * buf if self.nesterov else buf
            p -= self.lr * g


class Adagrad:
    """Adagrad: a per-element learning rate that shrinks with the sum of
    all past squared gradients.

        g  = g + weight_decay * p                (if weight_decay != 0)
        r += g * g                               (r starts at 0)
        p -= lr * g / (sqrt(r) + eps)

    Defaults are PyTorch's: lr=0.01, eps=1e-10, weight_decay=0.

    eps is added AFTER the square root, as in lecture 004's
    alpha / (eps + sqrt(r)); lecture 000 puts it inside,
    [eps + sum of g^2]^(-1/2).

    Example: lr 0.1, eps 0, gradients 3 then 4: r = 9, then 25, and p moves
    by -0.1 * 3/3 = -0.1, then by -0.1 * 4/5 = -0.08.
    """

    def __init__(self, params, lr=0.01, eps=1e-10, weight_decay=0.0):
        self.params = list(params)
        self.lr, self.eps, self.weight_decay = lr, eps, weight_decay
        self.sums = _zeros_like(self.params)

    def step(self, grads):
        for p, g, r in zip(self.params, grads, self.sums, strict=True):
            xp = array_namespace(p)
            g = _decayed(p, g, self.weight_decay)
            r += g * g
            p -= self.lr * g / (xp.sqrt(r) + self.eps)


class RMSprop:
    """RMSprop: Adagrad with an exponential moving average of the squared
    gradients instead of their sum, optionally with momentum.

        g   = g + weight_decay * p               (if weight_decay != 0)
        v   = alpha * v + (1 - alpha) * g * g    (v starts at 0)
        d   = g / (sqrt(v) + eps)
        buf = momentum * buf + d;  p -= lr * buf (if momentum != 0; buf starts at 0)
        p  -= lr * d                             (otherwise)

    Defaults are PyTorch's: lr=0.01, alpha=0.99, eps=1e-8, momentum=0,
    weight_decay=0.

    Lecture 004 writes r <- rho r + (1 - rho) g^2 (rho is PyTorch's alpha)
    with eps INSIDE the root, sqrt(eps + r); lecture 000 averages the running
    SUM of past squared gradients. PyTorch averages g^2 itself and adds eps
    after the root.

    Example: alpha 0.99, eps 0, one step: v = 0.01 g^2, so every element
    moves by lr * g / sqrt(0.01 g^2) = 10 lr against the sign of its gradient.
    """

    def __init__(self, params, lr=0.01, alpha=0.99, eps=1e-8, momentum=0.0, weight_decay=0.0):
        self.params = list(params)
        self.lr, self.alpha, self.eps = lr, alpha, eps
        self.momentum, self.weight_decay = momentum, weight_decay
        self.averages = _zeros_like(self.params)
        self.buffers = _zeros_like(self.params)

    def step(self, grads):
        for p, g, v, buf in zip(self.params, grads, self.averages, self.buffers, strict=True):
            xp = array_namespace(p)
            g = _decayed(p, g, self.weight_decay)
            v *= self.alpha
            v += (1 - self.alpha) * (g * g)
            d = g / (xp.sqrt(v) + self.eps)
            if self.momentum != 0:
                buf *= self.momentum
                buf += d
                d = buf
            p -= self.lr * d


class Adam:
    """Adam: momentum (a moving average m of the gradients) with RMSprop's
    per-element scaling (a moving average v of the squared gradients), both
    bias-corrected.

        t += 1                                   (t counts steps: 1 on the first)
        g  = g + weight_decay * p                (if weight_decay != 0)
        m  = b1 * m + (1 - b1) * g               (m, v start at 0)
        v  = b2 * v + (1 - b2) * g * g
        m_hat = m / (1 - b1**t);   v_hat = v / (1 - b2**t)
        p -= lr * m_hat / (sqrt(v_hat) + eps)

    Defaults are PyTorch's: lr=0.001, betas=(b1, b2)=(0.9, 0.999),
    eps=1e-8, weight_decay=0 (L2 added to the gradient, not AdamW).

    The bias correction undoes the zero start of m and v: on the first step
    m_hat = g and v_hat = g^2, so every element moves by about lr. Lecture
    000 leaves it out (and averages the sum of past squared gradients);
    lecture 004 divides by 1 - rho1 and 1 - rho2 without the power t,
    which is right on the first step only. A counter starting at t = 0
    divides by 1 - b1**0 = 0.
    """

    def __init__(self, params, lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        self.params = list(params)
        self.lr, self.eps, self.weight_decay = lr, eps, weight_decay
        self.betas = (float(betas[0]), float(betas[1]))
        self.t = 0
        self.m = _zeros_like(self.params)
        self.v = _zeros_like(self.params)

    def step(self, grads):
        self.t += 1
        b1, b2 = self.betas
        c1, c2 = 1 - b1 ** self.t, 1 - b2 ** self.t
        for p, g, m, v in zip(self.params, grads, self.m, self.v, strict=True):
            xp = array_namespace(p)
            g = _decayed(p, g, self.weight_decay)
            m *= b1
            m += (1 - b1) * g
            v *= b2
            v += (1 - b2) * (g * g)
            p -= self.lr * (m / c1) / (xp.sqrt(v / c2) + self.eps)


def annealed_lr(alpha, eps, t):
    """The annealing schedule of lecture 004:  alpha(t) = alpha / (eps + t).

    alpha and eps are positive constants, t the iteration count (0, 1, ...).
    It starts at alpha(0) = alpha / eps and decays to 0 like alpha / t.
    Returns a float.

    Example: alpha = 0.1, eps = 0.5: alpha(0) = 0.2; alpha = 1, eps = 1: alpha(9) = 0.1.
    """
    return float(alpha) / (float(eps) + t)
