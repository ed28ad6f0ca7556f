"""The misconceptions only the grader computes: the wrong variants whose
computation is, or is one small edit away from, a working implementation
of a task (an optimizer with one mistake flag, a pooling backward pass with
'=' for '+=', a softmax without the max subtracted, a size formula with
true division).

cnn_checks.misconceptions ships to every student and holds only variants
computed from the PyTorch oracle; this module never leaves the grader (the
release writes no grader/ folder). CATALOGUE is the whole catalogue, the
public variants first: the grader passes it to check_part, so its feedback
names every catalogued cause, while the public tests name the public ones.
"""
from __future__ import annotations

import numpy as np

from cnn_checks.cases import Case, as_tuple
from cnn_checks.misconceptions import MISCONCEPTIONS, Misconception, merged, oracle_on
from cnn_checks.strategies import as_pair

# -------------------------------------------------------------- padding

def _np_pad(mode: str):
    def compute(task, case):
        if case.params.get("mode") != ("reflect" if mode == "symmetric" else "replicate"):
            return None
        from cnn_checks.tasks.padding import four
        top, bottom, left, right = four(as_tuple(case.params["padding"]))
        x = np.asarray(case.arrays["x"], dtype=np.float64)
        widths = ((0, 0), (0, 0), (top, bottom), (left, right))
        if mode == "symmetric":
            return [np.pad(x, widths, mode="symmetric")]
        out = np.pad(x, widths, mode="edge")
        H, W = x.shape[2:]
        for rows in (slice(0, top), slice(top + H, None)):
            for cols in (slice(0, left), slice(left + W, None)):
                out[:, :, rows, cols] = 0.0
        return [out]
    return compute


# -------------------------------------------------------------- conv

def _size(formula):
    def compute(task, case):
        p = case.params
        n, k, s, pad, d = p["n"], p["kernel_size"], p["stride"], p["padding"], p["dilation"]
        return [formula(n, k, s, pad, d)]
    return compute


# -------------------------------------------------------------- losses

def _naive_softmax(z, axis=-1):
    with np.errstate(all="ignore"):
        e = np.exp(z)
        return e / e.sum(axis=axis, keepdims=True)


def _softmax_no_max(task, case):
    z = np.asarray(case.arrays["z"], dtype=np.float64)
    return [_naive_softmax(z, case.params.get("axis", -1))]


def _softmax_whole(task, case):
    z = np.asarray(case.arrays["z"], dtype=np.float64)
    e = np.exp(z - z.max(axis=case.params.get("axis", -1), keepdims=True))
    return [e / e.sum()]



def _no_keepdims(task, case):
    z = np.asarray(case.arrays["z"], dtype=np.float64)
    axis = case.params.get("axis", -1)
    m = z.max(axis=axis)
    shifted = z - m
    return [shifted - np.log(np.exp(shifted).sum(axis=axis))]


# -------------------------------------------------------------- backprop

def _sigmoid_on_x(task, case):
    x, dout = (np.asarray(case.arrays[n], dtype=np.float64) for n in ("x", "dout"))
    return [dout * x * (1 - x)]


def _pool_geometry(case: Case):
    kh, kw = as_pair(as_tuple(case.params["kernel_size"]))
    sh, sw = as_pair(as_tuple(case.params.get("stride") or (kh, kw)))
    ph, pw = as_pair(as_tuple(case.params.get("padding", 0)))
    return kh, kw, sh, sw, ph, pw


def _pool_assign(kind: str):
    """'=' instead of '+=' when a pooling window's gradient goes into dx:
    windows visited in row-major order, the last one writing a position wins."""
    def compute(task, case):
        kh, kw, sh, sw, ph, pw = _pool_geometry(case)
        x = np.asarray(case.arrays["x"], dtype=np.float64)
        dout = np.asarray(case.arrays["dout"], dtype=np.float64)
        N, C, H, W = x.shape
        x_pad = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=-np.inf)
        dx = np.zeros_like(x_pad)
        for i in range(dout.shape[2]):
            for j in range(dout.shape[3]):
                r, c = i * sh, j * sw
                if kind == "avg":
                    dx[:, :, r:r + kh, c:c + kw] = dout[:, :, i:i + 1, j:j + 1] / (kh * kw)
                    continue
                window = x_pad[:, :, r:r + kh, c:c + kw].reshape(N, C, -1)
                best = np.argmax(window, axis=2)
                for n in range(N):
                    for ch in range(C):
                        a, b = divmod(int(best[n, ch]), kw)
                        dx[n, ch, r + a, c + b] = dout[n, ch, i, j]
        return [dx[:, :, ph:ph + H, pw:pw + W]]
    return compute


