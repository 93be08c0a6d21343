"""``MLPRegressor``: scikit-learn's MLP regressor trained by adamlab (one or several targets)."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.metrics import r2_score

from adamlab.estimators._base import BaseMLP
from adamlab.estimators._constraints import REGRESSOR_CONSTRAINTS

__all__ = ["MLPRegressor"]


class MLPRegressor(RegressorMixin, BaseMLP):
    """Multi-layer perceptron regressor: ``sklearn.neural_network.MLPRegressor`` with adamlab's
    optimizers, training loop and checkpoints.

    Linear output units and half squared error, ``L = Σ_k (ŷ_k − y_k)² / (2K)`` per sample
    (scikit-learn's ``squared_error``), for one target or K of them. The parameters and the
    fitted attributes are those of ``MLPClassifier`` (see its docstring) without
    ``class_weight``/``classes_``; ``early_stopping`` scores the validation set by R².
    """

    _parameter_constraints: dict = REGRESSOR_CONSTRAINTS
    _y_numeric = True
    _head = "identity"

    def _fit_targets(self, y, first: bool, incremental: bool, classes: Any) -> np.ndarray:
        if first:
            self.n_outputs_ = 1 if y.ndim == 1 else y.shape[1]
        return self._targets(y)

    def _targets(self, y) -> np.ndarray:
        y = np.asarray(y, dtype=self._dtype)
        k = 1 if y.ndim == 1 else y.shape[1]
        if k != self.n_outputs_:
            raise ValueError(f"y has {k} target(s), but this model was fitted on "
                             f"{self.n_outputs_}")
        return y

    def _score_logits(self, logits, t, w) -> float:
        """R² of the predictions, weighted by ``w``: scikit-learn's score."""
        if not np.all(np.isfinite(logits)):
            return float("nan")
        return float(r2_score(t, logits[:, 0] if t.ndim == 1 else logits, sample_weight=w))

    def predict(self, X):
        """Predictions, shape (n_samples,) for one target, (n_samples, n_targets) for several."""
        z = self._decision(X)
        return z[:, 0].copy() if z.shape[1] == 1 else z

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
