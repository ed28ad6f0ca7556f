# Attack: print 50 MB (half on stdout, half on stderr).
import sys

_reference_pad2d = pad2d  # noqa: F821


def pad2d(x, padding, mode="constant", value=0.0):
    chunk = "x" * (1 << 20)
    for i in range(50):
        (sys.stdout if i % 2 else sys.stderr).write(chunk)
    return _reference_pad2d(x, padding, mode, value)
