"""Backward passes: the gradient of every forward operation of the course.

Backpropagation is the chain rule applied layer by layer, from the loss
back to the inputs. Every backward function here answers one question:

    given  dout = dL/d(out)  (the "upstream" gradient, same shape as out),
    return dL/d(input) = dout x d(out)/d(input)  for each input,

a vector-Jacobian product. It never builds the Jacobian: for an
element-wise function out = g(x) it is dout * g'(x); for a linear map it
is a matrix product with the transposed weights; for a convolution or a
pooling layer it sends each output's gradient back to the inputs that
produced it, *adding up* the contributions of overlapping windows (an
input read by several windows influences the loss through each of them).

Gradients keep the shape and dtype of what they differentiate: dx has x's
shape, dw has w's shape. At kinks (x == 0 for ReLU and leaky ReLU) we use
PyTorch's choice: relu'(0) = 0, leaky_relu'(0) = slope.

The lecture connection (lecture 000, the 2-2-1 network that predicts height
from age and weight):

    Z1 = X @ W1 + b1,  A1 = relu(Z1),  A2 = Z2 = A1 @ W2 + b2,  loss = sum (A2 - y)^2
    dA2 = 2 (A2 - y),  dZ2 = dA2
    dW2 = A1.T @ dZ2,  db2 = sum_rows dZ2
    dA1 = dZ2 @ W2.T,  dZ1 = dA1 * relu'(Z1)
    dW1 = X.T @ dZ1,   db1 = sum_rows dZ1

is exactly linear_backward, relu_backward, linear_backward again: the
functions of this module, chained.

Everything is written against the array's own namespace (solutions.xp),
so the same code runs on NumPy arrays and on PyTorch tensors on any device.
"""
import itertools

from .conv import as_pair, resolve_padding, taps
from .losses import softmax, target_distribution
from .padding import pad2d
from .xp import array_namespace, device

# --------------------------------------------------------------------------
# Element-wise activations: out = g(x), so dx = dout * g'(x)
# --------------------------------------------------------------------------

def relu(x):
    """ReLU:  relu(x) = max(0, x), element-wise (lectures 000, 001, 004)."""
    xp = array_namespace(x)
    return xp.where(x > 0, x, xp.zeros_like(x))


def relu_backward(dout, x):
    """Gradient of relu at x:  dx = dout * [x > 0].

    relu'(x) = 1 for x > 0 and 0 for x < 0; at the kink x == 0 PyTorch (and
    we) use 0. This is lecture 000's `relu_derivative(Z1)` = where(Z1 > 0, 1, 0),
    applied as dZ1 = dA1 * relu'(Z1). Shapes: dout and x alike; dx the same.
    """
    xp = array_namespace(dout, x)
    return xp.where(x > 0, dout, xp.zeros_like(dout))


def _exp_neg_abs(x):
    """exp(-|x|) lies in (0, 1]: it never overflows, whatever the size of x."""
    xp = array_namespace(x)
    return xp.exp(-xp.abs(x))


