"""Global average pooling divides the sum by H*H, assuming square feature maps."""
TASK = "pooling.global_avg_pool2d"
MODULE = "pooling"
CAUSE = 'H*H'


def global_avg_pool2d(x):
    H = x.shape[2]
    return x.sum(axis=(2, 3)) / (H * H)
