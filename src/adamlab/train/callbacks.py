"""Callbacks: the training loop emits a ``logs`` dict, callbacks react (Keras' design).

Hooks, all optional: ``on_train_begin(logs)``, ``on_epoch_begin(epoch, logs)``,
``on_batch_end(step, logs)``, ``on_epoch_end(epoch, logs)``, ``on_train_end(logs)``.
A callback reaches the trainer through ``self.trainer`` and stops training by setting
``self.trainer.stop_training = True``.

A callback whose state must survive a checkpoint (``EarlyStopping``, ``AdamTrace``) defines
``state_dict() -> (arrays, meta)``, a dict of NumPy arrays and a dict of JSON values, and
``load_state_dict(arrays, meta)``, which must check what it is given: a checkpoint file may
be hostile. States are matched to callbacks by class name.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from adamlab.train import schema


class Callback:
    """Base class: every hook does nothing."""

    trainer: Any = None

    def set_trainer(self, trainer: Any) -> None:
        self.trainer = trainer

    def on_train_begin(self, logs: dict[str, Any]) -> None: ...
    def on_epoch_begin(self, epoch: int, logs: dict[str, Any]) -> None: ...
    def on_batch_end(self, step: int, logs: dict[str, Any]) -> None: ...
    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> None: ...
    def on_train_end(self, logs: dict[str, Any]) -> None: ...


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by ``min_delta`` for ``patience`` epochs.

    ``mode`` is "min", "max" or "auto" (max for accuracies, min otherwise). With
    ``restore_best_weights=True`` (the default) the weights of the best epoch are restored at
    the end of training *whether or not it stopped early*. The weights kept are the evaluation
    weights (``Trainer.evaluation_weights``: an optimizer's eval-mode weights, schedule-free's
    average), those the monitored validation metric was measured with. State is reset at every
    fit, except when it comes from a checkpoint (``load_state_dict``): then the run goes on as
    if it had not been interrupted, and one that had stopped stays stopped (it trains no
    further epoch).
    """

    def __init__(self, monitor: str = "val_loss", patience: int = 10, min_delta: float = 0.0,
                 mode: str = "auto", restore_best_weights: bool = True) -> None:
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"EarlyStopping: mode must be 'auto', 'min' or 'max', got {mode!r}")
        if isinstance(patience, bool) or not isinstance(patience, int) or patience < 0:
            raise ValueError(f"EarlyStopping: patience must be an integer >= 0, got {patience!r}")
        if not (isinstance(min_delta, (int, float)) and math.isfinite(min_delta)
                and min_delta >= 0):
            raise ValueError(
                f"EarlyStopping: min_delta must be a finite number >= 0, got {min_delta!r}")
        self.monitor, self.patience, self.min_delta = monitor, patience, min_delta
        self.mode = ("max" if "acc" in monitor else "min") if mode == "auto" else mode
        self.restore_best_weights = restore_best_weights
        self._reset()

    def _reset(self) -> None:
        self.best = math.inf if self.mode == "min" else -math.inf
        self.best_epoch: int | None = None
        self.best_weights: np.ndarray | None = None
        self.wait = 0
        self.stopped_epoch: int | None = None

    def _improved(self, value: float) -> bool:
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def on_train_begin(self, logs: dict[str, Any]) -> None:
        if not getattr(self, "_restored", False):  # a resumed run keeps its best so far
            self._reset()
        elif self.stopped_epoch is not None and self.wait >= self.patience:
            self.trainer.stop_training = True  # it had stopped: no further epoch
        else:
            self.stopped_epoch = None  # not stopped, or now given more patience: it goes on
        self._restored = False

    def state_dict(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """(arrays, JSON-able metadata) for a checkpoint, so a resumed run stops where it would."""
        arrays = {} if self.best_weights is None else {"best_weights": self.best_weights}
        meta = {"best": None if math.isinf(self.best) else self.best, "best_epoch": self.best_epoch,
                "wait": self.wait, "stopped_epoch": self.stopped_epoch}
        return arrays, meta

    def load_state_dict(self, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
        # checked at load too (schema.check_meta); again here for a state given by hand
        schema.fields(meta, schema.CALLBACKS["EarlyStopping"], "callbacks.EarlyStopping.")
        w = arrays.get("best_weights")
        trainer = getattr(self, "trainer", None)
        params = None if trainer is None else trainer.model.params
        if w is not None and params is not None and (w.shape != params.shape
                                                      or w.dtype != params.dtype):
            raise schema.CheckpointError(
                f"array 'callback.EarlyStopping.best_weights' is {w.dtype} of shape {w.shape}; "
                f"the model's weights are {params.dtype} of shape {params.shape}")
        self._reset()
        if meta["best"] is not None:
            self.best = float(meta["best"])
        self.best_epoch, self.wait = meta["best_epoch"], int(meta["wait"])
        self.stopped_epoch = meta["stopped_epoch"]
        self.best_weights = arrays.get("best_weights")
        self._restored = True

    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> None:
        value = logs.get(self.monitor, math.nan)
        if value is None or math.isnan(value):
            available = [k for k, v in logs.items() if isinstance(v, float) and not math.isnan(v)]
            raise ValueError(
                f"EarlyStopping: monitored metric {self.monitor!r} is not available; "
                f"available: {', '.join(available)} (use a validation set for val_* metrics)"
            )
        if self.best_epoch is None or self._improved(value):
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best_weights:
                with self.trainer.evaluation_weights():
                    self.best_weights = self.trainer.model.params.copy()
            return
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            self.trainer.stop_training = True

    def on_train_end(self, logs: dict[str, Any]) -> None:
        if self.restore_best_weights and self.best_weights is not None:
            self.trainer.use_weights(self.best_weights)
