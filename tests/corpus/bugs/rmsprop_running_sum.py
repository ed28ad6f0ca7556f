"""RMSprop averages the running sum of all past squared gradients (lecture 000)
instead of the squared current gradient."""
import numpy as np

TASK = "optim.RMSprop"
MODULE = "optim"
CAUSE = 'running sum'


class RMSprop:
    def __init__(self, params, lr=0.01, alpha=0.99, eps=1e-8, momentum=0.0, weight_decay=0.0):
        self.params = list(params)
        self.lr, self.alpha, self.eps = lr, alpha, eps
        self.momentum, self.weight_decay = momentum, weight_decay
        self.averages = [np.zeros_like(p) for p in self.params]
        self.sums = [np.zeros_like(p) for p in self.params]
        self.buffers = [np.zeros_like(p) for p in self.params]

    def step(self, grads):
        for i, (p, g) in enumerate(zip(self.params, grads)):
            g = g + self.weight_decay * p
            v = self.averages[i]
            self.sums[i] += g * g
            v *= self.alpha
            v += (1 - self.alpha) * self.sums[i]
            d = g / (np.sqrt(v) + self.eps)
            if self.momentum != 0:
                buf = self.buffers[i]
                buf *= self.momentum
                buf += d
                d = buf
            p -= self.lr * d
