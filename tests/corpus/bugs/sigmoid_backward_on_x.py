"""sigmoid_backward applies s(1 - s) to the pre-activation x itself (dout * x * (1
- x)) instead of to s = sigmoid(x)."""
TASK = "backprop.sigmoid_backward"
MODULE = "backprop"
CAUSE = 'applied to x'


def sigmoid_backward(dout, x):
    return dout * x * (1 - x)
