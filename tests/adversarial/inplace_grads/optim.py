# Attack: an SGD whose step() scales the gradients it is handed in place
# (the contract forbids changing them) after replacing the child's
# "inputs unchanged" check, so that the check inside the child passes.
import sys as _sys

import numpy as _np

_execute = _sys.modules.get("cnn_checks.execute")
if _execute is not None:
    _execute._unchanged = lambda *args, **kwargs: True
_np.array_equal = lambda *args, **kwargs: True

_ReferenceSGD = SGD  # noqa: F821


class SGD(_ReferenceSGD):
    def step(self, grads):
        super().step(grads)  # the right update first: the outputs are right
        for g in grads:
            try:
                g.setflags(write=True)
            except ValueError:
                pass
            _np.multiply(g, 0.5, out=g)  # then scale the caller's gradients
