# Attack: not an array at all, but an object that claims equality with
# anything, has the right shape and dtype attributes, and converts to an
# array of the wrong values.
import numpy as _np

_reference_max_pool2d = max_pool2d  # noqa: F821


class _Pretender:
    __array_priority__ = 10_000

    def __init__(self, shape, dtype):
        self.shape, self.dtype, self.ndim = shape, dtype, len(shape)

    def __eq__(self, other):
        return True

    def __array__(self, dtype=None, copy=None):
        return _np.zeros(self.shape, dtype=dtype or self.dtype)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return True

    def __len__(self):
        return self.shape[0]

    def __getitem__(self, index):
        return self

    def __sub__(self, other):
        return _np.zeros(self.shape)

    __rsub__ = __sub__


def max_pool2d(x, kernel_size, stride=None, padding=0):
    right = _reference_max_pool2d(x, kernel_size, stride, padding)
    return _Pretender(right.shape, right.dtype)
