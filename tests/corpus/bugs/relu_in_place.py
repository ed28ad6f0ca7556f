"""relu sets the negative entries of its input to 0 in place (x[x < 0] = 0) and
returns x, modifying the caller's array."""
TASK = "backprop.relu"
MODULE = "backprop"
CAUSE = 'in place'


def relu(x):
    x[x < 0] = 0
    return x
