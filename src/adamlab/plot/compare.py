"""Several optimizers, several seeds each: mean curves with a band over seeds."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from adamlab.plot.curves import split_history
from adamlab.plot.style import (
    color_for,
    column,
    finish_axes,
    log_y,
    new_figure,
    spans_decades,
)

BANDS = {"minmax": "min–max over seeds", "sd": "±1 sd over seeds"}


def seed_stats(curves: Sequence[np.ndarray]) -> dict[str, np.ndarray]:
    """Per-epoch count, mean, min, max and sd over seeds of curves of possibly unequal length
    (runs stopped early); NaN where no seed has a value. Quiet: no empty-slice warnings."""
    n = max((len(c) for c in curves), default=0)
    M = np.full((len(curves), n), np.nan)
    for i, c in enumerate(curves):
        M[i, : len(c)] = c
    ok = np.isfinite(M)
    count = ok.sum(axis=0)
    some = count > 0
    total = np.where(ok, M, 0.0).sum(axis=0)
    mean = np.where(some, total / np.maximum(count, 1), np.nan)
    sq = np.where(ok, (M - mean) ** 2, 0.0).sum(axis=0)
    sd = np.where(some, np.sqrt(sq / np.maximum(count, 1)), np.nan)
    low = np.where(some, np.where(ok, M, np.inf).min(axis=0), np.nan)
    high = np.where(some, np.where(ok, M, -np.inf).max(axis=0), np.nan)
    return {"count": count, "mean": mean, "sd": sd, "min": low, "max": high}


def comparison(
    runs: Mapping[str, Sequence[Any]],
    metric: str = "loss",
    title: str | None = None,
    band: str = "minmax",
) -> Figure:
    """Mean training and validation ``metric`` per epoch for each optimizer, over its seeds.

    ``runs`` maps optimizer name -> list of per-seed histories (as for ``learning_curves``).
    The band is the min–max over seeds (``band="minmax"``) or the mean ± 1 standard deviation
    (``band="sd"``). Each optimizer keeps its colour from ``OPTIMIZER_COLORS``. The validation
    panel appears only when some run has validation data.
    """
    if not runs:
        raise ValueError("comparison: runs is empty; pass {optimizer name: [history, ...]}")
    if band not in BANDS:
        raise ValueError(f"comparison: band must be one of {', '.join(BANDS)}, got {band!r}")
    metric = metric.removeprefix("val_")
    keys = {"training": metric, "validation": f"val_{metric}"}
    stats: dict[str, dict[str, dict[str, np.ndarray]]] = {}
    for name, histories in runs.items():
        if isinstance(histories, Mapping) or not len(histories):
            raise ValueError(
                f"comparison: runs[{name!r}] must be a non-empty list of per-seed histories"
            )
        epochs = [split_history(h)[0] for h in histories]
        missing = [i for i, e in enumerate(epochs) if metric not in e]
        if len(missing) == len(epochs):
            raise ValueError(f"comparison: no history of {name!r} has a {metric!r} column")
        stats[name] = {
            part: seed_stats([column(e, key, len(e["loss"])) for e in epochs])
            for part, key in keys.items()
        }
    parts = [p for p in keys if any(np.any(s[p]["count"]) for s in stats.values())]
    if not parts:
        raise ValueError(f"comparison: no run has any finite {metric!r} value")

    fig, axes = new_figure(len(parts), panel_size=(5.4, 4.0))
    fig.suptitle(title or f"{metric} by optimizer: mean over seeds, band = {BANDS[band]}")
    lows = [s[p]["min"] for s in stats.values() for p in parts]
    use_log = metric == "loss" and spans_decades(np.concatenate(lows))  # one scale, both panels
    for ax, part in zip(axes, parts, strict=True):
        for name, s in stats.items():
            st = s[part]
            if not np.any(st["count"]):
                continue
            x = np.arange(1, st["mean"].size + 1)
            lo, hi = ((st["min"], st["max"]) if band == "minmax"
                      else (st["mean"] - st["sd"], st["mean"] + st["sd"]))
            color = color_for(name)
            ax.fill_between(x, lo, hi, color=color, alpha=0.2, linewidth=0)
            seeds = int(st["count"].max())
            ax.plot(x, st["mean"], color=color, label=f"{name} ({seeds} seed{'s' * (seeds > 1)})")
        if use_log:
            log_y(ax)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        finish_axes(ax, f"{part} {metric}", "epoch", metric, legend=ax is axes[0])
    return fig
