"""The learning-rate range test (``adamlab.lrfind``): smoothed loss against the learning rate."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from adamlab.plot.style import column, finish_axes, new_figure


def lr_find(result: Mapping[str, Any], title: str | None = None) -> Figure:
    """Each seed's smoothed loss relative to its start (thin), their median (thick), the
    suggested learning rate (a dashed line) and the range the seeds' own readings span
    (shaded), on a log lr axis.
    ``result``: ``LRFind.to_dict()`` (or the JSON ``adamlab lr-find`` writes)."""
    lrs, curve = column(result, "lrs"), column(result, "curve")
    fig, (ax,) = new_figure(1, (6.4, 4.2))
    for k, row in enumerate(result["relative"]):
        rel = column({"row": row}, "row")
        ax.plot(lrs[:len(rel)], rel, color="#7f7f7f", lw=0.8, alpha=0.7,
                label="each seed" if k == 0 else None)
    ax.plot(lrs[:len(curve)], curve, color="#d62728", lw=2.2, label="median over seeds")
    lo, hi = result["range"]
    ax.axvspan(lo, hi, color="#2ca02c", alpha=0.15, label=f"range {lo:.2g} – {hi:.2g}")
    sug = result["suggestion"]
    ax.axvline(sug, color="#2ca02c", ls="--", lw=1.5, label=f"suggestion {sug:.2g}")
    ax.set_xscale("log")
    finite = curve[np.isfinite(curve)]
    if finite.size:  # the fall, not the blow-up after it: from below the minimum to the start
        top, bottom = float(finite[0]), float(finite.min())
        pad = 0.08 * max(top - bottom, 1e-12)
        ax.set_ylim(bottom - pad, max(top, float(np.nanmax(finite[:max(1, len(finite) // 2)])))
                    + 3 * pad)
    n = len(result["losses"])
    finish_axes(ax, title or f"learning-rate range test ({n} seed{'s' * (n != 1)}, "
                f"{result.get('reached', len(lrs))} of {len(lrs)} steps)",
                "learning rate (log scale)",
                "smoothed training loss ÷ its value at the start")
    return fig
