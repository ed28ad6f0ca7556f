# Attack: an ndarray subclass whose data is wrong but whose comparisons,
# __array__, tolist and ufuncs all report the right answer.
import numpy as _np

_reference_pad2d = pad2d  # noqa: F821


class _Liar(_np.ndarray):
    right = None

    def __eq__(self, other):
        return _np.ones(_np.shape(other), dtype=bool)

    def __ne__(self, other):
        return _np.zeros(_np.shape(other), dtype=bool)

    def __array__(self, dtype=None, copy=None):
        return _np.asarray(self.right, dtype=dtype)

    def tolist(self):
        return self.right.tolist()

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return _np.ones(_np.shape(self.right), dtype=bool)


def pad2d(x, padding, mode="constant", value=0.0):
    right = _reference_pad2d(x, padding, mode, value)
    liar = _np.zeros_like(right).view(_Liar)
    liar.right = right
    return liar
