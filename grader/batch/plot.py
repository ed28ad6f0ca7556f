"""scores.png: the distribution of the total and of each task's score."""
from __future__ import annotations

import io

from .gradebook import Row


def scores_png(columns: list[str], rows: list[Row]) -> bytes:
    """A grid of histograms (ten bins from 0 to the maximum): the total
    first, then one per task; the dashed line is the mean."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

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
            ax.hist([min(max(v, 0.0), top) for v in vals], bins=bins,
                    color="#4C72B0" if name != "total" else "#DD8452", edgecolor="white")
            ax.axvline(sum(vals) / len(vals), color="black", linewidth=1, linestyle="--")
        ax.set_xlim(-0.02 * top, 1.02 * top)
        ax.set_title(f"{name} (/{top:g})", fontsize=8, fontweight="bold" if name == "total" else None)
        ax.tick_params(labelsize=7)
        ax.yaxis.get_major_locator().set_params(integer=True)
    errors = len(rows) - len(graded)
    fig.suptitle(f"Score distribution: {len(graded)} students graded"
                 + (f", {errors} grading errors" if errors else "") + " (dashed: mean)", fontsize=10)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    plt.close(fig)
    return buf.getvalue()
