"""SGD momentum averages the gradient as buf = momentum * buf + (1 - momentum) * g
(an exponential moving average) instead of PyTorch's buf = momentum * buf + g."""
import numpy as np

TASK = "optim.SGD"
MODULE = "optim"
CAUSE = 'dampened'


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
                buf += (1 - self.momentum) * g
                g = g + self.momentum * buf if self.nesterov else buf
            p -= self.lr * g
