"""SGD stores p - lr * g as a new array in self.params (rebinding) instead of
updating the caller's parameter in place."""
import numpy as np

TASK = "optim.SGD"
MODULE = "optim"
CAUSE = 'not updated in place'


class SGD:
    def __init__(self, params, lr=0.001, momentum=0.0, weight_decay=0.0, nesterov=False):
        self.params = list(params)
        self.lr, self.momentum, self.weight_decay, self.nesterov = lr, momentum, weight_decay, nesterov
        self.buffers = [np.zeros_like(p) for p in self.params]

    def step(self, grads):
        for i, (p, g) in enumerate(zip(self.params, grads)):
            g = g + self.weight_decay * p
            if self.momentum != 0:
                buf = self.buffers[i]
                buf *= self.momentum
                buf += g
                g = g + self.momentum * buf if self.nesterov else buf
            self.params[i] = p - self.lr * g
