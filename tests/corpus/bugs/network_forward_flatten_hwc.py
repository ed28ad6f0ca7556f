"""forward flattens the pooled maps in (H, W, C) order (channels last)
instead of the (C, H, W) order of reshape(N, -1)."""
TASK = "network.forward"
MODULE = "network"


def forward(X, params):
    p1 = pooling.max_pool2d(backprop.relu(conv.conv2d(X, params["W1"], params["b1"], padding=1)), 2)
    p2 = pooling.max_pool2d(backprop.relu(conv.conv2d(p1, params["W2"], params["b2"], padding=1)), 2)
    flat = p2.transpose(0, 2, 3, 1).reshape(p2.shape[0], -1)
    a3 = backprop.relu(backprop.linear(flat, params["W3"], params["b3"]))
    return backprop.linear(a3, params["W4"], params["b4"])
