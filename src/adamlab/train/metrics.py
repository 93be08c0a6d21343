"""What the trainer measures: the loss and accuracy of a set, and the row of an epoch.

The objective is the data loss plus the L2 penalty on the weight matrices::

    J = L + ½ λ_b Σ_l ‖W_l‖²,    λ_b = λ            (the default)
                                 λ_b = λ / Σ_i w_i   (``l2_per_sample``: scikit-learn's alpha,
                                                      Σ_i w_i the set's total sample weight,
                                                      its size without weights)

Accuracy is the fraction of rows the model's head classifies right (``Loss.correct``: each
sigmoid output on the right side of 0, or the arg-max of a softmax), NaN for regression. The
penalty is ``adamlab.nn.losses.l2_penalty``, the model's own rule.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from adamlab.nn.losses import l2_penalty

__all__ = ["l2_factor", "batch_l2", "penalty", "evaluate", "epoch_row"]


def l2_factor(l2: float, per_sample: bool, total_weight: float) -> float:
    """``λ_b`` of a batch (or set) of ``total_weight``: ``l2``, or ``l2 / total_weight`` with
    ``per_sample``."""
    if not per_sample or l2 == 0:
        return l2
    return l2 / total_weight if total_weight > 0 else math.nan


def batch_l2(l2: float, per_sample: bool, m: int, sample_weight: np.ndarray | None) -> float:
    """``λ_b`` of one batch of ``m`` rows with these sample weights (summed only when needed:
    the training loop asks every step)."""
    if not per_sample or l2 == 0:
        return l2
    return l2_factor(l2, True, m if sample_weight is None else float(np.sum(sample_weight)))


def penalty(model: Any, l2: float) -> float:
    """``½ λ Σ W²`` of ``model``'s weight matrices."""
    return l2_penalty(model.params[model.weight_slice], l2)


def evaluate(model: Any, X: Any, y: np.ndarray, sample_weight: np.ndarray | None, l2: float,
             per_sample: bool, chunk: int = 8192) -> dict[str, float]:
    """``{"loss": J, "accuracy": …}`` of the model's current weights on ``(X, y)``, in chunks
    of ``chunk`` rows at most, fewer for a wide model (its ``block_rows``: one chunk's
    activations within the memory budget; X may be a lazy row reader)."""
    chunk = max(1, min(chunk, getattr(model, "block_rows", chunk)))
    n = len(y)
    if n == 0:
        return {"loss": math.nan, "accuracy": math.nan}
    loss_fn = model.loss_fn
    total, correct, wsum = 0.0, 0, 0.0
    for s in range(0, n, chunk):
        Xc = np.asarray(X[s:s + chunk], dtype=model.params.dtype)
        yc = y[s:s + chunk]
        swc = None if sample_weight is None else sample_weight[s:s + chunk]
        logits = model.forward(Xc, training=False)
        t = loss_fn.targets(yc, logits.shape[1], logits.dtype)
        weight = float(len(yc) if swc is None else np.sum(swc))
        total += loss_fn.value(logits, t, swc) * weight
        wsum += weight
        correct += loss_fn.correct(logits, t)
    loss = total / wsum if wsum > 0 else math.nan
    loss += penalty(model, l2_factor(l2, per_sample, wsum))
    return {"loss": loss, "accuracy": correct / n if loss_fn.classifies else math.nan}


def epoch_row(epoch: int, position: Any, params: np.ndarray, n: int, classifies: bool,
              lr: float, norms: tuple[float, float] | None = None) -> dict[str, float]:
    """The history row of a finished epoch from its ``EpochPosition`` (sums over its steps)
    and the weights at its end (``adamlab.train.history`` describes the columns). ``norms``:
    (‖θ_end − θ_start‖, ‖θ_start‖) as ``np.linalg.norm`` gives them, when the caller has
    them already (a population computes all its members' at once)."""
    start = position.theta_start
    if norms is None:
        norms = (float(np.linalg.norm(params - start)), float(np.linalg.norm(start)))
    moved, start_norm = norms
    batches = max(position.n_batches, 1)
    return {
        "epoch": epoch,
        "loss": position.loss_sum / batches,
        "accuracy": position.correct / n if classifies else math.nan,
        "val_loss": math.nan,
        "val_accuracy": math.nan,
        "lr": lr,
        "grad_norm": position.grad_norm_sum / batches,
        "update_ratio": moved / start_norm if start_norm else math.nan,
        "time": position.seconds,
    }
