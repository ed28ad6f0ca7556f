"""annealed_lr is typed as alpha / eps + t, which by operator precedence is (alpha
/ eps) + t, not alpha / (eps + t)."""
TASK = "optim.annealed_lr"
MODULE = "optim"
CAUSE = 'precedence'


def annealed_lr(alpha, eps, t):
    return alpha / eps + t
