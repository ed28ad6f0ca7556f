"""linear computes x @ w.T + b, reading the weights as (D_out, D_in)."""
TASK = "backprop.linear"
MODULE = "backprop"


def linear(x, w, b):
    return x @ w.T + b
