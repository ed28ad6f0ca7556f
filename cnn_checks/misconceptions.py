"""Misconceptions: the wrong variants of each task that students write.

Each is computed where the grading happens (the grader's process, or the
student's test process for the public tests; never the graded function's
process) as what a function with that one mistake returns on a case. When
the student's answer on the smallest failing case equals one of them (and
not the right answer), the feedback names it: "likely cause: a kernel flip".

This module ships to every student, so it holds no working implementation
of any task, nor code a small edit turns into one: every variant here is
the task's PyTorch oracle on changed inputs (a flipped kernel, a swapped
pair, a doubled upstream gradient), a rescaling or reshaping of its answer,
or an answer no task asks for. The variants that need a task's computation
itself (an optimizer with one mistake, a backward pass with '=' for '+=')
are the grader's alone (grader/misconceptions.py), which passes the whole
catalogue to check_part.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
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


def oracle_on(task, case: Case, arrays=None, **params):
    """The task's PyTorch oracle on the case, with some arrays or
    hyper-parameters replaced."""
    a = dict(case.arrays if arrays is None else arrays)
    p = {**case.params, **params}
    return list(task.oracle(a, p, "cpu"))


def _arrays(case: Case, **changes):
    return {**case.arrays, **changes}


def _scaled(factor_of: Callable[[Case], float]):
    def compute(task, case):
        f = factor_of(case)
        return [np.asarray(v, dtype=np.float64) * f for v in oracle_on(task, case)]
    return compute


# -------------------------------------------------------------- padding

def _pad_order(task, case):
    p = as_tuple(case.params["padding"])
    if not (isinstance(p, tuple) and len(p) == 4):
        return None
    # (p0, p1, p2, p3) read as F.pad's (left, right, top, bottom)
    return oracle_on(task, case, padding=[p[2], p[3], p[0], p[1]])


def _pair_swapped(name: str):
    def compute(task, case):
        v = as_tuple(case.params.get(name))
        if not (isinstance(v, tuple) and len(v) == 2 and v[0] != v[1]):
            return None
        return oracle_on(task, case, **{name: [v[1], v[0]]})
    return compute


def _value_ignored(task, case):
    if "value" not in case.params:
        return None
    return oracle_on(task, case, value=0.0)


# -------------------------------------------------------------- conv

def _flipped(task, case):
    w = case.arrays["w"]
    if w.shape[2] * w.shape[3] == 1:
        return None
    return oracle_on(task, case, _arrays(case, w=np.ascontiguousarray(w[..., ::-1, ::-1])))


def _same_pads(case: Case, dilated: bool):
    kh, kw = case.arrays["w"].shape[2:]
    dh, dw = as_pair(as_tuple(case.params["dilation"])) if dilated else (1, 1)
    th, tw = dh * (kh - 1), dw * (kw - 1)
    return th, tw


def _explicit_pad(task, case, top, bottom, left, right):
    x = np.pad(np.asarray(case.arrays["x"], dtype=np.float64),
               ((0, 0), (0, 0), (top, bottom), (left, right)))
    return oracle_on(task, case, _arrays(case, x=x), padding=0)


def _same_ignores_dilation(task, case):
    if case.params.get("padding") != "same" or max(as_pair(as_tuple(case.params["dilation"]))) == 1:
        return None
    th, tw = _same_pads(case, dilated=False)
    out = _explicit_pad(task, case, th // 2, th - th // 2, tw // 2, tw - tw // 2)
    expected = oracle_on(task, case)[0]
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
    return [np.asarray(v) * kw / kh for v in oracle_on(task, case)]


def _default_stride_one(task, case):
    if case.params.get("stride") is not None:
        return None
    return oracle_on(task, case, stride=1)


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
    return [np.asarray(oracle_on(task, case)[0])[:, :, None, None]]


def _square_map(case: Case) -> float:
    """sum / (H*H) is the mean (sum / (H*W)) times W / H."""
    h, w = case.arrays["x"].shape[2:]
    return w / h


# -------------------------------------------------------------- losses

def _last_axis(task, case):
    if case.params.get("axis", -1) in (-1, case.arrays["z"].ndim - 1):
        return None
    return oracle_on(task, case, axis=-1)


def _ce_log2(task, case):
    return [np.asarray(v) / math.log(2) for v in oracle_on(task, case)]


def _ce_mean_nk(task, case):
    """-(onehot * logp).mean() over N*K entries: the mean over N divided by K."""
    if case.params.get("reduction", "mean") != "mean":
        return None
    return [np.asarray(oracle_on(task, case)[0]) / case.arrays["logits"].shape[1]]


def _ce_argmax(task, case):
    target = case.arrays["target"]
    if target.ndim != 2:
        return None
    return oracle_on(task, case, _arrays(case, target=np.argmax(target, axis=1).astype(np.int64)))


def _kink_one(slope_default: float | None):
    def compute(task, case):
        x = case.arrays["x"]
        if not (x == 0).any():
            return None
        dx = np.asarray(oracle_on(task, case)[0], dtype=np.float64)
        return [np.where(x == 0, case.arrays["dout"], dx)]
    return compute


def _fixed_slope(task, case):
    if "slope" not in case.params or case.params["slope"] == 0.01:
        return None
    return oracle_on(task, case, slope=0.01)


def _relu_output(task, case):
    return [np.maximum(np.asarray(v), 0.0) for v in oracle_on(task, case)]


def _rows(case: Case, name: str) -> int:
    return case.arrays[name].shape[0]


def _linear_db_not_summed(task, case):
    dx, dw, db = oracle_on(task, case)
    return [dx, dw, np.asarray(case.arrays["dout"], dtype=np.float64)]


def _linear_dw_mean(task, case):
    dx, dw, db = oracle_on(task, case)
    return [dx, dw / _rows(case, "x"), db]


def _db_mean(task, case):
    dx, dw, db = oracle_on(task, case)
    return [dx, dw, db / _rows(case, "x")]


def _mlp_mean(task, case):
    return [np.asarray(v) / _rows(case, "X") for v in oracle_on(task, case)]


def _not_updated(task, case):
    """An optimizer that rebinds its parameters leaves the caller's as they were."""
    return [np.array(case.arrays[n], dtype=np.float64) for n in ("p0", "p1")]


