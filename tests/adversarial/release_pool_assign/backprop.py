# Attack: max_pool2d_backward from the check package that every student
# receives: the '=' variant of routing dout to each window's winner in its
# catalogue of mistakes (`_pool_geometry`, `_pool_assign`), copied into this
# file by the corpus builder with its '=' turned into '+=' (a stub when the
# release has none).
import numpy as np


def as_tuple(value):
    return value


class _Case:
    def __init__(self, arrays, params):
        self.arrays, self.params = arrays, params


Case = _Case  # the copied functions' annotations name it


def max_pool2d_backward(dout, x, kernel_size, stride=None, padding=0):
    case = _Case({"x": np.asarray(x), "dout": np.asarray(dout)},
                 {"kernel_size": kernel_size, "stride": stride, "padding": padding})
    return _released_pool_assign("max")(None, case)[0].astype(x.dtype)  # noqa: F821 (copied below, renamed)
