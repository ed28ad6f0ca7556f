"""Global average pooling keeps the pooled axes and returns (N, C, 1, 1) instead
of (N, C)."""
TASK = "pooling.global_avg_pool2d"
MODULE = "pooling"
CAUSE = 'keeping the pooled axes'


def global_avg_pool2d(x):
    return x.mean(axis=(2, 3), keepdims=True)
