"""Adagrad accepts weight_decay but never adds weight_decay * p to the gradient."""
import numpy as np

TASK = "optim.Adagrad"
MODULE = "optim"
CAUSE = 'weight_decay is not given'


class Adagrad:
    def __init__(self, params, lr=0.01, eps=1e-10, weight_decay=0.0):
        self.params = list(params)
        self.lr, self.eps, self.weight_decay = lr, eps, weight_decay
        self.sums = [np.zeros_like(p) for p in self.params]

    def step(self, grads):
        for p, g, r in zip(self.params, grads, self.sums):
            r += g * g
            p -= self.lr * g / (np.sqrt(r) + self.eps)
