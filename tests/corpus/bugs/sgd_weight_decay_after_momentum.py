"""SGD adds weight_decay * p to the step after the momentum buffer instead of to
the gradient before it."""
import numpy as np

TASK = "optim.SGD"
MODULE = "optim"
CAUSE = 'weight decay added after the momentum'


class SGD:
    def __init__(self, params, lr=0.001, momentum=0.0, weight_decay=0.0, nesterov=False):
        self.params = list(params)
        self.lr, self.momentum, self.weight_decay, self.nesterov = lr, momentum, weight_decay, nesterov
        self.buffers = [np.zeros_like(p) for p in self.params]

    def step(self, grads):
        for i, (p, g) in enumerate(zip(self.params, grads)):
            if self.momentum != 0:
                buf = self.buffers[i]
                buf *= self.momentum
                buf += g
                g = g + self.momentum * buf if self.nesterov else buf
            p -= self.lr * (g + self.weight_decay * p)
