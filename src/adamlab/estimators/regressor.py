"""``MLPRegressor``: scikit-learn's MLP regressor trained by adamlab (one or several targets)."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.metrics import r2_score
from sklearn.utils.metaestimators import available_if

from adamlab.estimators._base import BaseMLP, is_stochastic, store_parameters
from adamlab.estimators._constraints import REGRESSION_LOSSES, REGRESSOR_CONSTRAINTS
from adamlab.estimators._skl_callbacks import with_callbacks

__all__ = ["MLPRegressor"]


class MLPRegressor(RegressorMixin, BaseMLP):
    """Multi-layer perceptron regressor: ``sklearn.neural_network.MLPRegressor`` with adamlab's
    optimizers, training loop and checkpoints.

    ``loss="squared_error"`` (the default): linear output units and half squared error,
    ``L = Σ_k (ŷ_k − y_k)² / (2K)`` per sample, for one target or K of them.
    ``loss="poisson"``: ŷ = exp(z) and half the Poisson deviance (``_poisson``), targets ≥ 0.
    ``loss`` is the first parameter, as in scikit-learn; the others and the fitted attributes
    are those of ``MLPClassifier`` (see its docstring) without ``class_weight``/``classes_``;
    ``early_stopping`` scores the validation set by R².
    """

    _parameter_constraints: dict = REGRESSOR_CONSTRAINTS
    _y_numeric = True
    _head = "identity"

    def __init__(
        self,
        loss="squared_error",
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        optimizer=None,
        weight_decay=None,
        decay_biases=False,
        lr_schedule="constant",
        clip_norm=None,
        eps_hat=False,
        callbacks=None,
        early_stopping_monitor="val_score",
    ):
        store_parameters(self, locals())

    @property
    def _out_activation(self) -> str:
        return REGRESSION_LOSSES[self.loss]

    @available_if(is_stochastic)
    @with_callbacks
    def partial_fit(self, X, y, sample_weight=None, eval_set=None):
        """One epoch over ``(X, y)``, continuing the run: the weights, the optimizer's moments and
        step count, the schedule and the stopping state all carry over from the previous call.

        With ``early_stopping``, give an ``eval_set`` (adamlab's): each call is scored on it and
        the weights kept are the best so far. Only for the stochastic solvers.
        """
        return self._partial_fit(X, y, sample_weight, eval_set)

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
        pred = self._predictions(logits)
        if not np.all(np.isfinite(pred)):
            return float("nan")
        return float(r2_score(t, pred[:, 0] if t.ndim == 1 else pred, sample_weight=w))

    def _predictions(self, z: np.ndarray) -> np.ndarray:
        """ŷ from the logits: ``exp(z)`` for loss="poisson", ``z`` itself otherwise."""
        if self.loss == "poisson":
            with np.errstate(over="ignore"):
                return np.exp(z)
        return z

    def predict(self, X):
        """Predictions, shape (n_samples,) for one target, (n_samples, n_targets) for several."""
        z = self._predictions(self._decision(X))
        return z[:, 0].copy() if z.shape[1] == 1 else z

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
