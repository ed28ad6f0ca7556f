"""Ablation: which single factor of a failing case makes the failure go away.

The smallest failing case is varied one factor at a time, each variant
removing one thing the case has (a non-contiguous layout, float32, a stride,
a dilation, padding, a bias, a batch, several channels, a non-square kernel,
large values, ...). The grader runs the student's function on each variant
(in the sandboxed child, through the same `run` that graded the case) and
judges it here against the expected answer for the variant; the variants
that pass point at the cause: "passes when the same input is C-contiguous".

A variant keeps everything else of the case: the same values where the
shapes allow (slices of the original arrays), and for a backward pass an
upstream gradient `dout` refitted to the variant's output shape.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from .cases import Case, as_tuple
from .strategies import as_pair

#: names of the arrays that carry a batch axis first
BATCHED = ("x", "dout", "X", "y", "logits", "target")
#: optimizer hyper-parameters that a variant may leave out (their defaults)
HYPER = ("lr", "momentum", "nesterov", "weight_decay", "eps", "alpha", "betas")


@dataclass(frozen=True)
class Factor:
    """One thing a case may have, and how to take it away.

    `remove(task, case)` returns the case without it, or None when the case
    does not have it. `phrase` finishes "passes when ...".
    """

    name: str
    phrase: str
    remove: Callable[[object, Case], Case | None]


def _with(case: Case, arrays=None, params=None, layout=None) -> Case:
    """The case with some of its arrays, hyper-parameters or layout replaced
    (arrays stored as C-contiguous copies, as every case's are)."""
    arrays = case.arrays if arrays is None else arrays
    return replace(case, arrays={k: np.ascontiguousarray(a) for k, a in arrays.items()},
                   params=dict(case.params if params is None else params),
                   layout=case.layout if layout is None else layout)


def _conv_like(case: Case) -> bool:
    w = case.arrays.get("w")
    return w is not None and w.ndim == 4


def _out_sides(image: tuple[int, ...], kernel: tuple[int, ...], stride, padding, dilation=1):
    """(height, width) of a sliding window's output, as PyTorch's conv2d
    computes them (the formula itself is a graded task, which this public
    module does not hold): on the meta device, shapes alone, no arithmetic;
    a RuntimeError where nothing fits."""
    from .oracle import torch_precise
    torch = torch_precise()
    x = torch.empty((1, 1) + tuple(image), device="meta")
    w = torch.empty((1, 1) + tuple(kernel), device="meta")
    out = torch.nn.functional.conv2d(x, w, stride=stride, padding=padding, dilation=dilation)
    return tuple(out.shape[2:])


def _forward_shape(case: Case) -> tuple[int, ...] | None:
    """The shape of the forward output a `dout` must have."""
    x = case.arrays.get("x")
    p = case.params
    if x is None:
        return None
    if _conv_like(case):
        w = case.arrays["w"]
        (sh, sw), (dh, dw) = as_pair(as_tuple(p["stride"])), as_pair(as_tuple(p["dilation"]))
        pad = as_tuple(p["padding"])
        if isinstance(pad, str):
            ph = pw = 0
            if pad == "same":
                return (x.shape[0], w.shape[0]) + x.shape[2:]
        else:
            ph, pw = as_pair(pad)
        return (x.shape[0], w.shape[0]) + _out_sides(x.shape[2:], w.shape[2:], (sh, sw), (ph, pw),
                                                     (dh, dw))
    if "kernel_size" in p:
        kh, kw = as_pair(as_tuple(p["kernel_size"]))
        sh, sw = as_pair(as_tuple(p.get("stride") or (kh, kw)))
        ph, pw = as_pair(as_tuple(p.get("padding", 0)))
        return x.shape[:2] + _out_sides(x.shape[2:], (kh, kw), (sh, sw), (ph, pw))
    w2 = case.arrays.get("w")
    if w2 is not None and w2.ndim == 2:
        return (x.shape[0], w2.shape[1])
    return x.shape


def _refit(case: Case) -> Case | None:
    """The case with `dout` reshaped (values repeated) to fit its output."""
    if "dout" not in case.arrays:
        return case
    try:
        shape = _forward_shape(case)
    except RuntimeError:  # PyTorch: the window does not fit the padded image
        return None
    if shape is None or min(shape) < 1:
        return None
    dout = case.arrays["dout"]
    if dout.shape == shape:
        return case
    arrays = dict(case.arrays)
    arrays["dout"] = np.resize(dout, shape).astype(dout.dtype)
    return _with(case, arrays)


def _contiguous(task, case):
    return _with(case, layout="contiguous") if case.layout != "contiguous" else None


def _float64(task, case):
    if case.dtype != np.float32:
        return None
    return _with(case, {k: a.astype(np.float64) if a.dtype == np.float32 else a
                        for k, a in case.arrays.items()})


def _param_to(name: str, neutral):
    def remove(task, case):
        v = case.params.get(name)
        if v is None or isinstance(v, str) or as_pair(as_tuple(v)) == (neutral, neutral):
            return None
        if "kernel_size" in case.params and name in ("stride", "padding"):
            params = {k: v for k, v in case.params.items() if k != name}    # the default
        else:
            params = {**case.params, name: neutral}
        return _refit(_with(case, params=params))
    return remove


def _padded_beforehand(task, case):
    """A convolution's zero padding done for it: x padded with zeros, padding=0
    (the same expected output)."""
    pad = as_tuple(case.params.get("padding", 0))
    if not _conv_like(case) or "dout" in case.arrays or isinstance(pad, str):
        return _param_to("padding", 0)(task, case)
    ph, pw = as_pair(pad)
    if ph == pw == 0:
        return None
    x = np.pad(case.arrays["x"], ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    return _with(case, {**case.arrays, "x": x}, {**case.params, "padding": 0})


def _no_bias(task, case):
    if "b" not in case.arrays or not _conv_like(case):
        return None
    return _with(case, {k: a for k, a in case.arrays.items() if k != "b"})


def _one_image(task, case):
    names = [n for n in BATCHED if n in case.arrays and case.arrays[n].ndim >= 1]
    if not names or case.arrays[names[0]].shape[0] < 2 or "z" in case.arrays:
        return None
    return _with(case, {k: (a[:1] if k in names else a) for k, a in case.arrays.items()})


def _one_channel(task, case):
    x = case.arrays.get("x")
    if x is None or x.ndim != 4:
        return None
    arrays = dict(case.arrays)
    if _conv_like(case):
        w = arrays["w"]
        if x.shape[1] == 1 and w.shape[0] == 1:
            return None
        arrays["x"], arrays["w"] = x[:, :1], w[:1, :1]
        if "b" in arrays:
            arrays["b"] = arrays["b"][:1]
        if "dout" in arrays:
            arrays["dout"] = arrays["dout"][:, :1]
    else:
        if x.shape[1] == 1:
            return None
        arrays["x"] = x[:, :1]
        if "dout" in arrays:
            arrays["dout"] = arrays["dout"][:, :1]
    return _refit(_with(case, arrays))


def _square(task, case):
    if _conv_like(case):
        w = case.arrays["w"]
        kh, kw = w.shape[2:]
        if kh == kw:
            return None
        k = min(kh, kw)
        return _refit(_with(case, {**case.arrays, "w": w[..., :k, :k]}))
    if "kernel_size" in case.params:
        kh, kw = as_pair(as_tuple(case.params["kernel_size"]))
        if kh == kw:
            return None
        k = min(kh, kw)
        params = {**case.params, "kernel_size": k}
        for name in ("stride", "padding"):
            if isinstance(params.get(name), (list, tuple)):
                params[name] = min(params[name])
        return _refit(_with(case, params=params))
    return None


def _small_values(task, case):
    name = next((n for n in ("z", "logits", "x") if n in case.arrays), None)
    if name is None or "w" in case.arrays or "kernel_size" in case.params:
        return None
    a = case.arrays[name]
    if not np.issubdtype(a.dtype, np.floating) or a.size == 0 or float(np.max(np.abs(a))) <= 20:
        return None
    scaled = (a / (float(np.max(np.abs(a))) / 5.0)).astype(a.dtype)
    return _with(case, {**case.arrays, name: scaled})


def _no_zeros(task, case):
    x = case.arrays.get("x")
    if x is None or x.ndim == 0 or "w" in case.arrays or "kernel_size" in case.params \
            or not (x == 0).any():
        return None
    return _with(case, {**case.arrays, "x": np.where(x == 0, np.asarray(0.5, x.dtype), x)})


def _small_image(task, case):
    x = case.arrays.get("x")
    if x is None or x.ndim != 4 or max(x.shape[2:]) <= 8:
        return None
    if "padding" in case.params and task.function == "pad2d":
        return _with(case, {**case.arrays, "x": x[..., :8, :8]})
    return _refit(_with(case, {**case.arrays, "x": x[..., :8, :8]}))


def _drop(name: str):
    def remove(task, case):
        if name not in case.params:
            return None
        params = {k: v for k, v in case.params.items() if k != name}
        if name == "momentum":
            params.pop("nesterov", None)
        return _refit(_with(case, params=params))
    return remove


def _one_step(task, case):
    steps = case.params.get("steps")
    if not steps or steps < 2:
        return None
    arrays = {k: a for k, a in case.arrays.items() if not (k.startswith("g") and not k.startswith("g0_"))}
    return _with(case, arrays, {**case.params, "steps": 1})


def _one_axis(task, case):
    x = case.arrays.get("x")
    if task.function != "numerical_gradient" or x is None or x.ndim < 2:
        return None
    return _with(case, {k: a.reshape(-1) for k, a in case.arrays.items()})


FACTORS: tuple[Factor, ...] = (
    Factor("layout", "the same input is C-contiguous", _contiguous),
    Factor("dtype", "the same values are float64", _float64),
    Factor("stride", "stride is 1 (or not given)", _param_to("stride", 1)),
    Factor("dilation", "dilation is 1", _param_to("dilation", 1)),
    Factor("padding", "there is no padding (for a convolution: x zero-padded beforehand and "
                      "padding=0)", _padded_beforehand),
    Factor("bias", "there is no bias", _no_bias),
    Factor("batch", "there is one image (one sample)", _one_image),
    Factor("channels", "there is one channel", _one_channel),
    Factor("square", "the kernel is square", _square),
    Factor("size", "the image is at most 8 x 8", _small_image),
    Factor("values", "the values are small (|x| <= 5)", _small_values),
    Factor("zeros", "no x is exactly 0", _no_zeros),
    Factor("axis", "axis is not given (the last axis)", _drop("axis")),
    Factor("step size", "h is not given (the default 1e-6)", _drop("h")),
    Factor("value", "value is not given (zeros)", _drop("value")),
    Factor("slope", "slope is not given (the default 0.01)", _drop("slope")),
    Factor("axes", "x is 1-D", _one_axis),
    Factor("steps", "there is only one step", _one_step),
    *(Factor(h, f"{h} is not given (PyTorch's default)", _drop(h)) for h in HYPER),
)


def variants(task, case: Case) -> list[tuple[Factor, Case]]:
    """Each factor the case has, with the case that lacks it."""
    out = []
    for factor in FACTORS:
        try:
            v = factor.remove(task, case)
        except Exception:  # a factor that does not fit this task's case
            v = None
        if v is not None:
            out.append((factor, v))
    return out
