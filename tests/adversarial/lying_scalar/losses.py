# Attack: a float64 subclass that pretends to come from numpy and compares
# equal (and subtracts to zero) with anything, holding a wrong value.
import numpy as _np


class float64(_np.float64):
    __module__ = "numpy"

    def __eq__(self, other):
        return True

    def __sub__(self, other):
        return _np.float64(0.0)

    __rsub__ = __sub__

    def __abs__(self):
        return _np.float64(0.0)

    def __array__(self, dtype=None, copy=None):
        return _np.array(0.0)


def cross_entropy(logits, target, reduction="mean"):
    return float64(-1.0)
