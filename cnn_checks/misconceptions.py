"""Misconceptions: the wrong variants of each task that students write.

Each is computed here, by the grader (never by the student's process), as
what a function with that one mistake returns on a case. When the student's
answer on the smallest failing case equals one of them (and not the right
answer), the feedback names it: "likely cause: eps inside the square root".

Most mistakes are the right computation on changed inputs (a flipped
kernel, a swapped pair, a doubled upstream gradient), so they reuse the
task's PyTorch oracle; the optimizers' variants are short NumPy loops.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .cases import Case, as_tuple
from .strategies import as_pair


@dataclass(frozen=True)
class Misconception:
    """A named wrong variant: `compute(task, case)` gives its outputs (one
    per task output) or None where it does not apply to the case."""

    name: str
    compute: Callable[[object, Case], Sequence | None]


def _oracle(task, case: Case, arrays=None, **params):
    a = dict(case.arrays if arrays is None else arrays)
    p = {**case.params, **params}
    return list(task.oracle(a, p, "cpu"))


def _arrays(case: Case, **changes):
    return {**case.arrays, **changes}


def _scaled(factor_of: Callable[[Case], float]):
    def compute(task, case):
        f = factor_of(case)
        return [np.asarray(v, dtype=np.float64) * f for v in _oracle(task, case)]
    return compute


# -------------------------------------------------------------- padding

def _pad_order(task, case):
    p = as_tuple(case.params["padding"])
    if not (isinstance(p, tuple) and len(p) == 4):
        return None
    # (p0, p1, p2, p3) read as F.pad's (left, right, top, bottom)
    return _oracle(task, case, padding=[p[2], p[3], p[0], p[1]])


def _pair_swapped(name: str):
    def compute(task, case):
        v = as_tuple(case.params.get(name))
        if not (isinstance(v, tuple) and len(v) == 2 and v[0] != v[1]):
            return None
        return _oracle(task, case, **{name: [v[1], v[0]]})
    return compute


def _np_pad(mode: str):
    def compute(task, case):
        if case.params.get("mode") != ("reflect" if mode == "symmetric" else "replicate"):
            return None
        from .tasks.padding import four
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


def _value_ignored(task, case):
    if "value" not in case.params:
        return None
    return _oracle(task, case, value=0.0)


# -------------------------------------------------------------- conv

def _size(formula):
    def compute(task, case):
        p = case.params
        n, k, s, pad, d = p["n"], p["kernel_size"], p["stride"], p["padding"], p["dilation"]
        return [formula(n, k, s, pad, d)]
    return compute


def _flipped(task, case):
    w = case.arrays["w"]
    if w.shape[2] * w.shape[3] == 1:
        return None
    return _oracle(task, case, _arrays(case, w=np.ascontiguousarray(w[..., ::-1, ::-1])))


def _same_pads(case: Case, dilated: bool):
    kh, kw = case.arrays["w"].shape[2:]
    dh, dw = as_pair(as_tuple(case.params["dilation"])) if dilated else (1, 1)
    th, tw = dh * (kh - 1), dw * (kw - 1)
    return th, tw


def _explicit_pad(task, case, top, bottom, left, right):
    x = np.pad(np.asarray(case.arrays["x"], dtype=np.float64),
               ((0, 0), (0, 0), (top, bottom), (left, right)))
    return _oracle(task, case, _arrays(case, x=x), padding=0)


def _same_ignores_dilation(task, case):
    if case.params.get("padding") != "same" or max(as_pair(as_tuple(case.params["dilation"]))) == 1:
        return None
    th, tw = _same_pads(case, dilated=False)
    out = _explicit_pad(task, case, th // 2, th - th // 2, tw // 2, tw - tw // 2)
    expected = _oracle(task, case)[0]
    H, W = expected.shape[2:]
    got = out[0]
    if got.shape[2] < H or got.shape[3] < W:
        # too small to be 'same': a student slices what fits, the rest stays 0
        full = np.zeros_like(expected)
        full[:, :, :got.shape[2], :got.shape[3]] = got
        return [full]
    return [got[:, :, :H, :W]]


def _pad_top_left(task, case):
    pad = as_tuple(case.params.get("padding", 0))
    if isinstance(pad, str):
        return None
    ph, pw = as_pair(pad)
    if ph == pw == 0:
        return None
    return _explicit_pad(task, case, ph, 0, pw, 0)


def _same_extra_top_left(task, case):
    if case.params.get("padding") != "same":
        return None
    th, tw = _same_pads(case, dilated=True)
    if th % 2 == 0 and tw % 2 == 0:
        return None
    return _explicit_pad(task, case, th - th // 2, th // 2, tw - tw // 2, tw // 2)


# -------------------------------------------------------------- pooling

def _avg_exclude_padding(task, case):
    if max(as_pair(as_tuple(case.params.get("padding", 0)))) == 0:
        return None
    import torch.nn.functional as F

    from .oracle import tensors, to_numpy
    x = tensors({"x": case.arrays["x"]}, "cpu")["x"]
    return [to_numpy(F.avg_pool2d(x, as_tuple(case.params["kernel_size"]),
                                  as_tuple(case.params.get("stride")),
                                  as_tuple(case.params.get("padding", 0)), count_include_pad=False))]


def _square_divisor(task, case):
    kh, kw = as_pair(as_tuple(case.params["kernel_size"]))
    if kh == kw:
        return None
    return [np.asarray(v) * kw / kh for v in _oracle(task, case)]


def _default_stride_one(task, case):
    if case.params.get("stride") is not None:
        return None
    return _oracle(task, case, stride=1)


def _pad_fill(fill: float):
    def compute(task, case):
        ph, pw = as_pair(as_tuple(case.params.get("padding", 0)))
        if ph == pw == 0:
            return None
        x = np.pad(np.asarray(case.arrays["x"], dtype=np.float64),
                   ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=fill)
        params = {**case.params, "padding": 0}
        if params.get("stride") is None:
            params["stride"] = case.params["kernel_size"]
        arrays = _arrays(case, x=x)
        if "dout" in arrays:
            dx = task.oracle(arrays, params, "cpu")[0]
            return [dx[:, :, ph:ph + case.arrays["x"].shape[2], pw:pw + case.arrays["x"].shape[3]]]
        return list(task.oracle(arrays, params, "cpu"))
    return compute


def _last_of_window(task, case):
    if max(as_pair(as_tuple(case.params.get("padding", 0)))) > 0:
        return None
    kh, kw = as_pair(as_tuple(case.params["kernel_size"]))
    sh, sw = as_pair(as_tuple(case.params.get("stride") or (kh, kw)))
    x = np.asarray(case.arrays["x"], dtype=np.float64)
    oh, ow = (x.shape[2] - kh) // sh + 1, (x.shape[3] - kw) // sw + 1
    return [x[:, :, kh - 1::sh, kw - 1::sw][:, :, :oh, :ow]]


def _global_keepdims(task, case):
    return [np.asarray(case.arrays["x"], dtype=np.float64).mean(axis=(2, 3), keepdims=True)]


def _global_square(task, case):
    x = np.asarray(case.arrays["x"], dtype=np.float64)
    return [x.sum(axis=(2, 3)) / (x.shape[2] * x.shape[2])]


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


def _last_axis(task, case):
    if case.params.get("axis", -1) in (-1, case.arrays["z"].ndim - 1):
        return None
    return _oracle(task, case, axis=-1)


def _no_keepdims(task, case):
    z = np.asarray(case.arrays["z"], dtype=np.float64)
    axis = case.params.get("axis", -1)
    m = z.max(axis=axis)
    shifted = z - m
    return [shifted - np.log(np.exp(shifted).sum(axis=axis))]


def _ce_log2(task, case):
    return [np.asarray(v) / math.log(2) for v in _oracle(task, case)]


def _ce_terms(case: Case):
    logits = np.asarray(case.arrays["logits"], dtype=np.float64)
    m = logits.max(axis=1, keepdims=True)
    logp = logits - m - np.log(np.exp(logits - m).sum(axis=1, keepdims=True))
    t = case.arrays["target"]
    onehot = t if t.ndim == 2 else np.eye(logits.shape[1])[t]
    return logits, logp, np.asarray(onehot, dtype=np.float64)


def _ce_reduce(case: Case, per_sample):
    red = case.params.get("reduction", "mean")
    return per_sample if red == "none" else per_sample.sum() if red == "sum" else per_sample.mean()


def _ce_mean_nk(task, case):
    if case.params.get("reduction", "mean") != "mean":
        return None
    logits, logp, onehot = _ce_terms(case)
    return [np.asarray(-(onehot * logp).mean())]


def _ce_argmax(task, case):
    if case.arrays["target"].ndim != 2:
        return None
    logits, logp, onehot = _ce_terms(case)
    hard = np.eye(logits.shape[1])[onehot.argmax(axis=1)]
    return [np.asarray(_ce_reduce(case, -(hard * logp).sum(axis=1)))]


def _kink_one(slope_default: float | None):
    def compute(task, case):
        x = case.arrays["x"]
        if not (x == 0).any():
            return None
        dx = np.asarray(_oracle(task, case)[0], dtype=np.float64)
        return [np.where(x == 0, case.arrays["dout"], dx)]
    return compute


def _sigmoid_on_x(task, case):
    x, dout = (np.asarray(case.arrays[n], dtype=np.float64) for n in ("x", "dout"))
    return [dout * x * (1 - x)]


def _fixed_slope(task, case):
    if "slope" not in case.params or case.params["slope"] == 0.01:
        return None
    return _oracle(task, case, slope=0.01)


def _relu_output(task, case):
    return [np.maximum(np.asarray(v), 0.0) for v in _oracle(task, case)]


def _rows(case: Case, name: str) -> int:
    return case.arrays[name].shape[0]


def _linear_db_not_summed(task, case):
    dx, dw, db = _oracle(task, case)
    return [dx, dw, np.asarray(case.arrays["dout"], dtype=np.float64)]


def _linear_dw_mean(task, case):
    dx, dw, db = _oracle(task, case)
    return [dx, dw / _rows(case, "x"), db]


def _db_mean(task, case):
    dx, dw, db = _oracle(task, case)
    return [dx, dw, db / _rows(case, "x")]


def _mlp_mean(task, case):
    return [np.asarray(v) / _rows(case, "X") for v in _oracle(task, case)]


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
    _, dw_, db = _oracle(task, case)
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


def _zero_gradient(task, case):
    if case.arrays["x"].ndim < 2 or case.layout == "contiguous":
        return None
    return [np.zeros(case.arrays["x"].shape)]


# -------------------------------------------------------------- optimizers

def _optimizer(kind: str, **mistakes):
    """The optimizer `kind` with PyTorch's defaults and one mistake, in NumPy."""
    def compute(task, case):
        p = {k: as_tuple(v) for k, v in case.params.items()}
        params = [np.array(case.arrays[n], dtype=np.float64) for n in ("p0", "p1")]
        state = [{} for _ in params]
        lr = p.get("lr", {"SGD": 0.001, "Adagrad": 0.01, "RMSprop": 0.01, "Adam": 0.001}[kind])
        wd = p.get("weight_decay", 0.0)
        if mistakes.get("no_update"):
            return params
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

