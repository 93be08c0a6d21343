"""Any optimizer's internals over training: one panel per group of declared quantities.

The ``trace`` is plain data, as ``adamlab.train.trace.Trace`` records it: ``step``, ``lr``,
``tracked`` and ``quantiles``, one series per declared quantity, and ``declared``::

    {"declared": {"agreement": {"kind": "scalar", "panel": "sign agreement", "label": "...",
                                "log": false, "style": "-"}, ...},
     "agreement": [0.93, ...],                  # scalar: one number per recorded step
     "grad": [[g_i for i in tracked], ...],     # tracked: one row per step
     "|exp_avg|": [[q5, q25, q50, q75, q95], ...],   # quantiles over all parameters
     "sv_after": [[σ1, ..., σk], ...], ...}     # vector: a few numbers per step

``internals(trace)`` draws it: Adam's moments as ``adam_internals`` always has (a trace with
``figure`` "adam"), every other optimizer's with ``optimizer_internals``. Quantities sharing a
``panel`` share its axes: tracked series in the tracked parameters' colours, one line style per
quantity; quantiles as nested bands and a median; scalars as lines; a vector's entries as lines
of one style, darker for the first. Steps on a log axis when they span a decade.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from adamlab.plot.internals import TRACKED_COLORS, _tracked_legend, adam_internals
from adamlab.plot.style import finish_axes, log_y, new_figure

SERIES_COLORS = ("#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")
KINDS = ("tracked", "quantiles", "scalar", "vector")


def internals(trace: Mapping[str, Any], title: str | None = None) -> Figure:
    """The internals figure of any trace: ``adam_internals`` for Adam's, else
    ``optimizer_internals``."""
    if trace.get("figure", "adam") == "adam":
        return adam_internals(trace, title=title)
    return optimizer_internals(trace, title=title)


def _rows(trace: Mapping[str, Any], key: str, n: int, width: int | None) -> np.ndarray:
    a = np.array(trace[key], dtype=float)
    ok = a.shape == (n,) if width is None else (a.ndim == 2 and a.shape[0] == n
                                                and (width < 0 or a.shape[1] == width))
    if not ok and not (n == 0):
        want = f"({n},)" if width is None else f"({n}, {width if width >= 0 else 'k'})"
        raise ValueError(f"optimizer_internals: trace[{key!r}] has shape {a.shape}, expected "
                         f"{want} (one entry per recorded step)")
    return a


def optimizer_internals(trace: Mapping[str, Any], title: str | None = None) -> Figure:
    """One panel per ``panel`` of the declared quantities (constants are not drawn), in the
    order they are declared."""
    for key in ("step", "declared", "tracked", "quantiles"):
        if key not in trace:
            raise ValueError(f"optimizer_internals: trace lacks {key}; see the module doc")
    declared = {k: v for k, v in trace["declared"].items() if v.get("kind") in KINDS}
    missing = [k for k in declared if k not in trace]
    if missing:
        raise ValueError(f"optimizer_internals: trace lacks {', '.join(missing)}, which it "
                         "declares")
    t = np.asarray(trace["step"], dtype=float)
    if t.size == 0:
        raise ValueError("optimizer_internals: the trace is empty (no recorded step)")
    panels: dict[str, list[str]] = {}
    for k, how in declared.items():
        panels.setdefault(how.get("panel") or k, []).append(k)
    fig, axes = new_figure(max(len(panels), 1), panel_size=(5.2, 3.9))
    name = trace.get("optimizer", "the optimizer")
    fig.suptitle(title or f"{name}'s internals")
    tracked = [int(i) for i in trace["tracked"]]
    with_tracked: list[str] = []
    for letter, ax, (panel, keys) in zip("abcdefghijklmnopqrstuvwxyz", axes, panels.items(),
                                         strict=False):
        log = any(declared[k].get("log") for k in keys)
        styles: list[tuple[str, dict[str, Any]]] = []
        for j, k in enumerate(keys):
            how = declared[k]
            kind, label = how["kind"], how.get("label") or k
            style = how.get("style", "-")
            color = SERIES_COLORS[j % len(SERIES_COLORS)]
            if kind == "tracked":
                if letter not in with_tracked:
                    with_tracked.append(letter)
                a = _rows(trace, k, t.size, len(tracked))
                faint = k == "grad" and len(keys) > 1
                for c in range(a.shape[1]):
                    ax.plot(t, _positive(a[:, c], log), linestyle=style,
                            color=TRACKED_COLORS[c % len(TRACKED_COLORS)],
                            alpha=0.3 if faint else 1.0, linewidth=0.7 if faint else 1.4)
                styles.append((label, {"linestyle": style, "alpha": 0.3 if faint else 1.0}))
            elif kind == "quantiles":
                qs = [float(q) for q in trace["quantiles"]]
                _bands(ax, t, qs, _positive(_rows(trace, k, t.size, len(qs)), log), color,
                       label)
            elif kind == "scalar":
                ax.plot(t, _positive(_rows(trace, k, t.size, None), log), color=color,
                        linestyle=style, linewidth=1.6, label=label)
            else:  # vector
                a = _positive(_rows(trace, k, t.size, -1), log)
                for c in range(a.shape[1]):
                    ax.plot(t, a[:, c], color=color, linestyle=style, linewidth=1.2,
                            alpha=1.0 - 0.6 * c / max(a.shape[1] - 1, 1))
                styles.append((label, {"linestyle": style, "color": color}))
        if log:
            log_y(ax)
        finish_axes(ax, f"({letter}) {panel}", "step t", "value (log)" if log else "value",
                    legend=not styles)
        if styles:
            handles = [Line2D([], [], **{"color": "k", **kw}) for _, kw in styles]
            handles += ax.get_legend_handles_labels()[0]
            labels = [s for s, _ in styles] + ax.get_legend_handles_labels()[1]
            ax.legend(handles, labels, fontsize="small", framealpha=0.85)
    if with_tracked:
        _tracked_legend(fig, tracked, ", ".join(with_tracked[:-1]) + " and " + with_tracked[-1]
                        if len(with_tracked) > 1 else with_tracked[0])
    if t.min() > 0 and t.max() / t.min() >= 10:
        for ax in axes:
            ax.set_xscale("log")
    return fig


def _positive(a: np.ndarray, log: bool) -> np.ndarray:
    """On a log axis, values <= 0 are gaps (NaN), not warnings."""
    return np.where(a > 0, a, np.nan) if log else a


def _bands(ax: Any, t: np.ndarray, qs: list[float], sq: np.ndarray, color: str,
           label: str) -> None:
    """Nested bands between symmetric quantiles (outermost lightest) and the median line."""
    order = np.argsort(qs)
    qs, sq = [qs[i] for i in order], sq[:, order]
    for b in range(len(qs) // 2):
        lo, hi = b, len(qs) - 1 - b
        ax.fill_between(t, sq[:, lo], sq[:, hi], color=color, alpha=0.12 + 0.15 * b,
                        linewidth=0, label=f"{label}: {qs[lo]:g}–{qs[hi]:g}%")
    if len(qs) % 2:
        mid = len(qs) // 2
        ax.plot(t, sq[:, mid], color=color, linewidth=1.6,
                label=f"{label}: " + ("median" if qs[mid] == 50 else f"{qs[mid]:g}%"))
