# Attack: a busy loop that ignores every signal it is allowed to ignore.
import signal


def annealed_lr(alpha, eps, t):
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGXCPU,
                signal.SIGALRM, signal.SIGUSR1, signal.SIGUSR2, signal.SIGPIPE):
        signal.signal(sig, signal.SIG_IGN)
    n = 0
    while True:
        n += 1
