"""Padding an image batch on its last two axes (height and width)."""
from .xp import array_namespace, device


def as_four(padding):
    """Normalize `padding` to (top, bottom, left, right).

    int p          -> (p, p, p, p)
    (ph, pw)       -> (ph, ph, pw, pw)     pad rows by ph, columns by pw
    (t, b, l, r)   -> (t, b, l, r)

    Note: PyTorch's `F.pad` takes its tuple as (left, right, top, bottom),
    last axis first; here the order is top, bottom, left, right, as on a page.
    """
    if isinstance(padding, int):
        return (padding,) * 4
    padding = tuple(int(p) for p in padding)
    if len(padding) == 2:
        ph, pw = padding
        return ph, ph, pw, pw
    if len(padding) == 4:
        return padding
    raise ValueError(f"padding must be an int, (ph, pw) or (top, bottom, left, right), got {padding!r}")


def source_index(n, before, after, mode):
    """Where each padded position reads from, along one axis of length n.

    Position i of the padded axis (i = 0 .. before + n + after - 1) shows the
    input at j = i - before when 0 <= j < n. Outside:
      "reflect":   mirror at the edge without repeating it: j = -1 -> 1,  j = n -> n - 2
      "replicate": repeat the edge value:                   j = -1 -> 0,  j = n -> n - 1
    """
    index = []
    for i in range(before + n + after):
        j = i - before
        if mode == "reflect":
            j = abs(j)                          # -1 -> 1, -2 -> 2
            j = (n - 1) - abs((n - 1) - j)      # n -> n - 2, n + 1 -> n - 3
        elif mode == "replicate":
            j = min(max(j, 0), n - 1)
        else:
            raise ValueError(f"unknown padding mode {mode!r}")
        index.append(j)
    return index


def pad2d(x, padding, mode="constant", value=0.0):
    """Pad the last two axes of `x` (N, C, H, W) -> (N, C, top + H + bottom, left + W + right).

    `padding` is an int, (ph, pw) or (top, bottom, left, right) (see `as_four`).
    mode "constant" fills with `value`; "reflect" mirrors the border without
    repeating the edge ([a, b, c, d] padded by 2: [c, b, a, b, c, d, c, b]);
    "replicate" repeats the edge ([a, b, c] padded by 2: [a, a, a, b, c, c, c]).
    These are PyTorch's `F.pad` modes. Reflect needs each pad smaller than
    that axis' size. Rows are gathered first, then columns of the result, so
    the corners are filled as PyTorch fills them.

    Example (lecture 001): a 5x5 image padded with padding=1 becomes 7x7 with
    a border of zeros.
    """
    xp = array_namespace(x)
    top, bottom, left, right = as_four(padding)
    H, W = x.shape[-2], x.shape[-1]
    if mode == "constant":
        shape = tuple(x.shape[:-2]) + (top + H + bottom, left + W + right)
        out = xp.full(shape, value, dtype=x.dtype, device=device(x))
        out[..., top:top + H, left:left + W] = x
        return out
    rows = xp.asarray(source_index(H, top, bottom, mode), device=device(x))
    cols = xp.asarray(source_index(W, left, right, mode), device=device(x))
    return xp.take(xp.take(x, rows, axis=-2), cols, axis=-1)
