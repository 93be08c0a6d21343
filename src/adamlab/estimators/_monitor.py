"""scikit-learn's stopping rule as a trainer callback, with the best weights kept and restored.

After every epoch (scikit-learn's ``_update_no_improvement_count``)::

    loss_t      = Σ_b m_b·L_b / n            training loss: batch losses weighted by batch sizes
    monitor "loss"       no improvement if loss_t  ≥ best_loss  − tol   (early_stopping=False)
    monitor "val_score"  no improvement if score_t ≤ best_score + tol   (early_stopping=True)
    monitor "val_loss"   no improvement if vloss_t ≥ best_vloss − tol   (early_stopping=True,
                                                                       early_stopping_monitor)
    count ← count + 1 on no improvement, else 0
    η ← LearningRate.iteration_ends(t)       t = samples seen (scikit-learn's t_); "sgd" only
    when count > n_iter_no_change: stop, or (learning_rate="adaptive") η ← η/5 and count ← 0

With early stopping the weights of the best epoch (strictly best value, regardless of ``tol``)
are copied and put back when training ends, whichever way it ends. The state lives here, not
in the trainer, and carries over between warm-started fits and ``partial_fit`` calls: so a fit
of 10 epochs equals a fit of 5 followed by a warm-started fit of 5, stopping rule included.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from adamlab.estimators._sgd import LearningRate
from adamlab.train import Callback
from adamlab.train.inputs import batch_size_for

__all__ = ["Monitor", "not_converged_message"]

_SCALARS = ("best_loss", "best_score", "best_val_loss", "count", "stopped")


class Monitor(Callback):
    """The stopping rule above; ``configure`` before each fit, read the results after it."""

    def __init__(self) -> None:
        self.loss_curve: list[float] = []
        self.validation_scores: list[float] = []
        self.best_loss = math.inf
        self.best_score = -math.inf  # the best validation score (or the score at best val_loss)
        self.best_val_loss = math.inf
        self.count = 0  # epochs in a row without improvement
        self.stopped = False  # the last fit stopped because count > n_iter_no_change
        self.best_params: np.ndarray | None = None
        self.t = 0  # training samples seen over every fit (scikit-learn's t_)
        self.learning_rate: LearningRate | None = None  # scikit-learn's η schedule
        # Settings of the current fit (set by configure; not state).
        self.n_iter = 0
        self._acc = 0.0

    def configure(self, *, n_samples: int, tol: float, n_iter_no_change: float, mode: str,
                  restore: bool, score: Callable[[], float] | None, verbose: bool,
                  learning_rate: tuple[str, float, float], apply_lr: bool,
                  fresh: bool = False) -> None:
        """Settings for the next fit. ``score`` computes the validation score of the current
        weights (None: no validation set); ``mode`` is "loss", "val_score" or "val_loss";
        ``learning_rate`` is scikit-learn's (schedule, learning_rate_init, power_t), whose η
        the monitor puts in the optimizer's groups after each epoch when ``apply_lr``.
        ``fresh``: scikit-learn's warm start — η starts again from ``learning_rate_init`` (its new
        optimizer) and the no-improvement count carries on; otherwise η continues and, when the
        last fit converged, the count starts afresh so that the new fit trains."""
        self.n_samples, self.tol, self.n_iter_no_change = n_samples, tol, n_iter_no_change
        self.mode, self.restore, self.score, self.verbose = mode, restore, score, verbose
        if self.learning_rate is None or fresh:
            self.learning_rate = LearningRate(*learning_rate)
        else:
            self.learning_rate.restart(*learning_rate)
        self.apply_lr = apply_lr
        self.n_iter = 0
        if self.stopped and not fresh:  # the last fit converged: count afresh
            self.count = 0
        self.stopped = False

    # ----------------------------------------------------------------- hooks
    def on_train_begin(self, logs: dict[str, Any]) -> None:
        self._set_lr()

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any]) -> None:
        self._acc = 0.0

    def _set_lr(self) -> None:
        if self.apply_lr:
            for group in self.trainer.optimizer.param_groups:
                group["lr"] = self.learning_rate.learning_rate

    def on_batch_end(self, step: int, logs: dict[str, Any]) -> None:
        n, b = self.n_samples, logs["batch"]  # b = 1, 2, …
        bs = batch_size_for(self.trainer.batch_size, n)
        self._acc += logs["loss"] * min(bs, n - (b - 1) * bs)  # m_b·L_b

    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> None:
        loss = self._acc / self.n_samples
        self.loss_curve.append(loss)
        self.n_iter += 1
        self.t += self.n_samples
        if self.verbose:
            print(f"Iteration {self.n_iter}, loss = {loss:.8f}")
        score = None
        if self.score is not None:
            score = float(self.score())
            self.validation_scores.append(score)
            if self.verbose:
                print(f"Validation score: {score:f}")
        improved = self._update(loss, score, logs.get("val_loss", math.nan))
        if improved and self.restore:
            with self.trainer.evaluation_weights():  # schedule-free: its average, not z or y
                params = self.trainer.model.params
                if self.best_params is None:
                    self.best_params = params.copy()
                else:
                    np.copyto(self.best_params, params)
        self.learning_rate.iteration_ends(self.t)
        if self.count > self.n_iter_no_change:
            what = "Training loss" if self.mode == "loss" else "Validation " + (
                "score" if self.mode == "val_score" else "loss")
            msg = (f"{what} did not improve more than tol={self.tol:f} for "
                   f"{self.n_iter_no_change} consecutive epochs.")
            if self.learning_rate.trigger_stopping(msg, self.verbose):
                self.stopped = True
                self.trainer.stop_training = True
            else:
                self.count = 0
        self._set_lr()

    def _update(self, loss: float, score: float | None, val_loss: float) -> bool:
        """Update the counter and the bests; True when the monitored value is a new best."""
        tol = self.tol
        if self.mode == "loss":
            self.count = self.count + 1 if loss > self.best_loss - tol else 0
            improved = loss < self.best_loss
            self.best_loss = min(self.best_loss, loss)
            if score is not None:
                self.best_score = max(self.best_score, score)
            return improved
        if self.mode == "val_score":
            self.count = self.count + 1 if score < self.best_score + tol else 0
            improved = score > self.best_score
            if improved:
                self.best_score = score
            return improved
        self.count = self.count + 1 if val_loss > self.best_val_loss - tol else 0
        improved = val_loss < self.best_val_loss
        if improved:
            self.best_val_loss, self.best_score = val_loss, score
        return improved

    def on_train_end(self, logs: dict[str, Any]) -> None:
        if self.restore and self.best_params is not None:
            self.trainer.use_weights(self.best_params)
        self.trainer = None  # no reference kept between fits
        self.score = None

    # ------------------------------------------------------------ save/load
    def state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """(arrays, JSON-able metadata); infinities become None."""
        def finite(x: float) -> float | None:
            return x if math.isfinite(x) else None

        meta = {k: getattr(self, k) for k in _SCALARS}
        for k in ("best_loss", "best_score", "best_val_loss"):
            meta[k] = finite(meta[k])
        meta["loss_curve"] = list(self.loss_curve)
        meta["validation_scores"] = [finite(s) for s in self.validation_scores]
        meta["t"] = self.t
        meta["learning_rate"] = None if self.learning_rate is None else self.learning_rate.state()
        arrays = {} if self.best_params is None else {"best_params": self.best_params.copy()}
        return arrays, meta

    @classmethod
    def from_state(cls, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> Monitor:
        m = cls()
        def number(x: float | None, default: float) -> float:
            return default if x is None else float(x)

        m.best_loss = number(meta["best_loss"], math.inf)
        m.best_score = number(meta["best_score"], -math.inf)
        m.best_val_loss = number(meta["best_val_loss"], math.inf)
        m.count, m.stopped = int(meta["count"]), bool(meta["stopped"])
        m.loss_curve = [float(x) for x in meta["loss_curve"]]
        m.validation_scores = [number(s, math.nan) for s in meta["validation_scores"]]
        m.best_params = arrays.get("best_params")
        m.t = int(meta.get("t", 0))
        lr = meta.get("learning_rate")
        m.learning_rate = None if lr is None else LearningRate.from_state(lr)
        return m


def not_converged_message(est: Any) -> str:
    """The ConvergenceWarning at ``max_iter``: what was still improving, and what to try."""
    what = "training loss" if not est.early_stopping else (
        "validation score" if est.early_stopping_monitor == "val_score" else "validation loss")
    lr = float(est.learning_rate_init)
    return (
        f"Stochastic Optimizer: Maximum iterations ({est.max_iter}) reached and the "
        f"optimization hasn't converged yet. {type(est).__name__}: reached "
        f"max_iter={est.max_iter} epochs and the {what} was still "
        f"improving by more than tol={est.tol:g} within n_iter_no_change={est.n_iter_no_change} "
        f"epochs. Try more epochs (e.g. max_iter={2 * est.max_iter}, or warm_start='continue' to "
        f"continue this run) or another learning rate (learning_rate_init={lr:g} now: larger, "
        f"e.g. {3 * lr:g}, to go faster; smaller, e.g. {lr / 3:g}, if the loss curve is noisy)."
    )
