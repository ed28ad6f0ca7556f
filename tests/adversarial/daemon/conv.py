# Attack: a detached daemon (double fork, new session, standard streams
# closed) that sleeps for a minute as `sleep 61.0301`, then the right answer.
import os

_reference_conv2d = conv2d  # noqa: F821


def conv2d(x, w, b=None, stride=1, padding=0, dilation=1):
    pid = os.fork()
    if pid == 0:
        try:
            os.setsid()
            if os.fork() == 0:
                for fd in (0, 1, 2):
                    try:
                        os.close(fd)
                    except OSError:
                        pass
                os.execv("/bin/sleep", ["sleep", "61.0301"])
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    return _reference_conv2d(x, w, b, stride, padding, dilation)
