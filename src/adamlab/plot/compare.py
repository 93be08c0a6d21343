"""Several optimizers, several seeds each: mean curves with a band over seeds."""

from __future__ import annotations

import textwrap
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
    metric: str | Sequence[str] = ("loss", "accuracy"),
    title: str | None = None,
    band: str = "minmax",
) -> Figure:
    """Mean training and validation curves per epoch for each optimizer, over its seeds.

    ``runs`` maps optimizer name -> list of per-seed histories (as for ``learning_curves``).
    ``metric`` is one column ("loss") or several, one row of panels each; by default loss and,
    when the runs have it, accuracy. The band is the min–max over seeds (``band="minmax"``)
    or the mean ± 1 standard deviation (``band="sd"``); a caption under the panels says which,
    over how many seeds, and what the mean is where some seeds stopped early. Each optimizer
    keeps its registry colour. The validation panels appear only when some run has validation
    data.
    """
    if not runs:
        raise ValueError("comparison: runs is empty; pass {optimizer name: [history, ...]}")
    if band not in BANDS:
        raise ValueError(f"comparison: band must be one of {', '.join(BANDS)}, got {band!r}")
    asked = [metric] if isinstance(metric, str) else list(metric)
    metrics = list(dict.fromkeys(m.removeprefix("val_") for m in asked))
    if not metrics:
        raise ValueError("comparison: metric is empty; name a column such as 'loss'")
    parts = {"training": "", "validation": "val_"}
    epochs_of: dict[str, list[Mapping[str, Any]]] = {}
    for name, histories in runs.items():
        if isinstance(histories, Mapping) or not len(histories):
            raise ValueError(
                f"comparison: runs[{name!r}] must be a non-empty list of per-seed histories"
            )
        epochs_of[name] = [split_history(h)[0] for h in histories]
    # stats[metric][part][optimizer]: per-epoch count, mean, sd, min, max over seeds
    stats: dict[str, dict[str, dict[str, dict[str, np.ndarray]]]] = {}
    for m in metrics:
        per_part = {part: {name: seed_stats([column(e, prefix + m, len(e["loss"]))
                                             for e in epochs])
                           for name, epochs in epochs_of.items()}
                    for part, prefix in parts.items()}
        per_part = {part: s for part, s in per_part.items()
                    if any(np.any(st["count"]) for st in s.values())}
        if per_part:
            stats[m] = per_part
        elif isinstance(metric, str):
            raise ValueError(f"comparison: no run has any finite {m!r} value")
    if not stats:
        raise ValueError(f"comparison: no run has any finite value of {', '.join(metrics)}")
    shown_parts = [p for p in parts if any(p in s for s in stats.values())]

    n_rows = len(stats)
    fig, axes = new_figure(n_rows * len(shown_parts), panel_size=(5.4, 3.9),
                           ncols=len(shown_parts))
    names = " and ".join(stats)
    fig.suptitle(title or f"{names} by optimizer: mean over seeds, band = {BANDS[band]}")
    grid = iter(axes)
    first = None
    for m, per_part in stats.items():
        lows = [st["min"] for s in per_part.values() for st in s.values()]
        use_log = m == "loss" and spans_decades(np.concatenate(lows))  # one scale per row
        for part in shown_parts:
            ax = next(grid)
            first = first or ax
            if part not in per_part:
                ax.set_axis_off()
                continue
            _panel(ax, per_part[part], band)
            if use_log:
                log_y(ax)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            finish_axes(ax, f"{part} {m}", "epoch", m, legend=False)
    _legend_and_caption(fig, first, runs, band)
    return fig


def _panel(ax: Any, per_optimizer: Mapping[str, Mapping[str, np.ndarray]], band: str) -> None:
    for name, st in per_optimizer.items():
        if not np.any(st["count"]):
            continue
        x = np.arange(1, st["mean"].size + 1)
        lo, hi = ((st["min"], st["max"]) if band == "minmax"
                  else (st["mean"] - st["sd"], st["mean"] + st["sd"]))
        color = color_for(name)
        ax.fill_between(x, lo, hi, color=color, alpha=0.2, linewidth=0)
        seeds = int(st["count"].max())
        ax.plot(x, st["mean"], color=color, label=f"{name} ({seeds} seed{'s' * (seeds > 1)})")


def _legend_and_caption(fig: Figure, ax: Any, runs: Mapping[str, Sequence[Any]],
                        band: str) -> None:
    """One legend (the colours are shared by every panel), with the band as an entry, and a
    caption saying what the line and the band are."""
    from matplotlib.patches import Patch

    handles, labels = ax.get_legend_handles_labels()
    handles.append(Patch(facecolor="0.5", alpha=0.25, linewidth=0))
    labels.append(f"band: {BANDS[band]}")
    ax.legend(handles, labels, fontsize="small", framealpha=0.85)
    counts = sorted({len(h) for h in runs.values()})
    seeds = str(counts[0]) if len(counts) == 1 else f"{counts[0]}–{counts[-1]}"
    spread = ("the lowest to the highest seed at that epoch" if band == "minmax"
              else "the mean ± one standard deviation over the seeds at that epoch")
    text = (f"Line: the mean over {seeds} seeds per optimizer at each epoch (seeds differ in "
            f"initial weights and shuffling). Band: {spread}. Where a seed stopped early, both "
            "are over the seeds still running.")
    # a super-xlabel: constrained layout keeps room for it, however the figure is saved
    fig.supxlabel(textwrap.fill(text, width=int(17 * fig.get_figwidth())), fontsize="small")
