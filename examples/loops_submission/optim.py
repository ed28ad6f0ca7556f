"""Optimizers with PyTorch's update rules, written with loops.

Every step updates each parameter array IN PLACE, element by element
(p[idx] = ...), so the caller's arrays change; the gradients are only read.
"""
import numpy as np


class SGD:
    """g = g + weight_decay * p; buf = momentum * buf + g;
    g = g + momentum * buf if nesterov else buf; p -= lr * g."""

    def __init__(self, params, lr=0.001, momentum=0.0, weight_decay=0.0, nesterov=False):
        if nesterov and momentum <= 0:
            raise ValueError("Nesterov momentum needs momentum > 0")
        self.params = list(params)
        self.lr = lr
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.nesterov = nesterov
        self.buffers = [np.zeros_like(p) for p in self.params]

    def step(self, grads):
        for p, grad, buf in zip(self.params, grads, self.buffers):
            for idx in np.ndindex(p.shape):
                g = grad[idx] + self.weight_decay * p[idx]
                if self.momentum != 0:
                    buf[idx] = self.momentum * buf[idx] + g
                    if self.nesterov:
                        g = g + self.momentum * buf[idx]
                    else:
                        g = buf[idx]
                p[idx] = p[idx] - self.lr * g


class Adagrad:
    """g = g + weight_decay * p; r += g * g; p -= lr * g / (sqrt(r) + eps)."""

    def __init__(self, params, lr=0.01, eps=1e-10, weight_decay=0.0):
        self.params = list(params)
        self.lr = lr
        self.eps = eps
        self.weight_decay = weight_decay
        self.sums = [np.zeros_like(p) for p in self.params]

    def step(self, grads):
        for p, grad, r in zip(self.params, grads, self.sums):
            for idx in np.ndindex(p.shape):
                g = grad[idx] + self.weight_decay * p[idx]
                r[idx] = r[idx] + g * g
                p[idx] = p[idx] - self.lr * g / (np.sqrt(r[idx]) + self.eps)


class RMSprop:
    """g = g + weight_decay * p; v = alpha * v + (1 - alpha) * g * g;
    d = g / (sqrt(v) + eps); with momentum buf = momentum * buf + d and
    p -= lr * buf, otherwise p -= lr * d."""

    def __init__(self, params, lr=0.01, alpha=0.99, eps=1e-8, momentum=0.0, weight_decay=0.0):
        self.params = list(params)
        self.lr = lr
        self.alpha = alpha
        self.eps = eps
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.averages = [np.zeros_like(p) for p in self.params]
        self.buffers = [np.zeros_like(p) for p in self.params]

    def step(self, grads):
        for p, grad, v, buf in zip(self.params, grads, self.averages, self.buffers):
            for idx in np.ndindex(p.shape):
                g = grad[idx] + self.weight_decay * p[idx]
                v[idx] = self.alpha * v[idx] + (1 - self.alpha) * g * g
                d = g / (np.sqrt(v[idx]) + self.eps)
                if self.momentum != 0:
                    buf[idx] = self.momentum * buf[idx] + d
                    d = buf[idx]
                p[idx] = p[idx] - self.lr * d


class Adam:
    """t += 1; g = g + weight_decay * p; m = b1 m + (1 - b1) g;
    v = b2 v + (1 - b2) g^2; p -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)."""

    def __init__(self, params, lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        self.params = list(params)
        self.lr = lr
        self.beta1, self.beta2 = betas
        self.eps = eps
        self.weight_decay = weight_decay
        self.t = 0
        self.m = [np.zeros_like(p) for p in self.params]
        self.v = [np.zeros_like(p) for p in self.params]

    def step(self, grads):
        self.t += 1
        correction1 = 1 - self.beta1 ** self.t
        correction2 = 1 - self.beta2 ** self.t
        for p, grad, m, v in zip(self.params, grads, self.m, self.v):
            for idx in np.ndindex(p.shape):
                g = grad[idx] + self.weight_decay * p[idx]
                m[idx] = self.beta1 * m[idx] + (1 - self.beta1) * g
                v[idx] = self.beta2 * v[idx] + (1 - self.beta2) * g * g
                m_hat = m[idx] / correction1
                v_hat = v[idx] / correction2
                p[idx] = p[idx] - self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


def annealed_lr(alpha, eps, t):
    """alpha / (eps + t), as a float."""
    return float(alpha) / (float(eps) + t)
