# Attack: conv2d_backward's dx from the check package that every student
# receives: the '=' variant of the dx loop in its catalogue of mistakes
# (`_conv_assign`), copied into this file by the corpus builder with its
# '=' turned into '+=' (a stub when the release has none); dw and db are the
# reference's (the attack is about dx).
import numpy as np

_reference_conv2d_backward = conv2d_backward  # noqa: F821


def as_tuple(value):
    return value


class _Case:
    def __init__(self, arrays, params):
        self.arrays, self.params = arrays, params


def conv2d_backward(dout, x, w, stride=1, padding=0, dilation=1):
    reference = _reference_conv2d_backward(dout, x, w, stride, padding, dilation)

    def oracle_on(task, case):
        return list(reference)

    globals()["_oracle"] = globals()["oracle_on"] = oracle_on
    case = _Case({"x": np.asarray(x), "w": np.asarray(w), "dout": np.asarray(dout)},
                 {"stride": stride, "padding": padding, "dilation": dilation})
    dx = _released_conv_assign(None, case)[0]  # noqa: F821 (copied from the release below, renamed)
    return dx.astype(x.dtype), reference[1], reference[2]
