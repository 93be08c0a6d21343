"""The decision boundary of a classifier on two features."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from adamlab.plot.style import finish_axes, new_figure

# class colours: class 0 blue and class 1 red match the RdBu_r map of P(class 1)
CLASS_COLORS = ("#2166ac", "#b2182b", "#1b9e77", "#e6ab02", "#7570b3", "#66a61e", "#a6761d",
                "#e7298a", "#666666", "#d95f02")
#: The colour of the classes not drawn one by one ("other").
OTHER_COLOR = "#bdbdbd"
#: Classes drawn one by one, at most (the most frequent); the rest are one "other" class.
MAX_CLASSES = len(CLASS_COLORS)
#: Probabilities one block of grid points holds (points × classes): the plot's memory bound.
BLOCK_VALUES = 1 << 20
#: Operations the grid's predictions may cost: a wide model gets a coarser grid.
GRID_WORK = 1e9
#: Operations per point and class beyond the model's multiply-adds (the softmax's exp, the
#: reductions of ``_probabilities``).
PER_CLASS = 20


def grid_size_for(n_params: int, n_outputs: int = 1, most: int = 200, least: int = 32) -> int:
    """Grid points per side, so that ``size² · (n_params + PER_CLASS · n_outputs) ≤ GRID_WORK``
    (a model's multiply-adds per point are about its parameter count), between ``least`` and
    ``most``: 200 for a small model, 32 for ``--hidden 1000000``."""
    cost = max(1, n_params + PER_CLASS * n_outputs)
    return int(np.clip(math.isqrt(int(GRID_WORK // cost)), least, most))


def _grid(X: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """A size×size grid over the data's range, padded on each side by 10% of that range.

    The padding scales with the data, whatever its units: features of 1e-6 get a margin of
    1e-7, not a fixed 0.5 that left them a dot in an empty picture (and, at 1e-310, put the
    grid so far from the training data that standardising it overflowed). A constant column
    is padded by 10% of its value; a column of zeros by 10% of the data's largest |x|
    (0.5 when all of X is 0).
    """
    lo, hi = X.min(axis=0), X.max(axis=0)
    span = 0.1 * hi - 0.1 * lo  # 0.1·(hi − lo), computed so that ±1e308 cannot overflow
    fallback = 0.1 * float(np.abs(X).max()) or 0.5
    # A range of a few ulps (1e6 and the next float) is no range to draw: at least 1e-9 of
    # the values' magnitude (matplotlib refuses limits that are equal once it rounds them).
    span = np.where(span > 0, np.maximum(span, 1e-9 * np.maximum(np.abs(lo), np.abs(hi))), 0)
    pad = np.where(span > 0, span, np.where(lo != 0, 0.1 * np.abs(lo), fallback))
    big = np.finfo(float).max
    with np.errstate(over="ignore"):  # beyond ±1.8e308: the grid stops at the largest float
        start, stop = np.clip(lo - pad, -big, big), np.clip(hi + pad, -big, big)
    # centre ± half-width · [-1, 1] (linspace's stop − start would overflow at ±1.8e308)
    mid, half = 0.5 * start + 0.5 * stop, 0.5 * stop - 0.5 * start
    unit = np.linspace(-1.0, 1.0, size)
    return np.meshgrid(mid[0] + half[0] * unit, mid[1] + half[1] * unit)


def _display_unit(values: np.ndarray) -> float:
    """1, or the power of ten an axis is drawn in when matplotlib cannot draw it as it is.

    matplotlib collapses an axis whose values are all below ~2e-287 to ±0.05 (subnormal
    features would be a dot), and a span near ±1e308 overflows; such an axis is drawn in
    units of 10^k, near 1, and its label says so.
    """
    m = float(np.max(np.abs(values)))
    if m == 0 or 1e-250 <= m <= 1e250:
        return 1.0
    return 10.0 ** math.floor(math.log10(m))


def _name(c: Any) -> str:
    """A class label as text: 1.0 -> "1", np.str_("a") -> "a"."""
    if isinstance(c, (float, np.floating)) and float(c).is_integer():
        return str(int(c))
    return str(c.item() if isinstance(c, np.generic) else c)


def _validation_mask(validation: Any, n: int) -> np.ndarray:
    """A boolean mask of the validation rows from indices or a mask (all False for None)."""
    mask = np.zeros(n, dtype=bool)
    if validation is None:
        return mask
    v = np.asarray(validation)
    if v.dtype == bool:
        if v.shape != (n,):
            raise ValueError(f"decision_boundary: a validation mask must have shape ({n},), "
                             f"got {v.shape}")
        return v.copy()
    if v.size and (not np.issubdtype(v.dtype, np.integer) or v.ndim != 1 or v.min() < 0
                   or v.max() >= n):
        raise ValueError(f"decision_boundary: validation must be row indices in [0, {n}) or a "
                         "boolean mask of X's rows")
    mask[v.astype(int)] = True
    return mask


def _class_index(y: np.ndarray, classes: list[Any]) -> np.ndarray:
    """Column index of each label: ``y`` holds labels from ``classes``, or codes 0..K−1."""
    index = {c: i for i, c in enumerate(classes)}
    labels = y.tolist()
    if all(c in index for c in labels):
        return np.array([index[c] for c in labels], dtype=int)
    if np.issubdtype(y.dtype, np.integer) and y.min() >= 0 and y.max() < len(classes):
        return y.astype(int)
    unknown = sorted({str(c) for c in labels if c not in index})
    raise ValueError(
        f"decision_boundary: y has labels {', '.join(unknown[:10])} that are neither in "
        f"classes {classes} nor codes 0..{len(classes) - 1}"
    )


def _drawn(counts: np.ndarray, limit: int) -> np.ndarray:
    """The classes drawn one by one: all when there are at most ``limit``, else the ``limit``
    most frequent (ties to the lower index), in class order."""
    if len(counts) <= limit:
        return np.arange(len(counts))
    return np.sort(np.argsort(-counts, kind="stable")[:limit])


def _probabilities(predict_proba: Callable[[np.ndarray], Any], points: np.ndarray,
                   counts: np.ndarray, limit: int) -> tuple[np.ndarray, int, np.ndarray, int]:
    """(P, K, drawn, blocks): ``predict_proba`` over ``points`` in blocks of at most
    ``BLOCK_VALUES`` probabilities, each block reduced as it comes to what is drawn.

    Binary: P is P(class 1), shape (n,). K classes: P has a column per drawn class and, when
    some are not drawn, a last column with the largest probability among those ("other"):
    every region's margin ``P_k − max_{j≠k} P_j`` is then the same as over all K columns.
    """
    n = len(points)
    # how many classes there are is known after the first block, of one point
    parts: list[np.ndarray] = []
    start, block, blocks = 0, 1, 0
    K, drawn = 2, np.arange(2)
    while start < n:
        chunk = points[start:start + block]
        P = np.asarray(predict_proba(chunk), dtype=float)
        if P.ndim == 2 and P.shape[1] == 1:
            P = P[:, 0]
        if P.ndim == 2 and P.shape[1] == 2:
            P = P[:, 1]
        if P.shape[0] != len(chunk) or P.ndim > 2 or (blocks and P.ndim == 2) != (K > 2):
            raise ValueError(
                f"decision_boundary: predict_proba returned shape {P.shape} for {len(chunk)} "
                "points; expected (n,) or (n, K), K the same for every call")
        if blocks == 0 and P.ndim == 2:
            K = P.shape[1]
            drawn = _drawn(np.pad(counts, (0, max(0, K - len(counts))))[:K], limit)
        if P.ndim == 2:
            if len(drawn) < K:
                rest = np.ones(K, dtype=bool)
                rest[drawn] = False
                P = np.column_stack([P[:, drawn], P[:, rest].max(axis=1)])
            elif P.shape[1] != K:
                raise ValueError(f"decision_boundary: predict_proba returned {P.shape[1]} "
                                 f"columns after {K}")
        parts.append(P)
        start, blocks = start + len(chunk), blocks + 1
        block = BLOCK_VALUES if K == 2 else max(1, BLOCK_VALUES // K)
    return np.concatenate(parts), K, drawn, blocks


def decision_boundary(
    predict_proba: Callable[[np.ndarray], Any],
    X: Any,
    y: Any,
    title: str | None = None,
    classes: Sequence[Any] | None = None,
    feature_names: Sequence[str] | None = None,
    grid_size: int = 200,
    validation: Any = None,
    max_classes: int = MAX_CLASSES,
) -> Figure:
    """Where a classifier puts each class, over the data it was trained on.

    ``predict_proba`` maps an (n, 2) array to probabilities: shape (n,) for P(class 1) of a
    binary problem, or (n, K) with a column per class. ``classes`` names those columns in order
    (default: the sorted labels of ``y``); ``y`` holds labels from it, or codes 0..K−1.

    Binary: a filled contour of P(class 1) with the 0.5 contour drawn. K > 2: the region where
    each class is the most probable, shaded lighter where the top probability is low.

    ``feature_names`` label the axes: give the data's column names (``Dataset.feature_names``);
    a table with ``columns`` (a pandas DataFrame) brings its own; else x₀ and x₁.
    ``validation`` (row indices, or a boolean mask of X's rows) marks the held-out points:
    they are drawn as open triangles, the training points as filled circles, each named so
    in the legend.

    The work is bounded whatever the model: probabilities are asked for in blocks of at most
    ``BLOCK_VALUES`` (points × classes), and with more than ``max_classes`` classes only the
    ``max_classes`` most frequent in ``y`` are drawn one by one, the rest as one grey "other"
    class, as the figure's title says.
    """
    if feature_names is None:
        columns = getattr(X, "columns", None)
        feature_names = tuple(map(str, columns)) if columns is not None and len(columns) == 2 \
            else ("x₀", "x₁")
    if len(feature_names) != 2:
        raise ValueError(f"decision_boundary: feature_names must name 2 columns, got "
                         f"{list(feature_names)!r}")
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"decision_boundary: X must have shape (n, 2), got {X.shape}")
    if y.shape != (X.shape[0],):
        raise ValueError(f"decision_boundary: y must have shape ({X.shape[0]},), got {y.shape}")
    classes = list(np.unique(y)) if classes is None else list(classes)
    y_idx = _class_index(y, classes)
    held_out = _validation_mask(validation, X.shape[0])

    xx, yy = _grid(X, grid_size)
    counts = np.bincount(y_idx, minlength=len(classes)) if len(y_idx) else np.zeros(len(classes))
    P, K, drawn, _ = _probabilities(predict_proba, np.column_stack([xx.ravel(), yy.ravel()]),
                                    counts, max_classes)
    if len(classes) < K:
        classes = classes + list(range(len(classes), K))
    others = K - len(drawn) if P.ndim == 2 else 0

    ux, uy = _display_unit(xx), _display_unit(yy)  # 1 unless the values are extreme
    xx, yy, X = xx / ux, yy / uy, X / [ux, uy]
    fig, (ax,) = new_figure(1, panel_size=(6.4, 5.2))
    if P.ndim == 1:
        p1 = P.reshape(xx.shape)
        filled = ax.contourf(xx, yy, p1, levels=np.linspace(0, 1, 11), cmap="RdBu_r",
                             vmin=0, vmax=1, alpha=0.55)
        ax.contour(xx, yy, p1, levels=[0.5], colors="k", linewidths=1.5)
        bar = fig.colorbar(filled, ax=ax, shrink=0.9)
        bar.set_label(f"P(class = {_name(classes[1])})")
    else:
        # region of class k: where its margin P_k − max_{j≠k} P_j is positive (smooth edges,
        # unlike contours of the argmax); a white veil where the top class is barely ahead
        conf = P.max(axis=1).reshape(xx.shape)
        colors = [CLASS_COLORS[i % len(CLASS_COLORS)] for i in range(len(drawn))]
        colors += [OTHER_COLOR] * (P.shape[1] - len(drawn))
        for i, color in enumerate(colors):
            rest = np.delete(P, i, axis=1).max(axis=1)
            margin = (P[:, i] - rest).reshape(xx.shape)
            if margin.max() <= 0:
                continue
            ax.contourf(xx, yy, margin, levels=[0, 1], colors=[color], alpha=0.3)
            ax.contour(xx, yy, margin, levels=[0], colors="k", linewidths=1.2)
        veil = np.clip((1 - conf) / (1 - 1 / K), 0, 1)
        ax.imshow(np.dstack([np.ones_like(veil)] * 3 + [0.7 * veil]), origin="lower",
                  extent=(xx.min(), xx.max(), yy.min(), yy.max()), aspect="auto",
                  interpolation="bilinear")
    suffix = " (training)" if held_out.any() else ""
    shown = drawn if P.ndim == 2 else np.arange(len(classes))
    is_shown = np.zeros(len(classes), dtype=bool)
    is_shown[shown] = True
    groups = [(f"class {_name(classes[c])}", CLASS_COLORS[i % len(CLASS_COLORS)],
               y_idx == c) for i, c in enumerate(shown)]
    rest = ~is_shown[y_idx]
    if rest.any():
        groups.append((f"{len(classes) - len(shown):,} other classes", OTHER_COLOR, rest))
    for name, color, members in groups:
        train, val = members & ~held_out, members & held_out
        if train.any():
            ax.scatter(X[train, 0], X[train, 1], s=22, color=color, edgecolors="k",
                       linewidths=0.6, label=f"{name}{suffix}", zorder=3)
        if val.any():
            ax.scatter(X[val, 0], X[val, 1], s=40, marker="^", facecolors="none",
                       edgecolors=color, linewidths=1.5, label=f"{name} (validation)",
                       zorder=4)
    ax.set_xlim(xx.min(), xx.max())
    ax.set_ylim(yy.min(), yy.max())
    what = f"P(class {_name(classes[1])}), 0.5 contour" if P.ndim == 1 else "most probable class"
    xlabel, ylabel = (name if u == 1 else f"{name} (×{u:.0e})"
                      for name, u in ((feature_names[0], ux), (feature_names[1], uy)))
    title = title or f"decision boundary ({what})"
    if others:
        title += (f"\nthe {len(drawn)} most frequent of {K:,} classes drawn, the other "
                  f"{others:,} as one grey class")
    finish_axes(ax, title, xlabel, ylabel)
    return fig
