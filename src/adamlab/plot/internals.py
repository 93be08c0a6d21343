"""Adam's internals over training: moments before and after bias correction, the correction
factors, and the spread of the step sizes Adam actually takes.

The ``trace`` is plain data, as ``adamlab.train.trace.AdamTrace`` records it (one entry per
recorded step in every list)::

    {"step": [t, ...], "lr": [α, ...], "beta1": β1, "beta2": β2, "eps": ε,
     "bias_correction1": [1 − β1^t, ...], "bias_correction2": [1 − β2^t, ...],
     "tracked": [i, ...],                          # indices of a few parameters
     "grad": [[g_i, ...], ...], "m": [...], "v": [...], "m_hat": [...], "v_hat": [...],
     "quantiles": [5, 25, 50, 75, 95],
     "step_quantiles": [[q-th percentile over all parameters of |α·m̂/(√v̂ + ε)|, ...], ...]}

with m_t = β1·m + (1 − β1)·g, v_t = β2·v + (1 − β2)·g², m̂ = m/(1 − β1^t), v̂ = v/(1 − β2^t).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from adamlab.plot.style import finish_axes, log_y, new_figure

REQUIRED = ("step", "beta1", "beta2", "tracked", "grad", "m", "v", "m_hat", "v_hat",
            "quantiles", "step_quantiles")
TRACKED_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b",
                  "#e377c2", "#17becf")
BAND_COLOR = "#d62728"


def _matrix(trace: Mapping[str, Any], key: str, n_steps: int, n_cols: int) -> np.ndarray:
    a = np.array([[np.nan if v is None else v for v in row] for row in trace[key]], dtype=float)
    if a.shape != (n_steps, n_cols):
        raise ValueError(
            f"adam_internals: trace[{key!r}] has shape {a.shape}, expected ({n_steps}, {n_cols}) "
            "(one row per recorded step, one column per tracked parameter or quantile)"
        )
    return a


def _style_legend(ax: Any, entries: list[tuple[str, dict[str, Any]]]) -> None:
    """What each line style means, drawn in black (the colours are the tracked parameters)."""
    handles = [Line2D([], [], color="k", **kw) for _, kw in entries]
    ax.legend(handles, [name for name, _ in entries], fontsize="small", loc="best",
              framealpha=0.85)


def _tracked_legend(fig: Figure, tracked: list[int], panels: str = "a and b") -> None:
    """One row under the panels: the colour of each tracked parameter θ[i]."""
    handles = [Line2D([], [], color=TRACKED_COLORS[j % len(TRACKED_COLORS)], linewidth=2)
               for j in range(len(tracked))]
    fig.legend(handles, [f"θ[{i}]" for i in tracked], loc="outside lower center",
               ncols=min(len(tracked), 8), fontsize="small", frameon=False,
               title=f"tracked parameters (colours in {panels})", title_fontsize="small")


def adam_internals(trace: Mapping[str, Any], title: str | None = None) -> Figure:
    """Four panels: (a) m and m̂ of the tracked parameters over their raw gradients; (b) v and
    v̂ (log scale); (c) the bias-correction factors 1/(1 − β1^t) and 1/(1 − β2^t); (d) the
    5–95% and 25–75% bands and the median over all parameters of the effective step
    |α·m̂/(√v̂ + ε)| (log scale), with α for reference. Steps on a log axis throughout, since
    bias correction acts in the first ~1/(1 − β) steps."""
    missing = [k for k in REQUIRED if k not in trace]
    if missing:
        raise ValueError(f"adam_internals: trace lacks {', '.join(missing)}; see the module doc")
    t = np.asarray(trace["step"], dtype=float)
    if t.size == 0:
        raise ValueError("adam_internals: the trace is empty (no recorded step)")
    tracked = [int(i) for i in trace["tracked"]]
    n, k = t.size, len(tracked)
    g, m, v = (_matrix(trace, key, n, k) for key in ("grad", "m", "v"))
    m_hat, v_hat = _matrix(trace, "m_hat", n, k), _matrix(trace, "v_hat", n, k)
    qs = [float(q) for q in trace["quantiles"]]
    sq = _matrix(trace, "step_quantiles", n, len(qs))
    b1, b2 = float(trace["beta1"]), float(trace["beta2"])
    log_x = t.min() > 0 and t.max() / t.min() >= 10

    fig, axes = new_figure(4, panel_size=(5.6, 4.2))
    fig.suptitle(title or f"Adam's internals (β1 = {b1:g}, β2 = {b2:g}, "
                 f"ε = {float(trace.get('eps', float('nan'))):g})")
    ax_m, ax_v, ax_bc, ax_step = axes

    for j in range(k):
        c = TRACKED_COLORS[j % len(TRACKED_COLORS)]
        ax_m.plot(t, g[:, j], color=c, alpha=0.2, linewidth=0.6, zorder=1)
        ax_m.plot(t, m[:, j], color=c, linestyle="--", linewidth=1.2, zorder=3)
        ax_m.plot(t, m_hat[:, j], color=c, linewidth=1.6, zorder=3)
        ax_v.plot(t, v[:, j], color=c, linestyle="--", linewidth=1.2)
        ax_v.plot(t, v_hat[:, j], color=c, linewidth=1.6)
    ax_m.axhline(0, color="k", linewidth=0.6, alpha=0.5)
    finish_axes(ax_m, r"(a) first moment: $m_t$ (biased) vs $\hat m_t$", "step t", "value",
                legend=False)
    _style_legend(ax_m, [("gradient $g_t$", {"alpha": 0.3}), ("$m_t$", {"linestyle": "--"}),
                         (r"$\hat m_t = m_t/(1-\beta_1^t)$", {})])
    log_y(ax_v)
    finish_axes(ax_v, r"(b) second moment: $v_t$ (biased) vs $\hat v_t$", "step t",
                "value (log)", legend=False)
    _style_legend(ax_v, [("$v_t$", {"linestyle": "--"}), (r"$\hat v_t = v_t/(1-\beta_2^t)$", {})])
    _tracked_legend(fig, tracked)

    bc1 = np.asarray(trace.get("bias_correction1", 1 - b1**t), dtype=float)
    bc2 = np.asarray(trace.get("bias_correction2", 1 - b2**t), dtype=float)
    ax_bc.plot(t, 1 / bc1, color="#1f77b4", label=rf"$1/(1-\beta_1^t)$, $\beta_1$ = {b1:g}")
    ax_bc.plot(t, 1 / bc2, color="#d62728", label=rf"$1/(1-\beta_2^t)$, $\beta_2$ = {b2:g}")
    ax_bc.axhline(1, color="k", linewidth=0.8, linestyle=":", label="1 (no correction)")
    log_y(ax_bc)
    finish_axes(ax_bc, "(c) bias-correction factors", "step t", "factor (log)")

    _draw_quantiles(ax_step, t, qs, sq)
    lr = trace.get("lr")
    if lr is not None and len(lr) == n:
        ax_step.plot(t, np.asarray(lr, dtype=float), color="k", linestyle="--", linewidth=1,
                     label=r"$\alpha$ (learning rate)")
    log_y(ax_step)
    step_formula = r"$|\alpha\,\hat m_t/(\sqrt{\hat v_t}+\epsilon)|$"
    finish_axes(ax_step, f"(d) effective step {step_formula}, all parameters", "step t",
                "step size (log)")
    if log_x:
        for ax in axes:
            ax.set_xscale("log")
    return fig


def _draw_quantiles(ax: Any, t: np.ndarray, qs: list[float], sq: np.ndarray) -> None:
    """Nested bands between symmetric quantiles (outermost lightest) and the median line."""
    order = np.argsort(qs)
    qs, sq = [qs[i] for i in order], sq[:, order]
    n_bands = len(qs) // 2
    for b in range(n_bands):
        lo, hi = b, len(qs) - 1 - b
        alpha = 0.15 + 0.2 * b
        ax.fill_between(t, sq[:, lo], sq[:, hi], color=BAND_COLOR, alpha=alpha, linewidth=0,
                        label=f"{qs[lo]:g}–{qs[hi]:g}%")
    if len(qs) % 2:
        mid = len(qs) // 2
        ax.plot(t, sq[:, mid], color=BAND_COLOR, linewidth=1.6,
                label="median" if qs[mid] == 50 else f"{qs[mid]:g}%")
