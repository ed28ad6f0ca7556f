"""scores.png: the distribution of the total and of each task's score."""
from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import replace
from multiprocessing import get_context

from .gradebook import Row


@contextmanager
def drawing(columns: list[str], rows: list[Row]) -> Iterator[Callable[[], bytes]]:
    """scores_png drawn in a fresh process (spawned: the batch may hold a
    cluster client's threads, which a fork would copy mid-flight) while the
    caller goes on; the callable waits for the PNG. Where that process
    cannot start or fails, the callable draws it here."""
    slim = [replace(r, result=None) for r in rows]  # the plot reads the scores only
    try:
        pool = ProcessPoolExecutor(1, mp_context=get_context("spawn"))
        future = pool.submit(scores_png, columns, slim)
    except (OSError, RuntimeError):
        yield lambda: scores_png(columns, slim)
        return

    def png() -> bytes:
        try:
            return future.result()
        except Exception:  # the process died or could not draw: draw here, where errors show
            return scores_png(columns, slim)
    try:
        yield png
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def scores_png(columns: list[str], rows: list[Row]) -> bytes:
    """A grid of histograms (ten bins from 0 to the maximum): the total
    first, then one per task; the dashed line is the mean. Each histogram
    is one filled step outline (Axes.stairs) and the margins are fixed:
    bars as separate patches and tight_layout's measuring of every label
    took three times as long for a course's 36 panels."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    graded = [r for r in rows if r.graded]
    panels = [("total", [r.total or 0.0 for r in graded], max((r.max or 0.0 for r in graded), default=0))]
    for c in columns:
        vals = [r.tasks[c][0] for r in graded if c in r.tasks]
        top = max((r.tasks[c][1] for r in graded if c in r.tasks), default=0)
        panels.append((c, vals, top))
    ncols = min(6, len(panels))
    nrows = -(-len(panels) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.0 * ncols, 2.3 * nrows + 0.6), squeeze=False)
    for ax in axes.flat[len(panels):]:
        ax.axis("off")
    for ax, (name, vals, top) in zip(axes.flat, panels, strict=False):
        top = float(top) or 1.0
        bins = [top * i / 10 for i in range(11)]
        if vals:
            counts, edges = np.histogram([min(max(v, 0.0), top) for v in vals], bins=bins)
            ax.stairs(counts, edges, fill=True, color="#4C72B0" if name != "total" else "#DD8452")
            ax.axvline(sum(vals) / len(vals), color="black", linewidth=1, linestyle="--")
        ax.set_xlim(-0.02 * top, 1.02 * top)
        ax.set_title(f"{name} (/{top:g})", fontsize=8, fontweight="bold" if name == "total" else None)
        ax.tick_params(labelsize=7)
        ax.yaxis.get_major_locator().set_params(integer=True)
    errors = len(rows) - len(graded)
    fig.suptitle(f"Score distribution: {len(graded)} students graded"
                 + (f", {errors} grading errors" if errors else "") + " (dashed: mean)", fontsize=10)
    top_margin = 0.6 / (2.3 * nrows + 0.6)  # the suptitle's band, in figure fractions
    fig.subplots_adjust(left=0.04, right=0.99, bottom=0.05, top=1 - top_margin - 0.02,
                        wspace=0.3, hspace=0.6)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    plt.close(fig)
    return buf.getvalue()
