"""padding.pad2d."""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from ..cases import Case, as_tuple
from ..oracle import tensors, to_numpy
from ..parts import float32_part, non_contiguous_part
from ..strategies import FLOAT64, count, has, make_case, side, sizes
from ..task import Example, Part, Signature, Task

MODES = ("constant", "reflect", "replicate")


def four(padding) -> tuple[int, int, int, int]:
    """int, (ph, pw) or (top, bottom, left, right) -> (top, bottom, left, right)."""
    if isinstance(padding, (tuple, list)):
        if len(padding) == 2:
            return padding[0], padding[0], padding[1], padding[1]
        return tuple(padding)
    return (padding,) * 4


@st.composite
def paddings(draw, form: str, hi: int = 3):
    """A padding of the given form: "int", "pair" (ph != pw), "four"
    (top, bottom, left, right, not symmetric on both axes) or "any"."""
    if form == "any":
        form = draw(st.sampled_from(("int", "pair", "four")))
    side = st.integers(0, hi)
    if form == "int":
        return draw(st.integers(1, hi))
    if form == "pair":
        ph = draw(side)
        return ph, draw(side.filter(lambda pw: pw != ph))
    return draw(st.tuples(side, side, side, side).filter(
        lambda p: p[0] != p[1] or p[2] != p[3]))


@st.composite
def pad_cases(draw, *, dtype=FLOAT64, form="int", mode=None, value=False, layout=False):
    """Cases for pad2d. `mode` None leaves mode and value at their defaults
    (not passed); "any" draws one of the three modes. An int padding is at
    least 1; batch and channels vary in every part (padding never touches
    them)."""
    size = draw(sizes)
    padding = draw(paddings(form))
    if mode == "any":
        mode = draw(st.sampled_from(MODES))
    top, bottom, left, right = four(padding)
    # reflect mirrors without repeating the edge: each pad must be < that axis' size
    min_h = max(top, bottom) + 1 if mode == "reflect" else 1
    min_w = max(left, right) + 1 if mode == "reflect" else 1
    n, c = count(draw, True, size), count(draw, True, size)
    H, W = side(draw, min_h, size, 5), side(draw, min_w, size, 5)
    params = {"padding": padding}
    if mode is not None:
        params["mode"] = mode
    if value:
        params["value"] = draw(st.sampled_from([1.0, -1.0, 2.5, -0.75, 7.0]))
    return make_case(draw, dtype, {"x": (n, c, H, W)}, params, layout)


def _form(n: int):
    return has("padding", lambda v: (len(v) if isinstance(v, (list, tuple)) else 1) == n)


def _oracle_pad(arrays, p, device):
    import torch.nn.functional as F
    x = tensors(arrays, device)["x"]
    top, bottom, left, right = four(as_tuple(p["padding"]))
    mode = p.get("mode", "constant")
    # F.pad lists the last axis first: (left, right, top, bottom)
    if mode == "constant":
        out = F.pad(x, (left, right, top, bottom), mode="constant", value=p.get("value", 0.0))
    else:
        out = F.pad(x, (left, right, top, bottom), mode=mode)
    return [to_numpy(out)]


_L001_IMG = [[-1, 1, -1, 1, -1], [-1, 1, -1, 1, -1], [-1, 1, 1, 1, -1],
             [-1, -1, -1, 1, -1], [-1, -1, -1, 1, -1]]

pad2d = Task(
    "padding", "pad2d", Signature(("x", "padding"), ("mode?", "value?")), _oracle_pad,
    parts=(
        Part("basic", pad_cases(), "",
             "an int p adds p rows of zeros at the top and at the bottom and p columns at the "
             "left and at the right of every (H, W) image: the result is (N, C, H + 2p, W + 2p); "
             "pad only the last two axes, never N or C", _form(1)),
        Part("pair", pad_cases(form="pair"), "padding is a pair (ph, pw) with ph != pw",
             "(ph, pw) pads ph rows top and bottom and pw columns left and right: the first "
             "number is for the height (axis -2), the second for the width (axis -1)", _form(2)),
        Part("asymmetric", pad_cases(form="four"),
             "padding is a 4-tuple (top, bottom, left, right) with different sides",
             "the order is (top, bottom, left, right), not F.pad's (left, right, top, bottom); "
             "a side may be 0, so slice with x_pad[..., top:top + H, left:left + W] rather than "
             "[top:-bottom] (which is empty when bottom == 0)", _form(4)),
        Part("value", pad_cases(mode="constant", value=True),
             "mode='constant' with a non-zero value",
             "constant padding fills the border with `value`, not always 0 (start from an array "
             "full of `value` and copy x into its middle)", has("value")),
        Part("reflect", pad_cases(mode="reflect"), "mode='reflect'",
             "reflect mirrors around the edge WITHOUT repeating it: [a, b, c, d] padded by 2 "
             "gives [c, b, a, b, c, d, c, b]; pad rows first, then columns of the row-padded "
             "array, so the corners are mirrored too", has("mode", lambda m: m == "reflect")),
        Part("replicate", pad_cases(mode="replicate"), "mode='replicate'",
             "replicate repeats the edge value: [a, b, c] padded by 2 gives "
             "[a, a, a, b, c, c, c]; the corners take the corner value",
             has("mode", lambda m: m == "replicate")),
        Part("combined", pad_cases(form="any", mode="any"),
             "a mode and a padding of any form are combined",
             "every mode takes every form of padding: convert it to (top, bottom, left, right) "
             "first, then pad rows and columns by those amounts"),
        non_contiguous_part(pad_cases, "do not assume C-contiguous memory: index and slice x, or "
                            "copy it with np.ascontiguousarray first"),
        float32_part(pad_cases, "results keep the input's dtype: allocate with dtype=x.dtype"),
    ),
    examples=(
        Example(Case({"x": np.array(_L001_IMG, float)[None, None]}, {"padding": 1}),
                [np.pad(np.array(_L001_IMG, float), 1)[None, None]],
                "lecture 001: the 5x5 image with a border of zeros becomes the 7x7 "
                "zero-padded image"),
    ),
)

TASKS = (pad2d,)
