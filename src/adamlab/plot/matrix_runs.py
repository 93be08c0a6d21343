"""The matrix problem's runs (``adamlab.matrix_problem``): loss per step and W's spectrum.

The data are ``adamlab.matrix_problem.run_all``'s list of dicts (``optimizer``, ``lr``,
``tuned``, ``loss``, ``sv``, ``diverged``) and a description of the problem (seed, κ, W*'s
singular values).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from adamlab.plot.style import color_for, finish_axes, new_figure


def matrix_runs(runs: Sequence[Mapping[str, Any]], problem: Mapping[str, Any]) -> Figure:
    """Panel (a): each optimizer's loss against step, log scale, its rate in the legend
    ("tuned" when ``tune_lr`` chose it). Then one panel per optimizer: the singular values of
    W over the steps (solid), with W*'s (dotted grey), where the minimum is.

    ``problem`` has ``seed``, ``condition`` (the Hessian's κ), ``sv_star`` (W*'s singular
    values) and ``steps``; they are written in the title.
    """
    if not runs:
        raise ValueError("matrix_runs: runs is empty; pass the list run_all returns")
    fig, axes = new_figure(1 + len(runs), panel_size=(4.4, 3.4), ncols=min(4, 1 + len(runs)))
    ax = axes[0]
    for r in runs:
        loss = np.asarray(r["loss"], dtype=float)
        how = "tuned" if r.get("tuned") else "α"
        label = f"{r['optimizer']} ({how} {r['lr']:g})" + (", diverged" if r["diverged"] else "")
        ax.plot(np.arange(len(loss)), np.maximum(loss, 1e-300), color=color_for(r["optimizer"]),
                linewidth=1.8, label=label)
    ax.set_yscale("log")
    finish_axes(ax, "(a) loss f(W, b)", "step", "f  (log scale)")
    sv_star = np.asarray(problem["sv_star"], dtype=float)
    top = max([float(sv_star.max())] + [float(np.max(r["sv"])) for r in runs])
    for k, (ax, r) in enumerate(zip(axes[1:], runs, strict=True)):
        sv = np.asarray(r["sv"], dtype=float)
        steps = np.arange(len(sv))
        for s in sv_star:
            ax.axhline(s, color="0.55", linestyle=":", linewidth=0.9)
        ax.plot(steps, sv, color=color_for(r["optimizer"]), linewidth=1.2)
        ax.set_ylim(0, 1.05 * top)
        finish_axes(ax, f"({chr(ord('b') + k)}) {r['optimizer']}: σ(W), lr {r['lr']:g}",
                    "step", "singular values of W", legend=False)
    fig.suptitle(f"min ½‖XW + 1bᵀ − Y‖²/n, W 8×8: Hessian κ = {problem['condition']:.3g}, "
                 f"seed {problem['seed']}, {problem['steps']} steps; dotted: σ(W*)")
    return fig