def _conv_assign(task, case):
    """'=' instead of '+=' when a kernel tap's gradient goes into dx: taps
    visited in row-major order, the last one reaching a position wins."""
    x, w, dout = (np.asarray(case.arrays[n], dtype=np.float64) for n in ("x", "w", "dout"))
    (sh, sw), (dh, dw) = (as_pair(as_tuple(case.params[k])) for k in ("stride", "dilation"))
    ph, pw = as_pair(as_tuple(case.params["padding"]))
    N, C, H, W = x.shape
    OH, OW = dout.shape[2:]
    dx = np.zeros((N, C, H + 2 * ph, W + 2 * pw))
    for k in range(w.shape[2]):
        for l_ in range(w.shape[3]):
            rows = slice(k * dh, k * dh + (OH - 1) * sh + 1, sh)
            cols = slice(l_ * dw, l_ * dw + (OW - 1) * sw + 1, sw)
            dx[:, :, rows, cols] = np.einsum("noij,oc->ncij", dout, w[:, :, k, l_])
    _, dw_, db = oracle_on(task, case)
    return [dx[:, :, ph:ph + H, pw:pw + W], dw_, db]


def _forward_difference(task, case):
    x, a, b = (np.asarray(case.arrays[n], dtype=np.float64) for n in ("x", "a", "b"))
    h = case.params.get("h", 1e-6)

    def f(v):
        return float(np.sum(a * np.sin(v) + b * v ** 2))

    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[idx] = h
        grad[idx] = (f(x + step) - f(x)) / h
    return [grad]


# -------------------------------------------------------------- optimizers

def _optimizer(kind: str, **mistakes):
    """The optimizer `kind` with PyTorch's defaults and one mistake, in NumPy."""
    def compute(task, case):
        p = {k: as_tuple(v) for k, v in case.params.items()}
        params = [np.array(case.arrays[n], dtype=np.float64) for n in ("p0", "p1")]
        state = [{} for _ in params]
        lr = p.get("lr", {"SGD": 0.001, "Adagrad": 0.01, "RMSprop": 0.01, "Adam": 0.001}[kind])
        wd = p.get("weight_decay", 0.0)
        for t in range(1, p["steps"] + 1):
            for i, q in enumerate(params):
                g = np.asarray(case.arrays[f"g{t - 1}_{i}"], dtype=np.float64)
                s = state[i]
                if wd and not mistakes.get("wd_after"):
                    g = g + wd * q
                if kind == "SGD":
                    mom = p.get("momentum", 0.0)
                    if mom:
                        old = s.get("buf")
                        if old is None:
                            buf = g.copy()
                            if mistakes.get("dampened"):
                                buf = (1 - mom) * g
                        else:
                            buf = mom * old + ((1 - mom) * g if mistakes.get("dampened") else g)
                        s["buf"] = buf
                        if p.get("nesterov"):
                            ahead = buf
                            if mistakes.get("nesterov_old"):
                                ahead = old if old is not None else 0.0
                            step = g + mom * ahead
                        else:
                            step = buf
                    else:
                        step = g
                    if wd and mistakes.get("wd_after"):
                        step = step + wd * q
                    q -= lr * step
                elif kind == "Adagrad":
                    eps = p.get("eps", 1e-10)
                    s["sum"] = s.get("sum", 0.0) + g * g
                    den = np.sqrt(s["sum"] + eps) if mistakes.get("eps_inside") else np.sqrt(s["sum"]) + eps
                    q -= lr * g / den
                elif kind == "RMSprop":
                    alpha, eps = p.get("alpha", 0.99), p.get("eps", 1e-8)
                    if mistakes.get("running_sum"):
                        s["sum"] = s.get("sum", 0.0) + g * g
                        s["v"] = alpha * s.get("v", 0.0) + (1 - alpha) * s["sum"]
                    else:
                        s["v"] = alpha * s.get("v", 0.0) + (1 - alpha) * g * g
                    den = np.sqrt(s["v"] + eps) if mistakes.get("eps_inside") else np.sqrt(s["v"]) + eps
                    mom = p.get("momentum", 0.0)
                    if mom:
                        s["buf"] = mom * s.get("buf", 0.0) + g / den
                        q -= lr * s["buf"]
                    else:
                        q -= lr * g / den
                elif kind == "Adam":
                    b1, b2 = p.get("betas", (0.9, 0.999))
                    eps = p.get("eps", 1e-8)
                    s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
                    s["v"] = b2 * s.get("v", 0.0) + (1 - b2) * g * g
                    tt = t - 1 if mistakes.get("t_from_zero") else t
                    with np.errstate(all="ignore"):
                        if mistakes.get("no_bias_correction"):
                            m_hat, v_hat = s["m"], s["v"]
                        else:
                            m_hat, v_hat = s["m"] / (1 - b1 ** tt), s["v"] / (1 - b2 ** tt)
                        den = np.sqrt(v_hat + eps) if mistakes.get("eps_inside") else np.sqrt(v_hat) + eps
                        q -= lr * m_hat / den
        return params
    return compute


