"""Optimizer paths on a 2-D test function, as a picture and as an animated GIF.

The data come from ``adamlab.landscape.run_paths``: a list of dicts with keys ``function``,
``optimizer``, ``lr``, ``xy`` (points), ``diverged``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure
from matplotlib.ticker import LogFormatterMathtext

from adamlab.plot.style import color_for, finish_axes, new_figure

LINESTYLES = ("-", "--", ":", "-.")
#: A marker shape per path, repeated along it (every ``marker_every(steps)`` steps).
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "h")


def path_widths(n: int) -> list[float]:
    """Line widths of n paths in drawing order: the first the widest, each next one narrower
    (by 2 pt, less past 4 paths: the widest stays 7.4 pt) and drawn over it, so that a path
    running under a later one still shows, a border of 1 pt or more on each side of it
    (momentum's path no longer hides SGD's on Rosenbrock, nor RMSprop's Adam's)."""
    gap = 2.0 if n <= 4 else 6.0 / (n - 1)
    return [1.4 + gap * (n - 1 - k) for k in range(n)]


def draw_order(paths: Sequence[Mapping[str, Any]], fn: Any) -> list[int]:
    """Indices of ``paths`` from the longest on the plot to the shortest: the longest is drawn
    first and widest, so that a short path along the same route (SGD inside momentum's) lies
    on top of it, whole, instead of under it."""
    (x0, x1), (y0, y1) = fn.xlim, fn.ylim
    lengths = []
    for p in paths:
        xy = np.asarray(p["xy"], dtype=float).reshape(-1, 2)
        u = np.column_stack([(np.clip(xy[:, 0], x0, x1) - x0) / (x1 - x0),
                             (np.clip(xy[:, 1], y0, y1) - y0) / (y1 - y0)])
        lengths.append(float(np.sum(np.hypot(*np.diff(u, axis=0).T))) if len(u) > 1 else 0.0)
    return sorted(range(len(paths)), key=lambda k: (-lengths[k], k))


def marker_every(steps: int) -> int:
    """A round number of steps between markers: about ten markers along the longest path."""
    target = max(steps / 10, 1)
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000):
        if step >= target:
            return step
    return int(10 ** np.ceil(np.log10(target)))


def _function_of(paths: Sequence[Mapping[str, Any]]):
    from adamlab.landscape import get_function

    if not paths:
        raise ValueError("landscape: paths is empty; pass the list run_paths returns")
    names = {str(p["function"]) for p in paths}
    if len(names) > 1:
        raise ValueError(f"landscape: paths are on different functions: {', '.join(sorted(names))}")
    return get_function(names.pop())


def _labels(paths: Sequence[Mapping[str, Any]]) -> list[tuple[str, str, str]]:
    """(label, colour, linestyle) per path: a colour per optimizer, a new dash for repeats."""
    seen: dict[str, int] = {}
    out = []
    for p in paths:
        name = str(p["optimizer"])
        k = seen[name] = seen.get(name, -1) + 1
        label = f"{name} (α = {p['lr']:g})" + (", diverged" if p.get("diverged") else "")
        out.append((label, color_for(name), LINESTYLES[k % len(LINESTYLES)]))
    return out


def _draw_background(fig: Figure, ax: Any, fn: Any, resolution: int = 300) -> None:
    """Filled contours of f − f* at log-spaced levels, thin lines, a colour bar, the minima."""
    xs = np.linspace(*fn.xlim, resolution)
    ys = np.linspace(*fn.ylim, resolution)
    xx, yy = np.meshgrid(xs, ys)
    gap = fn(xx, yy) - fn.f_min
    positive = gap[gap > 0]
    floor = max(float(positive.min()) if positive.size else 1e-12, float(gap.max()) * 1e-8)
    gap = np.clip(gap, floor, None)
    levels = np.logspace(np.log10(floor), np.log10(gap.max()), 25)
    filled = ax.contourf(xx, yy, gap, levels=levels, norm=LogNorm(), cmap="viridis", alpha=0.55)
    ax.contour(xx, yy, gap, levels=levels[::2], colors="k", linewidths=0.4, alpha=0.35)
    decades = 10.0 ** np.arange(np.ceil(np.log10(levels[0])), np.floor(np.log10(levels[-1])) + 1)
    bar = fig.colorbar(filled, ax=ax, shrink=0.9, pad=0.02, ticks=decades,
                       format=LogFormatterMathtext())
    bar.set_label("f(x, y) − f*  (log-spaced levels)")
    m = np.asarray(fn.minima, dtype=float)
    ax.plot(m[:, 0], m[:, 1], linestyle="none", marker="*", markersize=16, color="gold",
            markeredgecolor="k", markeredgewidth=0.8,
            label="minimum" if len(m) == 1 else "minima", zorder=5)
    if fn.saddles:
        s = np.asarray(fn.saddles, dtype=float)
        ax.plot(s[:, 0], s[:, 1], linestyle="none", marker="P", markersize=11, color="white",
                markeredgecolor="k", markeredgewidth=0.8, label="saddle point", zorder=5)
    ax.set_xlim(*fn.xlim)
    ax.set_ylim(*fn.ylim)


def _draw_start(ax: Any, paths: Sequence[Mapping[str, Any]]) -> None:
    starts = np.unique(np.array([p["xy"][0] for p in paths], dtype=float), axis=0)
    ax.plot(starts[:, 0], starts[:, 1], linestyle="none", marker="o", markersize=9,
            markerfacecolor="white", markeredgecolor="k", markeredgewidth=1.5, label="start",
            zorder=6)


def landscape(paths: Sequence[Mapping[str, Any]], title: str | None = None) -> Figure:
    """Each optimizer's path over the contours of the function they ran on.

    Contours are log-spaced in f − f* (f* the global minimum's value), the start is a white
    circle, the known minima gold stars, each path's end a dot in its colour (a cross if the
    run diverged and left the plot).

    Every path stays visible where paths run together: the longest on the plot is drawn first
    and widest, each next one narrower on top (``draw_order``, ``path_widths``), and each
    carries its own marker shape every ``marker_every(steps)`` steps, which also shows how far
    it went in that many steps. The legend keeps the order of ``paths``.
    """
    fn = _function_of(paths)
    fig, (ax,) = new_figure(1, panel_size=(7.6, 6.0))
    _draw_background(fig, ax, fn)
    steps = max(len(p["xy"]) - 1 for p in paths)
    every = marker_every(steps)
    order = draw_order(paths, fn)
    widths = path_widths(len(paths))
    for k, (p, (label, color, style)) in enumerate(zip(paths, _labels(paths), strict=True)):
        xy = np.asarray(p["xy"], dtype=float).reshape(-1, 2)
        rank = order.index(k)
        z = 4 + rank / (len(paths) + 1)  # later paths over earlier ones, all under the markers
        marker = MARKERS[k % len(MARKERS)]
        ax.plot(xy[:, 0], xy[:, 1], color=color, linestyle=style, linewidth=widths[rank],
                label=label, zorder=z, gid=f"path:{k}", solid_capstyle="round",
                marker=marker, markevery=(every, every), markersize=5.5,
                markeredgecolor="white", markeredgewidth=0.7)
        end = "X" if p.get("diverged") else "o"
        ax.plot(xy[-1, 0], xy[-1, 1], marker=end, markersize=7, color=color,
                markeredgecolor="k", markeredgewidth=0.6, zorder=6, clip_on=True)
    _draw_start(ax, paths)
    finish_axes(ax, title or f"{fn.name}: {steps} steps", "x", "y", legend=False)
    ax.text(0.99, 0.01, f"a marker every {every} steps", transform=ax.transAxes, ha="right",
            va="bottom", fontsize="small", color="0.15",
            bbox={"facecolor": "white", "alpha": 0.7, "linewidth": 0, "pad": 2})
    _legend_below(fig, ax)
    return fig


def _legend_below(fig: Figure, ax: Any) -> None:
    """The legend under the plot, so that it hides no path: markers first, then the paths."""
    handles, labels = ax.get_legend_handles_labels()
    markers = ("start", "minimum", "minima", "saddle point")
    rank = {m: k for k, m in enumerate(markers)}
    order = sorted(range(len(labels)), key=lambda i: (rank.get(labels[i], len(markers)), i))
    handles, labels = [handles[i] for i in order], [labels[i] for i in order]
    fig.legend(handles, labels, loc="outside lower center", ncols=min(3, len(labels)),
               fontsize="small", frameon=False)


def landscape_animation(
    paths: Sequence[Mapping[str, Any]],
    path_gif: str | os.PathLike[str],
    frames: int = 60,
    fps: int = 15,
    title: str | None = None,
    dpi: int = 80,
    hold: float = 1.5,
) -> str:
    """Save an animated GIF of the paths growing step by step; return its path.

    All paths advance together: frame k shows the first ≈ k/frames of the longest run; the
    last frame stays ``hold`` seconds. The contours are drawn once and each frame only redraws
    the paths (Agg blitting), then Pillow (a dependency of matplotlib) writes the GIF with a
    duration per frame: a 60-frame GIF takes about a second.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    if isinstance(frames, bool) or not isinstance(frames, int) or frames < 2:
        raise ValueError(f"landscape_animation: frames must be an integer >= 2, got {frames!r}")
    if not fps > 0:
        raise ValueError(f"landscape_animation: fps must be > 0, got {fps!r}")
    fn = _function_of(paths)
    fig, (ax,) = new_figure(1, panel_size=(7.6, 6.0))
    fig.set_dpi(dpi)
    canvas = FigureCanvasAgg(fig)
    _draw_background(fig, ax, fn)
    arrays = [np.asarray(p["xy"], dtype=float).reshape(-1, 2) for p in paths]
    moving = []
    for (label, color, style), width in zip(_labels(paths), path_widths(len(paths)),
                                            strict=True):
        line = ax.plot([], [], color=color, linestyle=style, linewidth=width, label=label)[0]
        head = ax.plot([], [], marker="o", markersize=7, color=color, markeredgecolor="k",
                       markeredgewidth=0.6)[0]
        moving.append((line, head))
    _draw_start(ax, paths)
    finish_axes(ax, "", "x", "y", legend=False)
    _legend_below(fig, ax)
    longest = max(len(a) for a in arrays) - 1
    name = title or fn.name

    ax.set_title(f"{name}: step {longest}")  # the widest title, for the layout
    for line, head in moving:
        line.set_animated(True)
        head.set_animated(True)
    ax.title.set_animated(True)
    canvas.draw()  # everything but the animated artists, laid out once
    background = canvas.copy_from_bbox(fig.bbox)

    images = []
    for step in np.unique(np.round(np.linspace(0, longest, frames)).astype(int)).tolist():
        canvas.restore_region(background)
        for a, (line, head) in zip(arrays, moving, strict=True):
            k = min(step, len(a) - 1)
            line.set_data(a[: k + 1, 0], a[: k + 1, 1])
            head.set_data(a[k : k + 1, 0], a[k : k + 1, 1])
            ax.draw_artist(line)
        for _, head in moving:
            ax.draw_artist(head)
        ax.set_title(f"{name}: step {step}")
        ax.draw_artist(ax.title)
        images.append(Image.fromarray(np.asarray(canvas.buffer_rgba())[..., :3].copy()))
    durations = [round(1000 / fps)] * len(images)
    durations[-1] = max(durations[-1], round(1000 * hold))
    path_gif = os.fspath(path_gif)
    images[0].save(path_gif, save_all=True, append_images=images[1:], duration=durations,
                   loop=0)
    return path_gif
