"""The divergence guard's rule for a loss that explodes but stays finite, and its advice.

A non-finite loss or gradient is divergence (the trainer stops at once). So is a finite loss
far above where training started: SGD at lr 1e12 on moons keeps a loss near 7e11 epoch after
epoch, every number finite. The trainer stops when a batch's loss exceeds ::

    limit = EXPLOSION · max(L_0, max_i ℓ_i(z = 0))

``L_0`` is the loss of the run's first step (the initial weights on the first batch, kept in
the checkpoint so a resumed run has the same limit); ``ℓ_i(z = 0)`` is the loss of row ``i``
for a model whose outputs are all zero (ln 2 per sigmoid output, ln K for a softmax over K
classes, ½·y_i² for regression): the largest of them bounds any batch's loss at that chance
level, whatever rows the batch holds, so a batch of outliers is not taken for an explosion.
A loss a thousand times past both is no longer learning: for cross-entropy it means logits
wrong by hundreds on average.

The advice: the update/weight ratio ``‖θ_k − θ_{k−1}‖ / ‖θ_{k−1}‖`` of the step that led
there says how much too large the step was; ``lr / ratio``, rounded down to a power of ten,
would have moved the weights by about their own size (and at most ``lr / 10`` is offered).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from adamlab.optim.clip import global_norm

#: A batch loss this many times above the reference is divergence (``Trainer(explosion=...)``).
EXPLOSION = 1e3


def zero_output_loss(loss_fn: Any, t: np.ndarray, n_outputs: int, dtype: Any,
                     cells: int = 2**20) -> float:
    """``max_i ℓ_i(z = 0)`` over targets ``t = loss_fn.targets(y)``, in chunks of rows of at
    most ``cells`` logits (8 MiB in float64, however many classes)."""
    worst = 0.0
    chunk = max(1, cells // max(n_outputs, 1))
    for s in range(0, len(t), chunk):
        tc = t[s:s + chunk]
        z = np.zeros((len(tc), n_outputs), dtype=dtype)
        worst = max(worst, float(np.max(loss_fn.row_losses(z, tc), initial=0.0)))
    return worst


def limit(factor: float | None, start: float | None, floor: float) -> float:
    """The batch loss above which training has diverged (inf: no guard, or no start yet)."""
    if factor is None or start is None:
        return math.inf
    return factor * max(start, floor)


def step_ratio(params: Sequence[np.ndarray], previous: Sequence[np.ndarray]) -> float:
    """``‖θ − θ_prev‖ / ‖θ_prev‖`` over matching arrays (NaN when θ_prev is zero)."""
    moved = global_norm([np.subtract(p, q, dtype=float) for p, q in zip(params, previous,
                                                                          strict=True)])
    norm = global_norm([np.asarray(q, float) for q in previous])
    return moved / norm if norm else math.nan


def suggested_lr(lr: float, ratio: float) -> float:
    """A learning rate to try: ``lr / ratio`` rounded down to a power of ten, at most
    ``lr / 10`` (``lr / 10`` when the ratio is unknown)."""
    if not (math.isfinite(ratio) and ratio > 0):
        return lr / 10
    return min(lr / 10, 10.0 ** math.floor(math.log10(lr / ratio)))


def message(where: str, step: int, said: str, lr: float, exploded: bool = False,
            ratio: float = math.nan) -> str:
    """The divergence message of the trainer (and of a population's member, alike)."""
    kept = "before the step that led there" if exploded else "of the last finite step"
    return (f"training diverged at {where} (step {step}): {said}; the weights {kept} were "
            f"restored. Try a smaller learning rate (now {lr:g}; e.g. "
            f"{suggested_lr(lr, ratio):g}) or gradient clipping (clip_norm=1.0).")


def explosion_detail(loss: float, factor: float, start: float, floor: float) -> str:
    """Why a finite ``loss`` counts as divergence, in words."""
    return (f"the training loss is {loss:.3g}, more than {factor:g}× where it started "
            f"({max(start, floor):.3g}: the larger of the first step's loss {start:.3g} and "
            f"the worst row's loss with zero outputs {floor:.3g})")


class DivergenceError(RuntimeError):
    """Training produced a non-finite loss or gradient, or a finite loss past the guard's limit
    (this module's rule); the last good weights were restored. ``history``: the run's so far."""

    def __init__(self, message: str, epoch: int, step: int, history: Any) -> None:
        super().__init__(message)
        self.epoch, self.step, self.history = epoch, step, history

