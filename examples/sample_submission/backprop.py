"""Forward helpers and their backward passes, with loops.

A backward function gets dout = dL/d(out) and returns dL/d(input): for an
element-wise function dout * g'(x); for layers that read an input several
times (convolution, overlapping pooling windows) the contributions add up.
"""
import numpy as np

from .conv import padding_sides, pair
from .padding import pad2d


# ----------------------------------------------------------- activations

def relu(x):
    out = np.zeros(x.shape, dtype=x.dtype)
    for idx in np.ndindex(x.shape):
        if x[idx] > 0:
            out[idx] = x[idx]
    return out


def relu_backward(dout, x):
    """dout where x > 0, 0 elsewhere (0 at x == 0, as PyTorch)."""
    dx = np.zeros(x.shape, dtype=dout.dtype)
    for idx in np.ndindex(x.shape):
        if x[idx] > 0:
            dx[idx] = dout[idx]
    return dx


def _sigmoid_scalar(v):
    """1 / (1 + exp(-v)) without overflow: exp of a non-positive number only."""
    if v >= 0:
        return 1 / (1 + np.exp(-v))
    e = np.exp(v)
    return e / (1 + e)


def sigmoid(x):
    out = np.zeros(x.shape, dtype=x.dtype)
    for idx in np.ndindex(x.shape):
        out[idx] = _sigmoid_scalar(x[idx])
    return out


def sigmoid_backward(dout, x):
    """dout * s * (1 - s), s = sigmoid(x)."""
    dx = np.zeros(x.shape, dtype=dout.dtype)
    for idx in np.ndindex(x.shape):
        s = _sigmoid_scalar(x[idx])
        dx[idx] = dout[idx] * s * (1 - s)
    return dx


def tanh_backward(dout, x):
    """dout * (1 - tanh(x)^2)."""
    dx = np.zeros(x.shape, dtype=dout.dtype)
    for idx in np.ndindex(x.shape):
        t = np.tanh(x[idx])
        dx[idx] = dout[idx] * (1 - t * t)
    return dx


def leaky_relu(x, slope=0.01):
    out = np.zeros(x.shape, dtype=x.dtype)
    for idx in np.ndindex(x.shape):
        out[idx] = x[idx] if x[idx] > 0 else slope * x[idx]
    return out


def leaky_relu_backward(dout, x, slope=0.01):
    """dout where x > 0, slope * dout elsewhere (the slope at x == 0, as PyTorch)."""
    dx = np.zeros(x.shape, dtype=dout.dtype)
    for idx in np.ndindex(x.shape):
        dx[idx] = dout[idx] if x[idx] > 0 else slope * dout[idx]
    return dx


# ----------------------------------------------------------- linear layer

def linear(x, w, b):
    """out[n, j] = sum_i x[n, i] w[i, j] + b[j]."""
    N, D_in = x.shape
    D_out = w.shape[1]
    bias = b.reshape(-1)
    out = np.zeros((N, D_out), dtype=x.dtype)
    for n in range(N):
        for j in range(D_out):
            total = bias[j]
            for i in range(D_in):
                total += x[n, i] * w[i, j]
            out[n, j] = total
    return out


def linear_backward(dout, x, w):
    """dx = dout @ w.T, dw = x.T @ dout, db = sum over the batch of dout."""
    N, D_in = x.shape
    D_out = w.shape[1]
    dx = np.zeros((N, D_in), dtype=x.dtype)
    dw = np.zeros((D_in, D_out), dtype=x.dtype)
    db = np.zeros(D_out, dtype=x.dtype)
    for n in range(N):
        for j in range(D_out):
            db[j] += dout[n, j]
            for i in range(D_in):
                dx[n, i] += dout[n, j] * w[i, j]
                dw[i, j] += x[n, i] * dout[n, j]
    return dx, dw, db


# ----------------------------------------------------------- convolution

def conv2d_backward(dout, x, w, stride=1, padding=0, dilation=1):
    """Every product x_pad[n, c, r, s] * w[o, c, k, l] of the forward pass
    (r = i*sh + k*dh, s = j*sw + l*dw) sends dout[n, o, i, j] * w[o, c, k, l]
    to dx_pad[n, c, r, s] and dout[n, o, i, j] * x_pad[n, c, r, s] to
    dw[o, c, k, l]; the padding is cropped off dx at the end."""
    sh, sw = pair(stride)
    dh, dw_ = pair(dilation)
    N, C_in, H, W = x.shape
    C_out, _, KH, KW = w.shape
    top, bottom, left, right = padding_sides(padding, (KH, KW), (dh, dw_))
    x_pad = pad2d(x, (top, bottom, left, right))
    OH, OW = dout.shape[2], dout.shape[3]
    dx_pad = np.zeros(x_pad.shape, dtype=x.dtype)
    dw = np.zeros(w.shape, dtype=w.dtype)
    db = np.zeros(C_out, dtype=dout.dtype)
    for n in range(N):
        for o in range(C_out):
            for i in range(OH):
                for j in range(OW):
                    g = dout[n, o, i, j]
                    db[o] += g
                    for c in range(C_in):
                        for k in range(KH):
                            for l in range(KW):
                                r, s = i * sh + k * dh, j * sw + l * dw_
                                dx_pad[n, c, r, s] += g * w[o, c, k, l]
                                dw[o, c, k, l] += g * x_pad[n, c, r, s]
    dx = np.zeros(x.shape, dtype=x.dtype)
    for n in range(N):
        for c in range(C_in):
            for r in range(H):
                for s in range(W):
                    dx[n, c, r, s] = dx_pad[n, c, r + top, s + left]
    return dx, dw, db


