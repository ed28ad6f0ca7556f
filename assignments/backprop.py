"""Backward passes: gradients of the forward operations, gradient checking,
and the lecture's 2-2-1 network.

A backward function receives `dout` = dL/d(out), the gradient of the loss
with respect to the forward function's output (same shape as that output),
and returns dL/d(input) for each input, by the chain rule:

    dx = dout * d(out)/dx        (element-wise functions: dout * g'(x))

Gradients have the shape and dtype of what they differentiate (dx like x,
dw like w). Where several outputs depend on the same input (overlapping
windows, a weight used at every position, a bias added to every row), the
input's gradient is the SUM of their contributions: accumulate with +=.

At kinks follow PyTorch: relu'(0) = 0 and leaky_relu'(0) = slope.

Shapes: images (N, C, H, W), convolution weights (C_out, C_in, KH, KW);
`stride`, `padding`, `dilation`, `kernel_size` are an int or an (h, w) pair.
Inputs are never modified. You may use NumPy (einsum, tensordot,
numpy.lib.stride_tricks.sliding_window_view) and your own conv, padding and
pooling modules; not PyTorch, autograd libraries or SciPy.
"""


def relu(x):
    """ReLU, element-wise:  relu(x) = max(0, x).

    Any shape; returns an array of x's shape and dtype.

    Example: relu(np.array([-2.0, 0.0, 3.0])) -> [0.0, 0.0, 3.0]
    """
    # YOUR CODE HERE
    raise NotImplementedError("backprop.relu is not implemented yet")


def relu_backward(dout, x):
    """Gradient of relu at `x`:  dx = dout * relu'(x),  relu'(x) = 1 if x > 0 else 0.

    At the kink x == 0 PyTorch uses relu'(0) = 0: the mask is x > 0, not x >= 0.
    dout and x have the same shape; dx too (dtype of x).

    This is lecture 000's `relu_derivative(Z1) = np.where(Z1 > 0, 1, 0)`,
    used as  dZ1 = dA1 * relu_derivative(Z1).

    Example: dout = [1.0, 2.0, 3.0], x = [-1.0, 0.0, 2.0] -> [0.0, 0.0, 3.0]
    """
    # YOUR CODE HERE
    raise NotImplementedError("backprop.relu_backward is not implemented yet")


def sigmoid(x):
    """Logistic sigmoid, element-wise:  s(x) = 1 / (1 + exp(-x)).

    Must stay finite and correct for large |x| (say x = -1000 or +1000):
    exp(-x) overflows for large negative x, and exp(x) / (1 + exp(x)) gives
    inf/inf = nan for large positive x. Hint: e = exp(-|x|) is never above 1;
    s(x) = 1 / (1 + e) for x >= 0 and e / (1 + e) for x < 0.

    Any shape; returns an array of x's shape and dtype.

    Worked example (lecture 004, Example 1): the synaptic input
        U = [[-0.35, 1.35, 0.75],
             [-0.55, 0.85, 0.05],
             [ 0.75, 0.05, 1.15]]
    gives
        sigmoid(U) = [[0.413, 0.794, 0.679],
                      [0.366, 0.701, 0.512],
                      [0.679, 0.512, 0.760]]   (rounded to 3 decimals)
    """
    # YOUR CODE HERE
    raise NotImplementedError("backprop.sigmoid is not implemented yet")


def sigmoid_backward(dout, x):
    """Gradient of the sigmoid:  dx = dout * s(x) * (1 - s(x)),  s = sigmoid.

    The local gradient s(1 - s) is at most 1/4 (at x = 0) and tends to 0 for
    large |x|; it must be finite for every x (compute s stably).
    dout and x have the same shape; dx too (dtype of x).

    Worked example (lecture 004, Example 1): at u = -0.35, s = 0.413 and
    s(1 - s) = 0.413 * (1 - 0.413) = 0.2425, so with dout = 1 the gradient there
    is 0.2425.
    """
    # YOUR CODE HERE
    raise NotImplementedError("backprop.sigmoid_backward is not implemented yet")


