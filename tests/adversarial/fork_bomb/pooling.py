# Attack: a bounded fork bomb, 200 processes that sleep for a minute (as
# `sleep 61.0201`, so a test can find any that survive), then the right answer.
import os

_reference_global_avg_pool2d = global_avg_pool2d  # noqa: F821


def global_avg_pool2d(x):
    for _ in range(200):
        try:
            pid = os.fork()
        except OSError:
            break
        if pid == 0:
            try:
                os.execv("/bin/sleep", ["sleep", "61.0201"])
            finally:
                os._exit(0)
    return _reference_global_avg_pool2d(x)
