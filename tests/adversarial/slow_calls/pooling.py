# Attack: time. Every call sleeps just under the per-call limit (1.8 s; the
# attack's rubric allows 3 s a call) and then returns the right answer,
# which would stretch one task to minutes; the task's time budget (15 s)
# must end it as a timeout, all its parts at zero.
import time as _time

_reference_min_pool2d = min_pool2d  # noqa: F821


def min_pool2d(x, kernel_size, stride=None, padding=0):
    _time.sleep(1.8)
    return _reference_min_pool2d(x, kernel_size, stride, padding)
