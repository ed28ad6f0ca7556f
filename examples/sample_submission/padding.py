"""Padding an image batch (N, C, H, W) on its last two axes, with loops."""
import numpy as np


def four_sides(padding):
    """int p -> (p, p, p, p); (ph, pw) -> (ph, ph, pw, pw); a 4-tuple is
    already (top, bottom, left, right)."""
    if isinstance(padding, (int, np.integer)):
        p = int(padding)
        return p, p, p, p
    sides = [int(p) for p in padding]
    if len(sides) == 2:
        return sides[0], sides[0], sides[1], sides[1]
    if len(sides) == 4:
        return sides[0], sides[1], sides[2], sides[3]
    raise ValueError("padding must be an int, (ph, pw) or (top, bottom, left, right)")


def source(j, n, mode):
    """Which input index (0 .. n-1) a padded position reads, where j is its
    index relative to the input (negative above/left of it, >= n below/right)."""
    if mode == "reflect":
        if j < 0:
            j = -j                      # -1 -> 1, -2 -> 2: the edge is not repeated
        if j > n - 1:
            j = 2 * (n - 1) - j         # n -> n - 2
        return j
    if mode == "replicate":
        if j < 0:
            return 0
        if j > n - 1:
            return n - 1
        return j
    raise ValueError(f"unknown padding mode {mode!r}")


def pad2d(x, padding, mode="constant", value=0.0):
    """Pad x (N, C, H, W) to (N, C, top + H + bottom, left + W + right).

    mode "constant" fills the border with `value`; "reflect" mirrors the
    image without repeating the edge row/column; "replicate" repeats the
    edge. Each padded position (i, j) reads one input position, row and
    column chosen independently (so the corners work out too).
    """
    top, bottom, left, right = four_sides(padding)
    N, C, H, W = x.shape
    out_h, out_w = top + H + bottom, left + W + right
    out = np.zeros((N, C, out_h, out_w), dtype=x.dtype)
    for n in range(N):
        for c in range(C):
            for i in range(out_h):
                for j in range(out_w):
                    r, s = i - top, j - left
                    if 0 <= r < H and 0 <= s < W:
                        out[n, c, i, j] = x[n, c, r, s]
                    elif mode == "constant":
                        out[n, c, i, j] = value
                    else:
                        out[n, c, i, j] = x[n, c, source(r, H, mode), source(s, W, mode)]
    return out
