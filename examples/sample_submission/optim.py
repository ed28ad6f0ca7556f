"""Optimizers: each step updates the parameter arrays in place."""
import numpy as np


class SGD:
    def __init__(self, params, lr=0.001, momentum=0.0, weight_decay=0.0, nesterov=False):
        self.params = list(params)
        self.lr = lr
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.nesterov = nesterov
        self.velocity = [np.zeros_like(p) for p in self.params]

    def step(self, grads):
        for p, g, buf in zip(self.params, grads, self.velocity):
            g = g + self.weight_decay * p
            if self.momentum:
                buf *= self.momentum
                buf += g
                g = g + self.momentum * buf if self.nesterov else buf
            p -= self.lr * g


class Adagrad:
    def __init__(self, params, lr=0.01, eps=1e-10, weight_decay=0.0):
        self.params = list(params)
        self.lr = lr
        self.eps = eps
        self.weight_decay = weight_decay
        self.cache = [np.zeros_like(p) for p in self.params]

    def step(self, grads):
        for p, g, cache in zip(self.params, grads, self.cache):
            g = g + self.weight_decay * p
            cache += g ** 2
            p -= self.lr * g / (np.sqrt(cache) + self.eps)


class RMSprop:
    def __init__(self, params, lr=0.01, alpha=0.99, eps=1e-8, momentum=0.0, weight_decay=0.0):
        self.params = list(params)
        self.lr = lr
        self.alpha = alpha
        self.eps = eps
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.cache = [np.zeros_like(p) for p in self.params]
        self.velocity = [np.zeros_like(p) for p in self.params]

    def step(self, grads):
        for p, g, cache, buf in zip(self.params, grads, self.cache, self.velocity):
            g = g + self.weight_decay * p
            cache *= self.alpha
            cache += (1 - self.alpha) * g ** 2
            update = g / (np.sqrt(cache) + self.eps)
            if self.momentum:
                buf *= self.momentum
                buf += update
                update = buf
            p -= self.lr * update


class Adam:
    def __init__(self, params, lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        self.params = list(params)
        self.lr = lr
        self.beta1, self.beta2 = betas
        self.eps = eps
        self.weight_decay = weight_decay
        self.m = [np.zeros_like(p) for p in self.params]
        self.v = [np.zeros_like(p) for p in self.params]

    def step(self, grads):
        for p, g, m, v in zip(self.params, grads, self.m, self.v):
            g = g + self.weight_decay * p
            m *= self.beta1
            m += (1 - self.beta1) * g
            v *= self.beta2
            v += (1 - self.beta2) * g ** 2
            p -= self.lr * m / (np.sqrt(v) + self.eps)


def annealed_lr(alpha, eps, t):
    return alpha / (eps + t)
