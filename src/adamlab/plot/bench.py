"""``adamlab bench``'s performance profiles (Dolan & Moré 2002): ρ_o(τ) against τ."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from matplotlib.figure import Figure

from adamlab.plot.style import color_for, finish_axes, new_figure


def bench_profiles(board: Mapping[str, Any], title: str | None = None) -> Figure:
    """One step line per optimizer: the fraction of workloads on which its median steps to
    the target are within a factor τ of the fastest optimizer's. ``board``: the leaderboard
    (``bench.run_bench``)."""
    fig, (ax,) = new_figure(1, (6.6, 4.2))
    for name in board["ranking"]:
        p = board["profiles"][name]
        ax.step(p["tau"], p["rho"], where="post", color=color_for(name), lw=1.8,
                label=f"{name} (area {board['profile_area'][name]:.2f})")
    ax.set_xscale("log")
    ax.set_ylim(-0.02, 1.02)
    n = len(board["workloads"])
    finish_axes(ax, title or f"performance profiles: suite {board['suite']!r} "
                f"v{board['suite_version']}, {n} workloads, budget {board['budget']} lrs, "
                f"{board['seeds']} seeds", "τ (steps to target ÷ the fastest's)",
                "fraction of workloads within τ")
    return fig
