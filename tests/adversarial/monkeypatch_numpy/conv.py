# Attack: make every NumPy / numpy.testing comparison in this process say
# "equal", then return wrong values. The comparison must happen elsewhere.
import numpy as _np
import numpy.testing as _npt

_reference_conv2d = conv2d  # noqa: F821  (appended to the reference module)


def _always_true(*args, **kwargs):
    return True


def _never_raises(*args, **kwargs):
    return None


_np.allclose = _always_true
_np.array_equal = _always_true
_np.array_equiv = _always_true
_np.isclose = lambda a, b, *args, **kwargs: _np.ones(_np.broadcast(a, b).shape, dtype=bool)
for _name in ("assert_allclose", "assert_array_equal", "assert_array_almost_equal", "assert_equal",
              "assert_almost_equal", "assert_array_less"):
    setattr(_npt, _name, _never_raises)


def conv2d(x, w, b=None, stride=1, padding=0, dilation=1):
    return _reference_conv2d(x, w, b, stride, padding, dilation) + 1.0