def sigmoid(x):
    """Logistic sigmoid  s(x) = 1 / (1 + exp(-x)), computed stably.

    The textbook formula overflows exp(-x) for large negative x (exp(800)
    is inf), and exp(x) / (1 + exp(x)) gives inf/inf = nan for large
    positive x. With e = exp(-|x|), which is always in (0, 1]:

        s(x) = 1 / (1 + e)   for x >= 0
        s(x) = e / (1 + e)   for x <  0

    Example (lecture 004, Example 1): the synaptic input
    U = [[-0.35, 1.35, 0.75], [-0.55, 0.85, 0.05], [0.75, 0.05, 1.15]] gives
    f(U) = [[0.413, 0.794, 0.679], [0.366, 0.701, 0.512], [0.679, 0.512, 0.760]].
    """
    xp = array_namespace(x)
    e = _exp_neg_abs(x)
    return xp.where(x >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_backward(dout, x):
    """Gradient of the sigmoid:  dx = dout * s(x) * (1 - s(x)).

    With e = exp(-|x|) the local gradient is s(1 - s) = e / (1 + e)^2 for
    either sign of x (it is symmetric), finite for every x and tending to 0
    in both tails: a saturated sigmoid passes almost no gradient back.
    Lecture 004, Example 1: at u = -0.35, s = 0.413 and s(1 - s) = 0.2425.
    """
    e = _exp_neg_abs(x)
    return dout * (e / ((1 + e) * (1 + e)))


def tanh_backward(dout, x):
    """Gradient of tanh:  dx = dout * (1 - tanh(x)^2).

    tanh itself is bounded (|tanh x| <= 1), so this is finite for every x;
    for |x| large it is 0 (saturation), as for the sigmoid.
    """
    xp = array_namespace(dout, x)
    t = xp.tanh(x)
    return dout * (1 - t * t)


def leaky_relu(x, slope=0.01):
    """Leaky ReLU:  x for x > 0, slope * x otherwise (lecture 004: max(0.1x, x))."""
    xp = array_namespace(x)
    return xp.where(x > 0, x, slope * x)


def leaky_relu_backward(dout, x, slope=0.01):
    """Gradient of leaky ReLU:  dx = dout for x > 0, slope * dout otherwise.

    At the kink x == 0 PyTorch (and we) use the slope.
    """
    xp = array_namespace(dout, x)
    return xp.where(x > 0, dout, slope * dout)


# --------------------------------------------------------------------------
# Linear (fully connected) layer: out = x @ w + b
# --------------------------------------------------------------------------

def linear(x, w, b):
    """Fully connected layer:  out = x @ w + b.

    x (N, D_in), w (D_in, D_out), b (D_out,) or (1, D_out) -> out (N, D_out).
    Row n of the output is sample n: out[n, j] = sum_i x[n, i] w[i, j] + b[j].
    """
    return x @ w + b


def linear_backward(dout, x, w):
    """Gradients of out = x @ w + b, given dout = dL/dout (N, D_out):

        dx = dout @ w.T       (N, D_in)     out[n, j] depends on x[n, i] through w[i, j]
        dw = x.T @ dout       (D_in, D_out) sums over the batch: every sample uses w
        db = sum_n dout[n]    (D_out,)      the bias is added to every row

    Returns (dx, dw, db). Lecture 000: dW2 = A1.T @ dZ2, db2 = sum(dZ2, axis=0)
    and dA1 = dZ2 @ W2.T are exactly these three lines.
    """
    xp = array_namespace(dout, x, w)
    return dout @ w.T, x.T @ dout, xp.sum(dout, axis=0)


# --------------------------------------------------------------------------
# Convolution
# --------------------------------------------------------------------------

def conv2d_backward(dout, x, w, stride=1, padding=0, dilation=1):
    """Gradients of out = conv2d(x, w, b, stride, padding, dilation).

    Forward (solutions.conv): for each kernel tap (k, l),

        out[n, o, i, j] += x_pad[n, c, i*sh + k*dh, j*sw + l*dw] * w[o, c, k, l]

    so every product sends gradient back to both of its factors:

        dx_pad[n, c, i*sh + k*dh, j*sw + l*dw] += sum_o dout[n, o, i, j] * w[o, c, k, l]
        dw[o, c, k, l] = sum_{n, i, j} dout[n, o, i, j] * x_pad[n, c, i*sh + k*dh, j*sw + l*dw]
        db[o]          = sum_{n, i, j} dout[n, o, i, j]

    For one tap the positions i*sh + k*dh over all i are one strided slice
    (`taps`), so each line is one einsum over batch, channels and positions.
    The `+=` matters: with overlapping windows (kernel > stride) one input
    is read by several windows and receives the sum of their gradients.
    Finally the padded border is cropped off dx (padding is not an input).
    Inputs that no window reads (when the windows do not cover the input
    exactly) get gradient 0.

    dout (N, C_out, OH, OW), x (N, C_in, H, W), w (C_out, C_in, KH, KW)
    -> (dx (N, C_in, H, W), dw (C_out, C_in, KH, KW), db (C_out,)).
    """
    xp = array_namespace(dout, x, w)
    stride, dilation = as_pair(stride), as_pair(dilation)
    kernel = (w.shape[2], w.shape[3])
    top, bottom, left, right = resolve_padding(padding, kernel, dilation)
    x_pad = pad2d(x, (top, bottom, left, right))
    out_hw = (dout.shape[2], dout.shape[3])
    dx_pad = xp.zeros(x_pad.shape, dtype=x.dtype, device=device(x))
    dw = xp.zeros(w.shape, dtype=w.dtype, device=device(w))
    for k, l, rows, cols in taps(kernel, out_hw, stride, dilation):
        # (N, C_out, OH, OW) x (C_out, C_in) -> (N, C_in, OH, OW), added to the tap's slice
        dx_pad[:, :, rows, cols] += xp.einsum("noij,oc->ncij", dout, w[:, :, k, l])
        # (N, C_out, OH, OW) x (N, C_in, OH, OW) -> (C_out, C_in)
        dw[:, :, k, l] = xp.einsum("noij,ncij->oc", dout, x_pad[:, :, rows, cols])
    H, W = x.shape[2], x.shape[3]
    dx = dx_pad[:, :, top:top + H, left:left + W]
    db = xp.sum(dout, axis=(0, 2, 3))
    return dx, dw, db


# --------------------------------------------------------------------------
# Pooling
# --------------------------------------------------------------------------

def _pool_geometry(x, kernel_size, stride, padding):
    kernel = as_pair(kernel_size)
    stride = kernel if stride is None else as_pair(stride)
    return kernel, stride, as_pair(padding)


def max_pool2d_backward(dout, x, kernel_size, stride=None, padding=0):
    """Gradient of out = max_pool2d(x, kernel_size, stride, padding).

    Each output is the maximum of its window, so only the winning input
    influences it: d out[i, j] / d x = 1 at the window's argmax, 0 elsewhere.
    Hence dx[argmax of window (i, j)] += dout[i, j]: the gradient is
    *routed* to the winner. Overlapping windows (stride < kernel) may share
    a winner, which then receives the sum of their gradients (`+=`, not `=`).
    On ties PyTorch picks the first maximum in row-major window order; so
    does argmax over the taps stacked in that order. Padding counts as -inf
    (never wins) and is cropped off.

    dout (N, C, OH, OW), x (N, C, H, W) -> dx (N, C, H, W); stride defaults
    to kernel_size.

    Lecture 004, Example 1: 2x2/2 max pooling of the 3x3 f(U) keeps 0.794
    (row 0, column 1): with dout = 1 that position alone gets gradient 1.
    """
    xp = array_namespace(dout, x)
    kernel, stride, (ph, pw) = _pool_geometry(x, kernel_size, stride, padding)
    x_pad = pad2d(x, (ph, pw), value=-float("inf"))
    out_hw = (dout.shape[-2], dout.shape[-1])
    windows = [(rows, cols) for _, _, rows, cols in taps(kernel, out_hw, stride, (1, 1))]
    # (KH*KW, N, C, OH, OW): tap t of every window, taps in row-major order
    stacked = xp.stack([x_pad[..., rows, cols] for rows, cols in windows])
    winner = xp.argmax(stacked, axis=0)
    dx_pad = xp.zeros(x_pad.shape, dtype=x.dtype, device=device(x))
    zero = xp.zeros_like(dout)
    for t, (rows, cols) in enumerate(windows):
        dx_pad[..., rows, cols] += xp.where(winner == t, dout, zero)
    H, W = x.shape[-2], x.shape[-1]
    return dx_pad[..., ph:ph + H, pw:pw + W]


def avg_pool2d_backward(dout, x, kernel_size, stride=None, padding=0):
    """Gradient of out = avg_pool2d(x, kernel_size, stride, padding).

    out[i, j] = (1 / (KH*KW)) * sum of its window (padding counts as zeros
    and is included in the divisor, PyTorch's default), so every input of
    the window gets dout[i, j] / (KH*KW); overlapping windows add up. The
    share that falls on padding is cropped off.

    dout (N, C, OH, OW), x (N, C, H, W) -> dx (N, C, H, W).

    Lecture 000: average pooling of [[1, 2], [3, 4]] is 2.5; with dout = 1
    each of the four inputs receives 1/4.
    """
    xp = array_namespace(dout, x)
    kernel, stride, (ph, pw) = _pool_geometry(x, kernel_size, stride, padding)
    H, W = x.shape[-2], x.shape[-1]
    out_hw = (dout.shape[-2], dout.shape[-1])
    shape = tuple(x.shape[:-2]) + (H + 2 * ph, W + 2 * pw)
    dx_pad = xp.zeros(shape, dtype=x.dtype, device=device(x))
    share = dout / (kernel[0] * kernel[1])
    for _, _, rows, cols in taps(kernel, out_hw, stride, (1, 1)):
        dx_pad[..., rows, cols] += share
    return dx_pad[..., ph:ph + H, pw:pw + W]


# --------------------------------------------------------------------------
# Softmax cross-entropy
# --------------------------------------------------------------------------

def cross_entropy_backward(logits, target):
    """Gradient of the mean cross-entropy  L = (1/N) sum_n -sum_k t[n, k] log softmax(z[n])_k.

    With p = softmax(z) row by row (losses.softmax, which subtracts each
    row's maximum before exp):

        dL/dz = (p * sum_k t[n, k] - t) / N  =  (p - t) / N   when each row of t sums to 1

    `target` is class indices (N,) (t is then the one-hot matrix: the
    gradient is p minus 1 at the true class) or probabilities (N, K)
    (losses.target_distribution). The 1/N comes from the mean over the batch.

    logits (N, K) -> dlogits (N, K), with the dtype of logits.
    """
    xp = array_namespace(logits, target)
    p = softmax(logits, axis=-1)
    t = target_distribution(target, logits)
    return (p * xp.sum(t, axis=1, keepdims=True) - t) / logits.shape[0]


# --------------------------------------------------------------------------
# Gradient checking
# --------------------------------------------------------------------------

def numerical_gradient(f, x, h=1e-6):
    """Centred differences of a scalar function f at x, one coordinate at a time:

        grad[i] = (f(x + h e_i) - f(x - h e_i)) / (2h)

    where e_i is 1 at index i and 0 elsewhere. The error is O(h^2)
    (h^2/6 f'''), against O(h) for the forward difference
    (f(x + h e_i) - f(x)) / h. Use it to check an analytic backward pass:
    both should agree to about 1e-7 relative in float64.

    x is any shape; the result has x's shape and dtype. x itself is never
    modified: each shifted point is a new array.
    """
    xp = array_namespace(x)
    grad = xp.zeros_like(x)
    for idx in itertools.product(*(range(n) for n in x.shape)):
        step = xp.zeros_like(x)
        step[idx] = h
        grad[idx] = (f(x + step) - f(x - step)) / (2 * h)
    return grad


# --------------------------------------------------------------------------
# The lecture's 2-2-1 network (lecture 000)
# --------------------------------------------------------------------------

def mlp_forward(X, W1, b1, W2, b2):
    """Forward pass of lecture 000's network (age, weight -> height):

        Z1 = X @ W1 + b1      (N, 2)   hidden layer of 2 neurons
        A1 = relu(Z1)         (N, 2)
        A2 = A1 @ W2 + b2     (N, 1)   linear output (regression)

    X (N, 2), W1 (2, 2), b1 (1, 2), W2 (2, 1), b2 (1, 1) -> A2 (N, 1).
    (The slides write Z1 = W1^T X + b1 with samples as columns; with samples
    as rows, as in the lecture's code, that is X @ W1 + b1.)
    """
    A1 = relu(linear(X, W1, b1))
    return linear(A1, W2, b2)


def mlp_backward(X, y, W1, b1, W2, b2):
    """Gradients of loss = sum_n (A2[n] - y[n])^2 for lecture 000's network.

    The lecture's backward pass, line by line (chain rule from the loss back):

        dA2 = 2 (A2 - y)            d/dA2 of (A2 - y)^2
        dZ2 = dA2                   the output is linear
        dW2 = A1.T @ dZ2            (2, 1)
        db2 = sum_rows dZ2          (1, 1)
        dA1 = dZ2 @ W2.T            (N, 2)
        dZ1 = dA1 * relu'(Z1)       relu'(z) = 1 for z > 0, else 0
        dW1 = X.T @ dZ1             (2, 2)
        db1 = sum_rows dZ1          (1, 2)

    Returns {"dW1", "db1", "dW2", "db2"}, each shaped like its parameter.
    """
    xp = array_namespace(X, y, W1, b1, W2, b2)
    Z1 = linear(X, W1, b1)
    A1 = relu(Z1)
    A2 = linear(A1, W2, b2)
    dZ2 = 2 * (A2 - y)
    dA1, dW2, db2 = linear_backward(dZ2, A1, W2)
    dZ1 = relu_backward(dA1, Z1)
    _, dW1, db1 = linear_backward(dZ1, X, W1)
    return {"dW1": dW1, "db1": xp.reshape(db1, b1.shape),
            "dW2": dW2, "db2": xp.reshape(db2, b2.shape)}
