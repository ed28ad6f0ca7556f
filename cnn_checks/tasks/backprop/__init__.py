"""backprop: forward helpers, their backward passes, gradient checking and
the lecture's 2-2-1 network.

Every backward task's oracle is PyTorch autograd projected on a random
upstream gradient `dout` (part of the case), so that every index of the
result counts (`oracle.vjp`). The losses' gradients (cross-entropy, the
2-2-1 network) are of a scalar: their upstream gradient is 1.
"""
from __future__ import annotations

from .activations import (
                          leaky_relu,
                          leaky_relu_backward,
                          relu,
                          relu_backward,
                          sigmoid,
                          sigmoid_backward,
                          tanh_backward,
)
from .conv import conv2d_backward
from .linear import linear, linear_backward
from .losses import cross_entropy_backward
from .mlp import mlp_backward, mlp_forward
from .numgrad import numerical_gradient
from .pooling import avg_pool2d_backward, max_pool2d_backward

TASKS = (relu, relu_backward, sigmoid, sigmoid_backward, tanh_backward, leaky_relu,
         leaky_relu_backward, linear, linear_backward, conv2d_backward, max_pool2d_backward,
         avg_pool2d_backward, cross_entropy_backward, numerical_gradient, mlp_forward,
         mlp_backward)