def _zero_gradient(task, case):
    if case.arrays["x"].ndim < 2 or case.layout == "contiguous":
        return None
    return [np.zeros(case.arrays["x"].shape)]


M = Misconception

MISCONCEPTIONS: dict[str, tuple[Misconception, ...]] = {
    "padding.pad2d": (
        M("F.pad's (left, right, top, bottom) order used for the contract's (top, bottom, left, "
          "right)", _pad_order),
        M("the pair (ph, pw) read the wrong way round (pw for rows, ph for columns)",
          _pair_swapped("padding")),
        M("the `value` argument is ignored (the border is always 0)", _value_ignored),
    ),
    "conv.conv_output_size": (
        M("dilation ignored: (n + 2p - k) // s + 1", lambda task, case: oracle_on(task, case, dilation=1)),
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
        M("dividing by H*H (a square map) instead of H*W", _scaled(_square_map)),
    ),
    "losses.softmax": (
        M("the `axis` argument ignored (always the last axis)", _last_axis),
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
    "backprop.linear_backward": (
        M("db not summed over the batch (db = dout)", _linear_db_not_summed),
        M("dw averaged over the batch instead of summed", _linear_dw_mean),
    ),
    "backprop.conv2d_backward": (
        M("db averaged over the batch instead of summed", _db_mean),
    ),
    "backprop.avg_pool2d_backward": (
        M("every input gets the full dout instead of dout / (KH*KW)",
          _scaled(lambda c: float(np.prod(as_pair(as_tuple(c.params["kernel_size"])))))),
    ),
    "backprop.max_pool2d_backward": (
        M("padding with zeros instead of -inf", _pad_fill(0.0)),
    ),
    "backprop.cross_entropy_backward": (
        M("the gradient of the summed loss (softmax - onehot, not divided by N)",
          _scaled(lambda c: float(c.arrays["logits"].shape[0]))),
    ),
    "backprop.numerical_gradient": (
        M("perturbing a copy of x (reshape(-1) of a non-contiguous array is a copy), which "
          "gives zeros", _zero_gradient),
    ),
    "backprop.mlp_forward": (M("ReLU applied to the output layer too", _relu_output),),
    "backprop.mlp_backward": (
        M("the mean squared error (divided by N) instead of the sum", _mlp_mean),
        M("the factor 2 of d(A2 - y)^2 left out", _scaled(lambda c: 0.5)),
    ),
    "optim.SGD": (
        M("the parameters are not updated in place (rebound to new arrays)", _not_updated),
    ),
}


#: a catalogue: task name -> its misconceptions, in the order they are tried
Catalogue = Mapping[str, Sequence[Misconception]]


def merged(*catalogues: Catalogue) -> dict[str, tuple[Misconception, ...]]:
    """One catalogue from several: each task's misconceptions in the order
    of the catalogues given."""
    out: dict[str, tuple[Misconception, ...]] = {}
    for catalogue in catalogues:
        for task, found in catalogue.items():
            out[task] = out.get(task, ()) + tuple(found)
    return out


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
              right_kinds: Sequence[str], catalogue: Catalogue | None = None) -> list[str]:
    """The names of the task's misconceptions (in `catalogue`, by default
    this module's) whose answer on `case` is the student's (`got`) and is
    not the right one (`right`)."""
    found = []
    for m in (MISCONCEPTIONS if catalogue is None else catalogue).get(task.name, ()):
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
