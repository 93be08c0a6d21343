"""Learning curves of one run, and a learning-rate schedule.

``history`` is the Trainer's per-epoch record as plain data: a dict of equal-length lists with
keys ``epoch, loss, accuracy, val_loss, val_accuracy, lr`` (None or NaN where missing). The
form ``History.to_dict()`` writes, ``{"epochs": {...}, "steps": {...}}``, and a ``History``
object are accepted too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from adamlab.plot.style import (
    LR_COLOR,
    TRAIN_COLOR,
    VAL_COLOR,
    column,
    finish_axes,
    has_data,
    log_y,
    new_figure,
    spans_decades,
)
from adamlab.smoothing import auto_beta, debiased_ema

MARKERS_UP_TO = 30  # draw a marker per epoch when there are at most this many


def split_history(
    history: Any, history_steps: Mapping[str, Any] | None = None
) -> tuple[Mapping[str, Any], Mapping[str, Any] | None]:
    """(per-epoch columns, per-step columns or None) from any accepted form of a history."""
    steps = history_steps
    if hasattr(history, "epochs") and not isinstance(history, Mapping):  # a History object
        epochs = history.epochs
        steps = steps if steps is not None else getattr(history, "steps", None)
    elif isinstance(history, Mapping) and "epochs" in history:  # History.to_dict()
        epochs = history["epochs"]
        steps = steps if steps is not None else history.get("steps")
    elif isinstance(history, Mapping):
        epochs = history
    else:
        raise ValueError(
            "history must be a dict of per-epoch lists (keys epoch, loss, accuracy, val_loss, "
            f"val_accuracy, lr), got {type(history).__name__}"
        )
    if "loss" not in epochs:
        raise ValueError(f"history has no 'loss' column; it has: {', '.join(map(str, epochs))}")
    return epochs, steps


def _epochs_x(epochs: Mapping[str, Any]) -> np.ndarray:
    n = len(epochs["loss"])
    x = column(epochs, "epoch", n)
    return x if x.size == n and np.all(np.isfinite(x)) else np.arange(1, n + 1, dtype=float)


def _curve(ax: Any, x: np.ndarray, y: np.ndarray, color: str, label: str,
           beta: float | None) -> None:
    """A curve, or with ``beta`` the raw curve faint and its debiased EMA on top."""
    marker = "o" if len(x) <= MARKERS_UP_TO else None
    if beta is None:
        ax.plot(x, y, color=color, label=label, marker=marker, markersize=3.5)
        return
    ax.plot(x, y, color=color, alpha=0.25, linewidth=1)
    ax.plot(x, debiased_ema(y, beta), color=color, label=f"{label} (smoothed)")


def _check_beta(smoothing: float | None) -> None:
    if smoothing is not None and (
        isinstance(smoothing, bool) or not isinstance(smoothing, (int, float))
        or not 0 <= smoothing < 1
    ):
        raise ValueError(f"smoothing must be None or a β in [0, 1), got {smoothing!r}")


def learning_curves(
    history: Any,
    title: str | None = None,
    smoothing: float | None = None,
    history_steps: Mapping[str, Sequence[float | None]] | None = None,
) -> Figure:
    """Loss, accuracy and learning rate per epoch; optionally the loss per step.

    Panels, each only when it has data: *loss* (training and, if any, validation; log scale
    when it spans more than a decade and a bit), *accuracy* (classification only), *learning
    rate* (only when it changes, log scale; a constant rate is named in the title instead),
    *loss per step* (from ``history_steps``, a dict with keys ``step`` and ``loss``: drawn raw
    and faint under its debiased exponential moving average).

    ``smoothing`` is the β of that moving average (ŝ_t = s_t/(1 − β^t), see
    ``adamlab.smoothing``); None picks β from the number of steps. Without a per-step
    curve, a given β smooths the per-epoch loss curves instead.
    """
    _check_beta(smoothing)
    epochs, steps = split_history(history, history_steps)
    x = _epochs_x(epochs)
    n = x.size
    loss, val_loss = column(epochs, "loss", n), column(epochs, "val_loss", n)
    acc, val_acc = column(epochs, "accuracy", n), column(epochs, "val_accuracy", n)
    lr = column(epochs, "lr", n)
    step_loss = column(steps, "loss") if steps else np.empty(0)
    show_steps = has_data(step_loss)
    show_acc = has_data(acc) or has_data(val_acc)
    constant = _constant(lr)
    show_lr = has_data(lr) and constant is None  # a flat line would waste a panel

    fig, axes = new_figure(1 + show_acc + show_lr + show_steps)
    fig.suptitle((title or "learning curves")
                 + ("" if constant is None else f"  ·  constant learning rate α = {constant:g}"))
    it = iter(axes)
    epoch_beta = smoothing if not show_steps else None

    ax = next(it)
    _curve(ax, x, loss, TRAIN_COLOR, "training", epoch_beta)
    if has_data(val_loss):
        _curve(ax, x, val_loss, VAL_COLOR, "validation", epoch_beta)
    if spans_decades(np.concatenate([loss, val_loss])):
        log_y(ax)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    finish_axes(ax, "loss", "epoch", "loss")

    loss_ax = ax
    if show_acc:
        ax = next(it)
        ax.sharex(loss_ax)
        if has_data(acc):
            _curve(ax, x, acc, TRAIN_COLOR, "training", None)
        if has_data(val_acc):
            _curve(ax, x, val_acc, VAL_COLOR, "validation", None)
        both = np.concatenate([acc, val_acc])
        low = float(np.nanmin(both[np.isfinite(both)]))
        ax.set_ylim(max(0.0, low - 0.05), 1.02)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        finish_axes(ax, "accuracy", "epoch", "accuracy", legend=True)
        if ax.get_legend() is not None:
            ax.get_legend().set_loc("lower right")

    if show_lr:
        ax = next(it)
        ax.sharex(loss_ax)
        _draw_lr(ax, x, lr)
        finish_axes(ax, "learning rate", "epoch", "learning rate α", legend=False)

    if show_steps:
        ax = next(it)
        sx = column(steps, "step", step_loss.size)
        if sx.size != step_loss.size or not np.all(np.isfinite(sx)):
            sx = np.arange(1, step_loss.size + 1, dtype=float)
        beta = auto_beta(int(np.isfinite(step_loss).sum())) if smoothing is None else smoothing
        ax.plot(sx, step_loss, color=TRAIN_COLOR, alpha=0.25, linewidth=0.8, label="per step")
        ax.plot(sx, debiased_ema(step_loss, beta), color=TRAIN_COLOR,
                label=f"smoothed (debiased EMA, β = {beta:.3g})")
        if spans_decades(step_loss):
            log_y(ax)
        finish_axes(ax, "training loss per step", "step", "loss")
    return fig


def _constant(lr: np.ndarray) -> float | None:
    """The learning rate when every finite value is the same, else None."""
    finite = lr[np.isfinite(lr)]
    if finite.size and finite.max() <= finite.min() * (1 + 1e-9):
        return float(finite.max())
    return None


def _stairs(ax: Any, x: np.ndarray, lr: np.ndarray) -> None:
    """α held over each epoch: a flat step from e − ½ to e + ½ around epoch e (dots if few)."""
    edges = np.concatenate([x - 0.5, x[-1:] + 0.5]) if x.size else x
    ax.stairs(lr, edges, baseline=None, color=LR_COLOR, linewidth=1.6, label="learning rate")
    if x.size <= MARKERS_UP_TO:
        ax.plot(x, lr, linestyle="none", marker="o", markersize=3.5, color=LR_COLOR)


def _draw_lr(ax: Any, x: np.ndarray, lr: np.ndarray) -> None:
    """A learning rate that changes, as a step function (log scale when all are > 0)."""
    _stairs(ax, x, lr)
    finite = lr[np.isfinite(lr)]
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if finite.size and np.all(finite > 0):
        log_y(ax)


def schedule(lrs: Sequence[float], title: str | None = None) -> Figure:
    """A learning-rate schedule: α per epoch (epoch 1 is the first), log scale if it varies
    by more than 10×."""
    lr = np.array([np.nan if v is None else float(v) for v in lrs], dtype=float)
    if lr.size == 0 or not has_data(lr):
        raise ValueError("schedule: lrs is empty; pass one learning rate per epoch")
    x = np.arange(1, lr.size + 1, dtype=float)
    fig, (ax,) = new_figure(1, panel_size=(6.4, 3.8))
    _stairs(ax, x, lr)
    if spans_decades(lr, ratio=10.0):
        log_y(ax)
    else:
        ax.set_ylim(0, 1.08 * float(np.nanmax(lr)))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    first, last = lr[np.isfinite(lr)][[0, -1]]
    ax.text(0.98, 0.95, f"α: {first:.3g} → {last:.3g}", transform=ax.transAxes,
            ha="right", va="top")
    finish_axes(ax, title or "learning-rate schedule", "epoch", "learning rate α", legend=False)
    return fig
