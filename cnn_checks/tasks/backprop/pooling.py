"""backprop: max_pool2d_backward and avg_pool2d_backward."""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from ...cases import Case, as_tuple
from ...oracle import vjp
from ...parts import WINDOWS_NON_CONTIGUOUS_ADVICE, channels_part, float32_part, non_contiguous_part
from ...strategies import (
    FLOAT64,
    any_above,
    as_pair,
    count,
    has,
    layout_for,
    seeds,
    side,
    sizes,
)
from ...task import Example, Part, Signature, Task
from .activations import _F_U
from .common import _case


@st.composite
def pool_backward_cases(draw, *, dtype=FLOAT64, stride="kernel", rectangular=False,
                        padding=False, channels=False, layout=False):
    """dout, x for pooling backward passes. stride: "kernel" (given, equal to
    the kernel: windows tile the input), "default" (not given), "overlap"
    (smaller than the kernel), "gaps" (larger), "apart" (no overlap: equal or
    larger), "any". Inputs are random normals: no ties inside a window.
    Padding is at least 1 on one axis; channels: not all 1."""
    size = draw(sizes)
    if rectangular:
        kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
        if stride == "overlap":
            kh, kw = max(kh, 2), max(kw, 2)
        if kh == kw:
            kw = kh % 4 + 1 if stride != "overlap" else (3 if kh == 2 else 2)
        kernel = (kh, kw)
    else:
        kh = kw = draw(st.integers(2, 3))
        kernel = kh
    if stride == "kernel":
        sh, sw, given = kh, kw, kernel
    elif stride == "default":
        sh, sw, given = kh, kw, None
    else:
        if stride == "overlap":
            lo_h, hi_h, lo_w, hi_w = 1, kh - 1, 1, kw - 1
        elif stride == "gaps":
            lo_h, hi_h, lo_w, hi_w = kh + 1, kh + 2, kw + 1, kw + 2
        elif stride == "apart":
            lo_h, hi_h, lo_w, hi_w = kh, kh + 2, kw, kw + 2
        else:
            lo_h, hi_h, lo_w, hi_w = 1, 4, 1, 4
        sh = draw(st.integers(lo_h, hi_h))
        sw = draw(st.integers(lo_w, hi_w)) if rectangular else min(max(sh, lo_w), hi_w)
        given = (sh, sw) if sh != sw else sh
    if padding:
        ph, pw = draw(st.integers(0, kh // 2)), draw(st.integers(0, kw // 2))
        if ph == pw == 0:
            ph, pw = (kh // 2, 0) if kh >= 2 else (0, kw // 2)
    else:
        ph = pw = 0
    n, c = count(draw, channels, size), count(draw, channels, size)
    if channels and n == c == 1:
        c = 2
    H = side(draw, max(1, kh - 2 * ph), size)
    W = side(draw, max(1, kw - 2 * pw), size)
    oh, ow = (H + 2 * ph - kh) // sh + 1, (W + 2 * pw - kw) // sw + 1
    rng = np.random.default_rng(draw(seeds))
    arrays = {"dout": rng.standard_normal((n, c, oh, ow)), "x": rng.standard_normal((n, c, H, W))}
    params = {"kernel_size": kernel}
    if given is not None:
        params["stride"] = given
    if padding:
        params["padding"] = (ph, pw) if ph != pw else ph
    return _case(arrays, params, layout_for(draw, layout), dtype)


_call_pool_backward = Signature(("dout", "x", "kernel_size"), ("stride?", "padding?"))


def _strides(case: Case):
    kh, kw = as_pair(case.params["kernel_size"])
    sh, sw = as_pair(case.params.get("stride") or (kh, kw))
    return kh, kw, sh, sw


def _overlap(case: Case) -> bool:
    kh, kw, sh, sw = _strides(case)
    return sh < kh or sw < kw


def _gaps(case: Case) -> bool:
    kh, kw, sh, sw = _strides(case)
    return sh > kh or sw > kw


def _rectangular(case: Case) -> bool:
    kh, kw, sh, sw = _strides(case)
    return kh != kw or sh != sw


def _pool_oracle(name):
    def oracle(arrays, p, device):
        import torch.nn.functional as F
        pool = getattr(F, name)

        def forward(x):
            return pool(x, as_tuple(p["kernel_size"]), stride=as_tuple(p.get("stride")),
                        padding=as_tuple(p.get("padding", 0)))

        return vjp(forward, {"x": arrays["x"]}, ["x"], arrays["dout"], device)
    return oracle


def _pool_backward_task(pooling: str, kind: str, *, route: str, accumulate: str, pad: str,
                        examples: tuple[Example, ...]) -> Task:
    """The backward pass of `pooling` ("max_pool2d"), against autograd
    through PyTorch's function of that name. Its parts are the same for
    every `kind` of pooling ("max", "average"); three pieces of advice
    differ: where a window's dout goes (`route`, the basic part), what
    overlapping windows do (`accumulate`) and what padding counts as
    (`pad`)."""
    cases = pool_backward_cases
    parts = (
        Part("basic", cases(), "", route),
        Part("default stride", cases(stride="default"), "stride is not given",
             "stride=None means stride = kernel_size (PyTorch's default)",
             lambda c: "stride" not in c.params),
        Part("overlap", cases(stride="overlap"), "stride < kernel_size (windows overlap)",
             accumulate, _overlap),
        Part("stride", cases(stride="gaps"), "stride > kernel_size (windows leave gaps)",
             "window (i, j) starts at row i*stride_h and column j*stride_w; inputs that no "
             "window reads get gradient 0", _gaps),
        Part("rectangular", cases(rectangular=True),
             "kernel_size or stride are (h, w) pairs with h != w",
             "use kernel_size[0] and stride[0] for rows, kernel_size[1] and stride[1] for "
             "columns", _rectangular),
        Part("padding", cases(padding=True), "padding > 0", pad, has("padding", any_above(0))),
        channels_part(cases, f"{kind} pooling works on each image and channel separately: keep the N "
                      f"and C axes"),
        Part("combined", cases(stride="any", rectangular=True, padding=True, channels=True),
             "pair kernel and stride, padding and channels are combined (windows may overlap)",
             "window (i, j) covers padded rows i*stride_h .. i*stride_h + KH - 1 and columns "
             "j*stride_w .. j*stride_w + KW - 1; accumulate into a padded dx and crop it"),
        non_contiguous_part(cases, WINDOWS_NON_CONTIGUOUS_ADVICE),
        float32_part(cases, "results keep the input's dtype: allocate dx with dtype=x.dtype"),
    )
    return Task("backprop", f"{pooling}_backward", _call_pool_backward, _pool_oracle(pooling),
                parts=parts, examples=examples)


_F_U_IMAGE = _F_U[None, None]

max_pool2d_backward = _pool_backward_task(
    "max_pool2d", "max",
    route="dx is 0 except at each window's maximum, which receives that window's dout "
          "(the max passes its gradient to the winner only)",
    accumulate="an input can win several overlapping windows: add each window's dout to "
               "its winner (dx[...] += dout), do not overwrite (dx[...] = dout)",
    pad="padding counts as -inf (it never wins): find the maximum over the real inputs of "
        "each window, or pad with -inf and crop dx afterwards",
    examples=(
        Example(Case({"dout": np.ones((1, 1, 1, 1)), "x": _F_U_IMAGE},
                     {"kernel_size": 2, "stride": 2}),
                [np.array([[[[0, 1, 0], [0, 0, 0], [0, 0, 0]]]], float)],
                "lecture 004, Example 1: 2x2/2 max pooling of f(U) keeps 0.794 (row 0, column "
                "1): that input alone receives the gradient"),
    ),
)

avg_pool2d_backward = _pool_backward_task(
    "avg_pool2d", "average",
    route="every input of window (i, j) receives dout[i, j] / (KH*KW)",
    accumulate="an input in several overlapping windows gets a share from each: add "
               "dout / (KH*KW) (dx[...] += ...), do not overwrite",
    pad="padding counts as zeros and stays in the divisor: every window divides by "
        "KH*KW; the shares that fall on padding are dropped (crop a padded dx)",
    examples=(
        Example(Case({"dout": np.ones((1, 1, 1, 1)), "x": np.array([[[[1.0, 2.0], [3.0, 4.0]]]])},
                     {"kernel_size": 2}),
                [np.full((1, 1, 2, 2), 0.25)],
                "lecture 000: average pooling of [[1, 2], [3, 4]] is (1+2+3+4)/4 = 2.5; each "
                "input receives 1/4 of the gradient"),
    ),
)