def tanh_backward(dout, x):
    """Gradient of tanh:  dx = dout * (1 - tanh(x)^2).

    Finite for every x (np.tanh is bounded by 1; building tanh from exp
    overflows for |x| > 710). dout and x have the same shape; dx too.

    Example: tanh_backward(np.array([2.0]), np.array([0.0])) -> [2.0]
    (tanh'(0) = 1).
    """
    # YOUR CODE HERE
    raise NotImplementedError("backprop.tanh_backward is not implemented yet")


def leaky_relu(x, slope=0.01):
    """Leaky ReLU, element-wise:  x if x > 0, else slope * x.

    Lecture 004 writes it max(0.1x, x), i.e. slope = 0.1. Any shape; returns
    an array of x's shape and dtype.

    Example: leaky_relu(np.array([-2.0, 0.0, 3.0]), slope=0.1) -> [-0.2, 0.0, 3.0]
    """
    # YOUR CODE HERE
    raise NotImplementedError("backprop.leaky_relu is not implemented yet")


def leaky_relu_backward(dout, x, slope=0.01):
    """Gradient of leaky ReLU:  dx = dout where x > 0, slope * dout elsewhere.

    At the kink x == 0 PyTorch uses the slope: the mask is x > 0.
    dout and x have the same shape; dx too (dtype of x).

    Example: dout = [1.0, 1.0, 1.0], x = [-1.0, 0.0, 2.0], slope = 0.1
             -> [0.1, 0.1, 1.0]
    """
    # YOUR CODE HERE
    raise NotImplementedError("backprop.leaky_relu_backward is not implemented yet")


def linear(x, w, b):
    """Fully connected layer:  out = x @ w + b.

    x (N, D_in), w (D_in, D_out), b (D_out,) -> out (N, D_out).
    Row n is sample n:  out[n, j] = sum_i x[n, i] * w[i, j] + b[j].

    Lecture 000's hidden layer is Z1 = X @ W1 + b1 (b1 of shape (1, 2)
    broadcasts over the rows the same way).
    """
    # YOUR CODE HERE
    raise NotImplementedError("backprop.linear is not implemented yet")


def linear_backward(dout, x, w):
    """Gradients of out = x @ w + b, given dout = dL/dout of shape (N, D_out):

        dx = dout @ w.T            (N, D_in)
        dw = x.T @ dout            (D_in, D_out)   sums over the N samples
        db = dout.sum(axis=0)      (D_out,)        the bias is added to every row

    Returns the tuple (dx, dw, db).

    Lecture 000's backward pass uses exactly these: dW2 = A1.T @ dZ2,
    db2 = sum(dZ2, axis=0), dA1 = dZ2 @ W2.T.
    """
    # YOUR CODE HERE
    raise NotImplementedError("backprop.linear_backward is not implemented yet")


def conv2d_backward(dout, x, w, stride=1, padding=0, dilation=1):
    """Gradients of out = conv2d(x, w, b, stride, padding, dilation) (no flip:
    cross-correlation, as in conv.conv2d).

    dout (N, C_out, OH, OW), x (N, C_in, H, W), w (C_out, C_in, KH, KW)
    -> the tuple (dx (N, C_in, H, W), dw (C_out, C_in, KH, KW), db (C_out,)).

    Forward:  out[n, o, i, j] = b[o] + sum over c, k, l of
              x_pad[n, c, i*sh + k*dh, j*sw + l*dw] * w[o, c, k, l]
    so each product sends gradient to both factors:

        dx_pad[n, c, i*sh + k*dh, j*sw + l*dw] += dout[n, o, i, j] * w[o, c, k, l]
        dw[o, c, k, l] += dout[n, o, i, j] * x_pad[n, c, i*sh + k*dh, j*sw + l*dw]
        db[o]          += dout[n, o, i, j]

    summed over every n, o, c, i, j, k, l. Use += (windows overlap, one input
    feeds several outputs). dx_pad has the padded shape; crop the padding
    off at the end: dx = dx_pad[:, :, ph:ph + H, pw:pw + W]. Inputs that no
    window reads get 0.

    Worked example (lecture 004): x = [[4, 5, 8, 7], [1, 8, 8, 8], [3, 6, 6, 4],
    [6, 5, 7, 8]], w = [[1, 4, 1], [1, 4, 3], [3, 3, 1]] (forward: 122, 148,
    126, 134) and dout = ones((2, 2)), all as (1, 1, ., .) arrays:
        dw = [[18, 29, 31], [18, 28, 26], [20, 24, 25]]
             (dw[0, 0] = 4 + 5 + 1 + 8: the inputs that tap (0, 0) reads)
        dx = [[1, 5, 5, 1], [2, 10, 12, 4], [4, 11, 11, 4], [3, 6, 4, 1]]
        db = [4]
    """
    # YOUR CODE HERE
    raise NotImplementedError("backprop.conv2d_backward is not implemented yet")