def _optimizer_mistakes(kind: str, **named: str) -> tuple[Misconception, ...]:
    """The misconceptions of optimizer `kind`: one per mistake flag of
    _optimizer, named by its text (`named`: flag=text, in order)."""
    return tuple(Misconception(text, _optimizer(kind, **{flag: True})) for flag, text in named.items())


M = Misconception

#: The grader's misconceptions, by task (each after the task's public ones).
HIDDEN: dict[str, tuple[Misconception, ...]] = {
    "padding.pad2d": (
        M("reflect done as np.pad's 'symmetric' (the edge value is repeated)", _np_pad("symmetric")),
        M("replicate padding leaves the four corners at 0", _np_pad("edge")),
    ),
    "conv.conv_output_size": (
        M("rounding up (ceil) instead of down",
        _size(lambda n, k, s, p, d: -(-(n + 2 * p - d * (k - 1) - 1) // s) + 1)),
        M("true division instead of floor division",
        _size(lambda n, k, s, p, d: (n + 2 * p - d * (k - 1) - 1) / s + 1)),
        M("padding added once (n + p) instead of on both sides (n + 2p)",
          _size(lambda n, k, s, p, d: (n + p - d * (k - 1) - 1) // s + 1)),
    ),
    "losses.softmax": (
        M("exp(z) without subtracting the maximum first (overflow)", _softmax_no_max),
        M("dividing by the sum over the whole array instead of along the axis", _softmax_whole),
    ),
    "losses.log_softmax": (
        M("the maximum and the sum reduced without keepdims=True (they broadcast along the "
          "wrong axis)", _no_keepdims),
    ),
    "backprop.sigmoid_backward": (M("s * (1 - s) applied to x instead of to s = sigmoid(x)",
                                    _sigmoid_on_x),),
    "backprop.conv2d_backward": (
        M("'=' instead of '+=' when adding into dx (an input read by several windows keeps "
          "only the last contribution)", _conv_assign),
    ),
    "backprop.avg_pool2d_backward": (
        M("'=' instead of '+=' when adding into dx (an input in several windows keeps only "
          "the last share)", _pool_assign("avg")),
    ),
    "backprop.max_pool2d_backward": (
        M("'=' instead of '+=' when routing to the winner (an input that wins several "
          "windows keeps only the last one's gradient)", _pool_assign("max")),
    ),
    "backprop.numerical_gradient": (
        M("forward differences (f(x + h) - f(x)) / h instead of centred ones", _forward_difference),
    ),
    "optim.SGD": _optimizer_mistakes(
        "SGD",
        dampened="momentum in the dampened form buf = momentum * buf + (1 - momentum) * g",
        nesterov_old="Nesterov with the buffer from before this step's update",
        wd_after="weight decay added after the momentum buffer instead of to the gradient"),
    "optim.Adagrad": _optimizer_mistakes(
        "Adagrad", eps_inside="eps inside the square root: sqrt(r + eps) instead of sqrt(r) + eps"),
    "optim.RMSprop": _optimizer_mistakes(
        "RMSprop", eps_inside="eps inside the square root: sqrt(v + eps) instead of sqrt(v) + eps",
        running_sum="averaging the running sum of squared gradients instead of the current square"),
    "optim.Adam": _optimizer_mistakes(
        "Adam", eps_inside="eps inside the square root: sqrt(v_hat + eps) instead of sqrt(v_hat) + eps",
        no_bias_correction="Adam without bias correction (m / (sqrt(v) + eps))",
        t_from_zero="Adam's step counter t starting at 0 (the first correction divides by 1 - b1**0 = 0)"),
    "optim.annealed_lr": (
        M("floor division alpha // (eps + t)",
          lambda task, c: [c.params["alpha"] // (c.params["eps"] + c.params["t"])]),
        M("alpha / eps + t (operator precedence) instead of alpha / (eps + t)",
          lambda task, c: [c.params["alpha"] / c.params["eps"] + c.params["t"]]),
    ),
}

#: Every catalogued misconception: the public ones, then the grader's.
CATALOGUE: dict[str, tuple[Misconception, ...]] = merged(MISCONCEPTIONS, HIDDEN)
