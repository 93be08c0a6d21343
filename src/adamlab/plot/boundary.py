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


def decision_boundary(
    predict_proba: Callable[[np.ndarray], Any],
    X: Any,
    y: Any,
    title: str | None = None,
    classes: Sequence[Any] | None = None,
    feature_names: Sequence[str] | None = None,
    grid_size: int = 200,
    validation: Any = None,
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
    P = np.asarray(predict_proba(np.column_stack([xx.ravel(), yy.ravel()])), dtype=float)
    if P.ndim == 2 and P.shape[1] == 1:
        P = P[:, 0]
    if P.ndim == 2 and P.shape[1] == 2:
        P = P[:, 1]
    if P.shape[0] != xx.size or P.ndim > 2:
        raise ValueError(
            f"decision_boundary: predict_proba returned shape {P.shape} for {xx.size} points; "
            "expected (n,) or (n, K)"
        )
    K = 2 if P.ndim == 1 else P.shape[1]
    if len(classes) < K:
        classes = classes + list(range(len(classes), K))

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
        for i in range(K):
            others = np.delete(P, i, axis=1).max(axis=1)
            margin = (P[:, i] - others).reshape(xx.shape)
            if margin.max() <= 0:
                continue
            color = CLASS_COLORS[i % len(CLASS_COLORS)]
            ax.contourf(xx, yy, margin, levels=[0, 1], colors=[color], alpha=0.3)
            ax.contour(xx, yy, margin, levels=[0], colors="k", linewidths=1.2)
        veil = np.clip((1 - conf) / (1 - 1 / K), 0, 1)
        ax.imshow(np.dstack([np.ones_like(veil)] * 3 + [0.7 * veil]), origin="lower",
                  extent=(xx.min(), xx.max(), yy.min(), yy.max()), aspect="auto",
                  interpolation="bilinear")
    for i, c in enumerate(classes):
        color = CLASS_COLORS[i % len(CLASS_COLORS)]
        train = (y_idx == i) & ~held_out
        val = (y_idx == i) & held_out
        suffix = " (training)" if held_out.any() else ""
        if train.any():
            ax.scatter(X[train, 0], X[train, 1], s=22, color=color, edgecolors="k",
                       linewidths=0.6, label=f"class {_name(c)}{suffix}", zorder=3)
        if val.any():
            ax.scatter(X[val, 0], X[val, 1], s=40, marker="^", facecolors="none",
                       edgecolors=color, linewidths=1.5, label=f"class {_name(c)} (validation)",
                       zorder=4)
    ax.set_xlim(xx.min(), xx.max())
    ax.set_ylim(yy.min(), yy.max())
    what = f"P(class {_name(classes[1])}), 0.5 contour" if P.ndim == 1 else "most probable class"
    xlabel, ylabel = (name if u == 1 else f"{name} (×{u:.0e})"
                      for name, u in ((feature_names[0], ux), (feature_names[1], uy)))
    finish_axes(ax, title or f"decision boundary ({what})", xlabel, ylabel)
    return fig