# ----------------------------------------------------------- pooling

def _pool_geometry(kernel_size, stride, padding):
    kh, kw = pair(kernel_size)
    sh, sw = (kh, kw) if stride is None else pair(stride)
    ph, pw = pair(padding)
    return kh, kw, sh, sw, ph, pw


def max_pool2d_backward(dout, x, kernel_size, stride=None, padding=0):
    """Each window's dout goes to the window's maximum (the first one, row by
    row, on ties); an input that wins several windows gets the sum."""
    kh, kw, sh, sw, ph, pw = _pool_geometry(kernel_size, stride, padding)
    N, C, H, W = x.shape
    OH, OW = dout.shape[2], dout.shape[3]
    dx = np.zeros(x.shape, dtype=x.dtype)
    for n in range(N):
        for c in range(C):
            for i in range(OH):
                for j in range(OW):
                    best, where = -np.inf, None
                    for k in range(kh):
                        for l in range(kw):
                            r, s = i * sh + k - ph, j * sw + l - pw
                            if 0 <= r < H and 0 <= s < W and (where is None or x[n, c, r, s] > best):
                                best, where = x[n, c, r, s], (r, s)
                    if where is not None:
                        dx[n, c, where[0], where[1]] += dout[n, c, i, j]
    return dx


def avg_pool2d_backward(dout, x, kernel_size, stride=None, padding=0):
    """Every input of window (i, j) gets dout[i, j] / (KH*KW); the shares that
    fall on the padding are dropped."""
    kh, kw, sh, sw, ph, pw = _pool_geometry(kernel_size, stride, padding)
    N, C, H, W = x.shape
    OH, OW = dout.shape[2], dout.shape[3]
    dx = np.zeros(x.shape, dtype=x.dtype)
    for n in range(N):
        for c in range(C):
            for i in range(OH):
                for j in range(OW):
                    share = dout[n, c, i, j] / (kh * kw)
                    for k in range(kh):
                        for l in range(kw):
                            r, s = i * sh + k - ph, j * sw + l - pw
                            if 0 <= r < H and 0 <= s < W:
                                dx[n, c, r, s] += share
    return dx


# ----------------------------------------------------------- cross-entropy

def cross_entropy_backward(logits, target):
    """(softmax(logits) - t) / N, t one-hot (class indices) or the given
    probabilities; softmax row by row with the row maximum subtracted."""
    N, K = logits.shape
    grad = np.zeros((N, K), dtype=logits.dtype)
    for n in range(N):
        m = logits[n, 0]
        for k in range(K):
            if logits[n, k] > m:
                m = logits[n, k]
        total = 0.0
        for k in range(K):
            total += np.exp(logits[n, k] - m)
        for k in range(K):
            p = np.exp(logits[n, k] - m) / total
            if target.ndim == 1:
                t = 1.0 if k == int(target[n]) else 0.0
            else:
                t = target[n, k]
            grad[n, k] = (p - t) / N
    return grad


# ----------------------------------------------------------- gradient checking

def numerical_gradient(f, x, h=1e-6):
    """grad[i] = (f(x + h e_i) - f(x - h e_i)) / (2h), one index at a time."""
    grad = np.zeros(x.shape, dtype=x.dtype)
    for idx in np.ndindex(x.shape):
        plus = x.copy()
        minus = x.copy()
        plus[idx] = x[idx] + h
        minus[idx] = x[idx] - h
        grad[idx] = (f(plus) - f(minus)) / (2 * h)
    return grad


# ----------------------------------------------------------- the 2-2-1 network

def mlp_forward(X, W1, b1, W2, b2):
    """A2 = relu(X @ W1 + b1) @ W2 + b2."""
    return linear(relu(linear(X, W1, b1)), W2, b2)


def mlp_backward(X, y, W1, b1, W2, b2):
    """Gradients of loss = sum_n (A2[n] - y[n])^2, layer by layer."""
    Z1 = linear(X, W1, b1)
    A1 = relu(Z1)
    A2 = linear(A1, W2, b2)
    dZ2 = np.zeros(A2.shape, dtype=A2.dtype)
    for idx in np.ndindex(A2.shape):
        dZ2[idx] = 2 * (A2[idx] - y[idx])
    dA1, dW2, db2 = linear_backward(dZ2, A1, W2)
    dZ1 = relu_backward(dA1, Z1)
    _, dW1, db1 = linear_backward(dZ1, X, W1)
    return {"dW1": dW1, "db1": db1.reshape(b1.shape), "dW2": dW2, "db2": db2.reshape(b2.shape)}
