"""Learning-rate sensitivity: final loss against learning rate, one line per optimizer."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import NullLocator
from matplotlib.transforms import offset_copy

from adamlab.plot.style import color_for, finish_axes, log_y, new_figure

#: How far apart (in points) the ▲ and ✕ of optimizers at one learning rate are drawn.
DODGE_POINTS = 8.0

#: Means more than this many times the median setting's mean are drawn at the top edge.
OFF_SCALE = 100.0


def sensitivity(rows: Sequence[Mapping[str, Any]], metric: str) -> dict[str, dict[str, np.ndarray]]:
    """Per optimizer, per learning rate (sorted): mean, min and max of ``metric`` over the seeds
    that finished, and how many seeds there were and how many diverged or failed."""
    by_opt: dict[str, dict[float, list[Mapping[str, Any]]]] = {}
    for r in rows:
        by_opt.setdefault(str(r["optimizer"]), {}).setdefault(float(r["lr"]), []).append(r)
    out = {}
    for opt, by_lr in by_opt.items():
        lrs = sorted(by_lr)
        cols: dict[str, list[float]] = {k: [] for k in ("mean", "min", "max", "seeds", "lost")}
        for lr in lrs:
            rs = by_lr[lr]
            v = np.array([_value(r, metric) for r in rs])
            ok = np.isfinite(v)
            cols["mean"].append(v[ok].mean() if ok.any() else np.nan)
            cols["min"].append(v[ok].min() if ok.any() else np.nan)
            cols["max"].append(v[ok].max() if ok.any() else np.nan)
            cols["seeds"].append(len(rs))
            cols["lost"].append(int((~ok).sum()))
        out[opt] = {"lr": np.array(lrs), **{k: np.array(c, dtype=float) for k, c in cols.items()}}
    return out


def _value(row: Mapping[str, Any], metric: str) -> float:
    v = row.get(metric)
    if row.get("status", "ok") != "ok" or v is None or v == "":
        return math.nan
    return float(v)


def sweep(
    rows: Sequence[Mapping[str, Any]],
    metric: str = "val_loss",
    title: str | None = None,
    best: Mapping[str, Any] | None = None,
) -> Figure:
    """Final ``metric`` against learning rate (log-log), one line per optimizer.

    ``rows`` are runs as ``adamlab.sweep.table`` gives them (or ``sweep.csv`` read back): each
    with ``optimizer, lr, status`` and the metric. A line is the mean over seeds, its band the
    min–max. Runs that diverged or failed are left out of the mean and drawn as ✕ along the top
    edge; means far above the rest (more than ``OFF_SCALE`` × the median setting's mean) end
    in a ▲ at the top edge, so one blown-up learning rate does not flatten the picture.
    ``best`` (a dict with ``optimizer`` and ``lr``, e.g. from ``adamlab.sweep.best``) is starred
    and labelled; without it, the lowest mean is.
    """
    if not rows:
        raise ValueError(
            "sweep: rows is empty; pass one dict per run (optimizer, lr, status, metric)"
        )
    missing = [k for k in ("optimizer", "lr") if k not in rows[0]]
    if missing:
        raise ValueError(f"sweep: rows need {', '.join(missing)}; they have {', '.join(rows[0])}")
    stats = sensitivity(rows, metric)
    means = np.concatenate([s["mean"] for s in stats.values()])
    finite = means[np.isfinite(means)]
    if finite.size and not np.all(finite > 0):
        raise ValueError(f"sweep: {metric} must be > 0 to draw on a log scale")

    fig, (ax,) = new_figure(1, panel_size=(8.4, 4.6))
    lows = np.concatenate([s["min"] for s in stats.values()])
    highs = np.concatenate([s["max"] for s in stats.values()])
    if finite.size:
        bottom = float(np.nanmin(lows)) / 1.5
        cap = min(float(np.nanmax(highs)), OFF_SCALE * float(np.median(finite)))
    else:  # nothing finished: only the row of ✕
        bottom, cap = 0.1, 1.0
    # the row of ✕ sits above everything drawn, 7% of the (log) height above the cap
    lost_y = cap * (cap / bottom) ** 0.07
    above = lost = False
    for k, (opt, s) in enumerate(stats.items()):
        color = color_for(opt)
        seeds = int(s["seeds"].max())
        # markers at the edges of optimizers side by side: shifted by a few points each
        dodge = offset_copy(
            ax.transData, fig=fig, units="points", x=DODGE_POINTS * (k - (len(stats) - 1) / 2)
        )
        ax.fill_between(
            s["lr"],
            np.minimum(s["min"], cap),
            np.minimum(s["max"], cap),
            color=color,
            alpha=0.15,
            linewidth=0,
        )
        label = f"{opt} ({seeds} seed{'s' * (seeds > 1)})"
        ax.plot(
            s["lr"], np.minimum(s["mean"], cap), color=color, marker="o", markersize=4, label=label
        )
        high = s["mean"] > cap
        if high.any():
            above = True
            ax.plot(
                s["lr"][high],
                np.full(high.sum(), cap),
                transform=dodge,
                linestyle="none",
                marker="^",
                color=color,
                markersize=8,
                markeredgecolor="white",
                clip_on=False,
                zorder=4,
            )
        gone = s["lost"] > 0
        if gone.any():
            lost = True
            ax.plot(
                s["lr"][gone],
                np.full(gone.sum(), lost_y),
                transform=dodge,
                linestyle="none",
                marker="x",
                color=color,
                markersize=8,
                markeredgewidth=2,
                clip_on=False,
                zorder=4,
            )
            for x, n_lost, n in zip(s["lr"][gone], s["lost"][gone], s["seeds"][gone], strict=True):
                if n_lost < n:  # some seeds finished: say how many did not
                    ax.text(
                        x,
                        lost_y * (cap / bottom) ** 0.025,
                        f"{int(n_lost)}/{int(n)}",
                        transform=dodge,
                        ha="center",
                        va="bottom",
                        fontsize="x-small",
                        color=color,
                    )
    _mark_best(ax, stats, best, cap)
    ax.set_xscale("log")
    log_y(ax)
    ax.set_ylim(bottom, cap * (cap / bottom) ** (0.13 if lost else 0.05))
    lrs = np.unique(np.concatenate([s["lr"] for s in stats.values()]))
    ax.set_xticks(lrs, [f"{lr:g}" for lr in lrs])
    ax.xaxis.set_minor_locator(NullLocator())
    if len(lrs) > 1:
        ax.set_xlim(lrs[0] / 1.6, lrs[-1] * 1.6)
    finish_axes(
        ax,
        title or f"final {metric} by learning rate: mean over seeds, band = min–max",
        "learning rate",
        f"final {metric}",
        legend=False,
    )
    ax.grid(True, which="major", axis="x", alpha=0.3)
    handles, labels = ax.get_legend_handles_labels()
    grey = "#555555"
    if above:
        handles.append(Line2D([], [], linestyle="none", marker="^", color=grey))
        labels.append(f"mean > {cap:.3g} (off the scale)")
    if lost:
        handles.append(Line2D([], [], linestyle="none", marker="x", color=grey, markeredgewidth=2))
        labels.append("diverged or failed (k/n: of n seeds)")
    ax.legend(handles, labels, fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return fig


def _mark_best(
    ax: Any, stats: dict[str, dict[str, np.ndarray]], best: Mapping[str, Any] | None, cap: float
) -> None:
    if best is None:
        candidates = [
            (m, opt, lr)
            for opt, s in stats.items()
            for m, lr in zip(s["mean"], s["lr"], strict=True)
            if np.isfinite(m)
        ]
        if not candidates:
            return
        _, opt, lr = min(candidates)
    else:
        opt, lr = str(best["optimizer"]), float(best["lr"])
    s = stats.get(opt)
    if s is None or lr not in s["lr"]:
        raise ValueError(f"sweep: best {opt} at lr {lr:g} is not among the rows")
    y = s["mean"][list(s["lr"]).index(lr)]
    if not np.isfinite(y) or y > cap:
        return
    ax.plot(
        [lr],
        [y],
        marker="*",
        markersize=18,
        color=color_for(opt),
        markeredgecolor="black",
        markeredgewidth=0.8,
        linestyle="none",
        zorder=5,
    )
    ax.annotate(
        f"best: {opt}, lr {lr:g}\n{y:.4g}",
        (lr, y),
        textcoords="offset points",
        xytext=(0, -14),
        ha="center",
        va="top",
        fontsize="small",
        bbox={"boxstyle": "round,pad=0.25", "fc": "white", "ec": "#999999", "alpha": 0.9},
    )
