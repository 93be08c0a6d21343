"""scikit-learn's callback API (``sklearn.callback``, scikit-learn ≥ 1.9) for adamlab's estimators.

``est.set_callbacks(ProgressBar(), ScoringMonitor(scoring="accuracy"))`` works as on any
scikit-learn estimator that supports callbacks, next to adamlab's own ``callbacks=`` (trainer
callbacks). The task tree an estimator reports::

    fit                         the root task: on_fit_task_begin before training, _end after
      epoch 0, 1, …             stochastic solvers: one subtask per epoch (max_iter of them)
      lbfgs-iter 0, 1, …        solver="lbfgs": one subtask per L-BFGS iteration

Each ``on_fit_task_end`` gets the training ``X``, ``y`` (as given to ``fit``), the sample
weights as ``metadata`` and, for a callback that asks for it, ``fitted_estimator``: a copy of
the estimator predicting with the weights at the end of that task. A hook returning True
stops the stochastic training after that epoch. Without ``sklearn.callback`` (scikit-learn <
1.9) ``SUPPORTED`` is False and the estimators have no ``set_callbacks``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from adamlab.train import Callback

try:  # scikit-learn >= 1.9
    from sklearn.callback import CallbackSupportMixin, with_callbacks

    SUPPORTED = True
except ImportError:  # pragma: no cover - older scikit-learn
    SUPPORTED = False

    class CallbackSupportMixin:  # type: ignore[no-redef]
        """Placeholder: this scikit-learn has no ``sklearn.callback``."""

    def with_callbacks(method):  # type: ignore[no-redef]
        return method

__all__ = ["SUPPORTED", "CallbackSupportMixin", "with_callbacks", "FitTask", "EpochTasks"]


class FitTask:
    """The root task of one ``fit``/``partial_fit`` call; inert when no callback is set."""

    def __init__(self, est: Any, X: Any, y: Any, sample_weight: Any, max_subtasks: int) -> None:
        self.est, self.X, self.y = est, X, y
        self.metadata = None if sample_weight is None else {"sample_weight": sample_weight}
        self.active = SUPPORTED and bool(getattr(est, "_skl_callbacks", None))
        self.ctx = None
        if self.active:
            self.ctx = est._init_callback_context(max_subtasks=max_subtasks)
            self.ctx.call_on_fit_task_begin(estimator=est, X=X, y=y, metadata=self.metadata)

    def snapshot(self, params: np.ndarray):
        """Lazily built reconstruction attributes: the weights as they are now."""
        return lambda: {"_snapshot": params.copy()}

    def begin(self, name: str, params: np.ndarray) -> Any:
        if not self.active:
            return None
        sub = self.ctx.subcontext(task_name=name)
        sub.call_on_fit_task_begin(estimator=self.est, X=self.X, y=self.y,
                                   metadata=self.metadata,
                                   reconstruction_attributes=self.snapshot(params))
        return sub

    def end(self, sub: Any, params: np.ndarray | None) -> bool:
        """End a subtask (``sub``) or, with ``sub=None``, the root task; True: stop asked."""
        if not self.active:
            return False
        ctx = self.ctx if sub is None else sub
        if params is None:  # an iteration that did not run (scipy's last callback)
            return bool(ctx.call_on_fit_task_end(estimator=self.est))
        return bool(ctx.call_on_fit_task_end(estimator=self.est, X=self.X, y=self.y,
                                             metadata=self.metadata,
                                             reconstruction_attributes=self.snapshot(params)))


class EpochTasks(Callback):
    """A trainer callback that makes every epoch a subtask of ``task``."""

    def __init__(self, task: FitTask) -> None:
        self.task, self.sub = task, None

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any]) -> None:
        self.sub = self.task.begin("epoch", self.trainer.model.params)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> None:
        if self.task.end(self.sub, self.trainer.model.params):
            self.trainer.stop_training = True
        self.sub = None

    def on_train_end(self, logs: dict[str, Any]) -> None:
        if self.sub is not None:  # an epoch cut short (divergence): end it empty
            self.task.end(self.sub, None)
            self.sub = None
        self.trainer = None