MISCONCEPTIONS: dict[str, tuple[Misconception, ...]] = {
    "padding.pad2d": (
        M("F.pad's (left, right, top, bottom) order used for the contract's (top, bottom, left, "
          "right)", _pad_order),
        M("the pair (ph, pw) read the wrong way round (pw for rows, ph for columns)",
          _pair_swapped("padding")),
        M("reflect done as np.pad's 'symmetric' (the edge value is repeated)", _np_pad("symmetric")),
        M("replicate padding leaves the four corners at 0", _np_pad("edge")),
        M("the `value` argument is ignored (the border is always 0)", _value_ignored),
    ),
    "conv.conv_output_size": (
        M("rounding up (ceil) instead of down",
        _size(lambda n, k, s, p, d: -(-(n + 2 * p - d * (k - 1) - 1) // s) + 1)),
        M("dilation ignored: (n + 2p - k) // s + 1", _size(lambda n, k, s, p, d: (n + 2 * p - k) // s + 1)),
        M("true division instead of floor division",
        _size(lambda n, k, s, p, d: (n + 2 * p - d * (k - 1) - 1) / s + 1)),
        M("padding added once (n + p) instead of on both sides (n + 2p)",
          _size(lambda n, k, s, p, d: (n + p - d * (k - 1) - 1) // s + 1)),
    ),
    "conv.conv2d": (
        M("a kernel flip (true convolution) instead of cross-correlation", _flipped),
        M("'same' padding computed from the kernel size alone, ignoring dilation",
          _same_ignores_dilation),
        M("'same' padding puts the extra row/column at the top/left instead of the bottom/right",
          _same_extra_top_left),
        M("padding added only at the top and the left, not at the bottom and the right",
          _pad_top_left),
    ),
    "pooling.max_pool2d": (
        M("stride=None taken as stride 1 instead of kernel_size", _default_stride_one),
        M("padding with zeros instead of -inf", _pad_fill(0.0)),
        M("the last (bottom-right) element of each window instead of the maximum", _last_of_window),
    ),
    "pooling.avg_pool2d": (
        M("average pooling that excludes the padding from the divisor (count_include_pad=False)",
          _avg_exclude_padding),
        M("dividing by KH*KH (a square window) instead of KH*KW", _square_divisor),
    ),
    "pooling.min_pool2d": (
        M("padding with zeros instead of +inf", _pad_fill(0.0)),
        M("the (h, w) stride pair read the wrong way round", _pair_swapped("stride")),
    ),
    "pooling.global_avg_pool2d": (
        M("keeping the pooled axes: (N, C, 1, 1) instead of (N, C)", _global_keepdims),
        M("dividing by H*H (a square map) instead of H*W", _global_square),
    ),
    "losses.softmax": (
        M("exp(z) without subtracting the maximum first (overflow)", _softmax_no_max),
        M("the `axis` argument ignored (always the last axis)", _last_axis),
        M("dividing by the sum over the whole array instead of along the axis", _softmax_whole),
    ),
    "losses.log_softmax": (
        M("the maximum and the sum reduced without keepdims=True (they broadcast along the "
          "wrong axis)", _no_keepdims),
    ),
    "losses.cross_entropy": (
        M("cross-entropy in bits (log2) instead of the natural log", _ce_log2),
        M("'mean' divides by N*K instead of N", _ce_mean_nk),
        M("a probability target turned into class indices with argmax", _ce_argmax),
    ),
    "backprop.relu_backward": (M("relu'(0) = 1 (the mask x >= 0 instead of x > 0)", _kink_one(None)),),
    "backprop.leaky_relu_backward": (
        M("leaky relu'(0) = 1 (the mask x >= 0 instead of x > 0)", _kink_one(0.01)),
    ),
    "backprop.leaky_relu": (M("a fixed slope of 0.01 instead of the `slope` argument", _fixed_slope),),
    "backprop.sigmoid_backward": (M("s * (1 - s) applied to x instead of to s = sigmoid(x)",
                                    _sigmoid_on_x),),
    "backprop.linear_backward": (
        M("db not summed over the batch (db = dout)", _linear_db_not_summed),
        M("dw averaged over the batch instead of summed", _linear_dw_mean),
    ),
    "backprop.conv2d_backward": (
        M("db averaged over the batch instead of summed", _db_mean),
        M("'=' instead of '+=' when adding into dx (an input read by several windows keeps "
          "only the last contribution)", _conv_assign),
    ),
    "backprop.avg_pool2d_backward": (
        M("every input gets the full dout instead of dout / (KH*KW)",
          _scaled(lambda c: float(np.prod(as_pair(as_tuple(c.params["kernel_size"])))))),
        M("'=' instead of '+=' when adding into dx (an input in several windows keeps only "
          "the last share)", _pool_assign("avg")),
    ),
    "backprop.max_pool2d_backward": (
        M("padding with zeros instead of -inf", _pad_fill(0.0)),
        M("'=' instead of '+=' when routing to the winner (an input that wins several "
          "windows keeps only the last one's gradient)", _pool_assign("max")),
    ),
    "backprop.cross_entropy_backward": (
        M("the gradient of the summed loss (softmax - onehot, not divided by N)",
          _scaled(lambda c: float(c.arrays["logits"].shape[0]))),
    ),
    "backprop.numerical_gradient": (
        M("forward differences (f(x + h) - f(x)) / h instead of centred ones", _forward_difference),
        M("perturbing a copy of x (reshape(-1) of a non-contiguous array is a copy), which "
          "gives zeros", _zero_gradient),
    ),
    "backprop.mlp_forward": (M("ReLU applied to the output layer too", _relu_output),),
    "backprop.mlp_backward": (
        M("the mean squared error (divided by N) instead of the sum", _mlp_mean),
        M("the factor 2 of d(A2 - y)^2 left out", _scaled(lambda c: 0.5)),
    ),
    "optim.SGD": _optimizer_mistakes(
        "SGD",
        dampened="momentum in the dampened form buf = momentum * buf + (1 - momentum) * g",
        nesterov_old="Nesterov with the buffer from before this step's update",
        wd_after="weight decay added after the momentum buffer instead of to the gradient",
        no_update="the parameters are not updated in place (rebound to new arrays)"),
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


def matches(wrong: Sequence, got: Sequence[np.ndarray], dtype) -> bool:
    """The student's answer equals the wrong variant's: same shapes, the same
    non-finite entries, and the finite ones within the dtype's tolerance
    (the one that told the answer from the right one)."""
    from .tolerances import tolerance
    if len(wrong) != len(got):
        return False
    rtol, atol = tolerance(dtype)
    for w, g in zip(wrong, got, strict=True):
        if g is None:
            return False
        w, g = np.asarray(w, dtype=np.float64), np.asarray(g, dtype=np.float64)
        if w.shape != g.shape:
            return False
        finite_w, finite_g = np.isfinite(w), np.isfinite(g)
        if not np.array_equal(finite_w, finite_g):
            return False
        if not np.array_equal(np.isnan(w), np.isnan(g)):
            return False
        if not np.array_equal(w[~finite_w & ~np.isnan(w)], g[~finite_g & ~np.isnan(g)]):
            return False
        scale = max(1.0, float(np.max(np.abs(w[finite_w]), initial=0.0)))
        if not np.all(np.abs(w[finite_w] - g[finite_g]) <= atol * scale + rtol * np.abs(w[finite_w])):
            return False
    return True


def _same_kinds(wrong: Sequence, kinds: Sequence[str]) -> bool:
    """An int answer is told apart from a float one of the same value."""
    for w, kind in zip(wrong, kinds, strict=False):
        is_int = isinstance(w, (int, np.integer)) and not isinstance(w, bool)
        if (kind == "int") != is_int:
            return False
    return True


def recognise(task, case: Case, got: Sequence, got_kinds: Sequence[str], right: Sequence,
              right_kinds: Sequence[str]) -> list[str]:
    """The names of the task's misconceptions whose answer on `case` is the
    student's (`got`) and is not the right one (`right`)."""
    found = []
    for m in MISCONCEPTIONS.get(task.name, ()):
        try:
            wrong = m.compute(task, case)
        except Exception:  # a variant that does not apply to this case
            continue
        if wrong is None or not _same_kinds(wrong, got_kinds):
            continue
        if _same_kinds(wrong, right_kinds) and matches(wrong, right, case.dtype):
            continue   # no different from the right answer on this case
        if matches(wrong, got, case.dtype):
            found.append(m.name)
    return found
