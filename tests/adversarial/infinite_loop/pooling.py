# Attack (or bug): a call that never returns.


def global_avg_pool2d(x):
    n = 0
    while True:
        n += 1
