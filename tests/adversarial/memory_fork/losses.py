# Attack: memory through several processes. The limit on address space is
# per process, so softmax forks three children; each of the four processes
# fills 400 MiB (1.6 GiB in all, more than the 1 GiB its rubric lets a task
# use), then the right answer.
import os as _os

import numpy as _np

_reference_softmax = softmax  # noqa: F821


def _fill():
    block = _np.ones(400 << 17)  # 400 MiB of float64, every page touched
    return float(block[::4096].sum())


def softmax(z, axis=-1):
    kids = []
    for _ in range(3):
        pid = _os.fork()
        if pid == 0:
            try:
                _fill()
            finally:
                _os._exit(0)
        kids.append(pid)
    _fill()
    for pid in kids:
        try:
            _os.waitpid(pid, 0)
        except ChildProcessError:
            pass
    return _reference_softmax(z, axis)