def max_pool2d_backward(dout, x, kernel_size, stride=None, padding=0):
    """Gradient of out = max_pool2d(x, kernel_size, stride, padding).

    dout (N, C, OH, OW), x (N, C, H, W) -> dx (N, C, H, W). `stride`
    defaults to kernel_size; padding counts as -inf (it never wins).

    Each output is the maximum of its window, so its gradient goes to the
    window's maximum only:  dx[position of the max of window (i, j)] += dout[i, j],
    0 everywhere else. With overlapping windows (stride < kernel) one input
    can be the maximum of several windows: add (+=), do not overwrite.
    (The tests have no ties inside a window; PyTorch would pick the first
    maximum in row-major order.)

    Worked example (lecture 004, Example 1): 2x2 max pooling with stride 2 of
        f(U) = [[0.413, 0.794, 0.679], [0.366, 0.701, 0.512], [0.679, 0.512, 0.76]]
    has one window (rows 0-1, columns 0-1) and keeps 0.794. With dout = 1:
        dx = [[0, 1, 0], [0, 0, 0], [0, 0, 0]]
    """
    # YOUR CODE HERE
    raise NotImplementedError("backprop.max_pool2d_backward is not implemented yet")


def avg_pool2d_backward(dout, x, kernel_size, stride=None, padding=0):
    """Gradient of out = avg_pool2d(x, kernel_size, stride, padding).

    dout (N, C, OH, OW), x (N, C, H, W) -> dx (N, C, H, W). `stride`
    defaults to kernel_size; padding counts as zeros and is included in the
    divisor (PyTorch's default), so every window divides by KH*KW.

    Each input of window (i, j) receives dout[i, j] / (KH*KW); overlapping
    windows add up (+=); the shares that fall on padding are dropped.

    Worked example (lecture 000): average pooling of [[1, 2], [3, 4]] with a
    2x2 window is 2.5; with dout = 1 each input receives 1/4:
        dx = [[0.25, 0.25], [0.25, 0.25]]
    """
    # YOUR CODE HERE
    raise NotImplementedError("backprop.avg_pool2d_backward is not implemented yet")


def cross_entropy_backward(logits, target):
    """Gradient of the MEAN cross-entropy over the batch, with respect to the logits.

    logits (N, K); target is class indices (N,) (integers) or probabilities
    (N, K) whose rows sum to 1. With p = softmax(logits) row by row:

        dlogits = (p - t) / N

    where t is the one-hot matrix of the indices (t[n, target[n]] = 1) or
    the given probabilities. The 1/N comes from the mean. Compute softmax
    stably (subtract each row's maximum before exp): logits may be as large
    as 1e4. Returns (N, K) with the dtype of logits.

    Example: logits = [[0.0, 0.0]], target = [1]: p = [[0.5, 0.5]],
             dlogits = [[0.5, -0.5]]
    """
    # YOUR CODE HERE
    raise NotImplementedError("backprop.cross_entropy_backward is not implemented yet")


