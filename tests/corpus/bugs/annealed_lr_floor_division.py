"""annealed_lr uses floor division alpha // (eps + t), which is 0 as soon as eps +
t exceeds alpha."""
TASK = "optim.annealed_lr"
MODULE = "optim"
CAUSE = 'floor division'


def annealed_lr(alpha, eps, t):
    return float(alpha // (eps + t))