def numerical_gradient(f, x, h=1e-6):
    """Gradient of a scalar function `f` at `x` by centred differences:

        grad[i] = (f(x + h * e_i) - f(x - h * e_i)) / (2 * h)

    for every index i of x (any shape), where e_i is 1 at index i and 0
    elsewhere. Its error is O(h^2); the forward difference
    (f(x + h e_i) - f(x)) / h is only O(h) accurate and is not accepted.
    Use the given `h`. Do not modify x: shift a copy (or restore the exact
    old value). Returns an array of x's shape and dtype.

    This is the tool for gradient checking: compare it with your backward
    passes, e.g. numerical_gradient(lambda W: loss(W), W1) against dW1.

    Example: f(x) = sum(x**2) at x = [1.0, 2.0, 3.0] gives about [2.0, 4.0, 6.0].
    """
    # YOUR CODE HERE
    raise NotImplementedError("backprop.numerical_gradient is not implemented yet")


def mlp_forward(X, W1, b1, W2, b2):
    """Forward pass of lecture 000's 2-2-1 network (predict height from age and weight):

        Z1 = X @ W1 + b1        (N, 2)    hidden layer, 2 neurons
        A1 = relu(Z1)           (N, 2)
        A2 = A1 @ W2 + b2       (N, 1)    linear output (regression)

    X (N, 2), W1 (2, 2), b1 (1, 2), W2 (2, 1), b2 (1, 1) -> A2 (N, 1).
    (The slides write Z1 = W1^T X + b1 with samples as columns; with samples
    as rows, as in the lecture's code, it is X @ W1 + b1.)

    Worked example (lecture 000's data, fixed weights): X = the (age, weight)
    columns [[25, 70], [30, 80], [35, 85], [40, 88], [45, 70], [50, 75],
    [55, 77], [60, 88], [65, 70], [70, 72]], W1 = [[0.2, -0.1], [0.1, 0.05]],
    b1 = [[0.5, -0.5]], W2 = [[1], [2]], b2 = [[150]]. First sample:
    Z1 = [25*0.2 + 70*0.1 + 0.5, -25*0.1 + 70*0.05 - 0.5] = [12.5, 0.5],
    A2 = 12.5*1 + 0.5*2 + 150 = 163.5. All ten:
        A2 = [[163.5], [165.5], [166.5], [167.3], [166.5], [168.0], [169.2],
              [171.3], [170.5], [171.7]]
    """
    # YOUR CODE HERE
    raise NotImplementedError("backprop.mlp_forward is not implemented yet")


def mlp_backward(X, y, W1, b1, W2, b2):
    """Gradients of  loss = sum over samples of (A2 - y)^2  for the network of mlp_forward.

    X (N, 2), y (N, 1), W1 (2, 2), b1 (1, 2), W2 (2, 1), b2 (1, 1).
    Returns a dict {"dW1": ..., "db1": ..., "dW2": ..., "db2": ...}, each
    shaped like its parameter. Lecture 000's backward pass:

        dA2 = 2 * (A2 - y)                      the derivative of (A2 - y)^2
        dZ2 = dA2                               linear output
        dW2 = A1.T @ dZ2                        (2, 1)
        db2 = dZ2.sum(axis=0, keepdims=True)    (1, 1)
        dA1 = dZ2 @ W2.T                        (N, 2)
        dZ1 = dA1 * relu'(Z1)                   relu'(z) = 1 if z > 0 else 0
        dW1 = X.T @ dZ1                         (2, 2)
        db1 = dZ1.sum(axis=0, keepdims=True)    (1, 2)

    The loss is a sum, not a mean: do not divide by N.

    Worked example: the data and weights of mlp_forward's example with the
    heights y = [[175], [180], [178], [176], [170], [169], [165], [160],
    [158], [155]]: dZ2 = 2 (A2 - y) = [-23, -29, -23, -17.4, -7, -2, 8.4,
    22.6, 25, 33.4] and
        dW1 = [[2420, -4500], [-1265.8, -11770]]   db1 = [[-12, -150]]
        dW2 = [[351.42], [-31.75]]                 db2 = [[-12]]
    (hidden unit 2 is active only for the first three samples).
    """
    # YOUR CODE HERE
    raise NotImplementedError("backprop.mlp_backward is not implemented yet")
