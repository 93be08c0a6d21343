"""``BaseMLP``: what the classifier and the regressor share — parameters, fit, predict, state.

An estimator is a thin scikit-learn face on adamlab's parts::

    MLP (adamlab.nn)          the network: one flat parameter buffer, Glorot init drawn from
                              scikit-learn's RandomState, so the same random_state gives the
                              same initial weights as sklearn.neural_network
    solver="adam"/"sgd"       adamlab's Trainer (._stochastic): mini-batches, the optimizer and
                              its state, schedule, clipping, validation, history, checkpoints
    solver="lbfgs"            scipy's L-BFGS-B on the model's exact gradients (._lbfgs)
    Monitor (._monitor)       scikit-learn's tol / n_iter_no_change rule, its learning_rate
                              schedules, early stopping with the best weights restored

``alpha`` is scikit-learn's: the loss adds ``alpha/(2·Σw)·ΣW²`` (Σw the batch's total sample
weight, its size without weights). Fitted state is the trainer (weights, optimizer moments and
step count, generators, history) and the monitor; ``coefs_`` and ``intercepts_`` are views
into the model's one parameter buffer.
"""

from __future__ import annotations

import inspect
import json
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state, column_or_1d
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from adamlab.estimators import _stochastic
from adamlab.estimators._constraints import MLP_CONSTRAINTS, activation_name
from adamlab.estimators._data import forward, holdout
from adamlab.estimators._fitted import FittedViews
from adamlab.estimators._lbfgs import fit_lbfgs
from adamlab.estimators._monitor import Monitor, not_converged_message
from adamlab.estimators._poisson import attach
from adamlab.estimators._skl_callbacks import CallbackSupportMixin, FitTask, with_callbacks
from adamlab.estimators._solver import stochastic_optimizer
from adamlab.estimators._warn import warn
from adamlab.nn import ACTIVATIONS, INITIALIZERS, MLP
from adamlab.train import Trainer

__all__ = ["BaseMLP", "store_parameters", "is_stochastic"]

_DTYPES = (np.float64, np.float32)
#: ``warm_start="continue"``: adamlab's warm start, which continues the optimizer's state.
CONTINUE = "continue"


def store_parameters(est: BaseEstimator, arguments: dict[str, Any]) -> None:
    """scikit-learn's ``__init__`` contract: store every argument unchanged, check nothing."""
    for name, value in arguments.items():
        if name not in ("self", "__class__"):
            setattr(est, name, value)


def is_stochastic(est: Any) -> bool:
    """``partial_fit`` exists for the stochastic solvers only (scikit-learn's ``available_if``)."""
    if est.solver == "lbfgs":
        raise AttributeError("partial_fit is only available for stochastic optimizers. "
                             "lbfgs is not stochastic.")
    return True


class BaseMLP(FittedViews, CallbackSupportMixin, BaseEstimator):
    """Shared by ``MLPClassifier`` and ``MLPRegressor``; not used directly.

    Subclasses provide the target side: ``_fit_targets`` (check ``y`` and convert it to what the
    loss expects, defining ``classes_``/``n_outputs_`` on a first fit), ``_targets`` (the same
    for a validation set), ``_head`` (the output head), ``_out_activation`` and
    ``_score_logits`` (the validation score: accuracy or R²).
    """

    _parameter_constraints: dict = MLP_CONSTRAINTS
    _y_numeric = False
    loss = "squared_error"  # the regressor's parameter; the classifier's loss is its head's

    # ------------------------------------------------------------ subclass side
    def _fit_targets(self, y: np.ndarray, first: bool, incremental: bool,
                     classes: Any) -> np.ndarray:
        raise NotImplementedError  # pragma: no cover

    def _targets(self, y: np.ndarray) -> np.ndarray:
        raise NotImplementedError  # pragma: no cover

    def _class_weights(self, y: np.ndarray, incremental: bool) -> np.ndarray | None:
        return None

    def _stratify(self, t: np.ndarray) -> np.ndarray | None:
        return None

    def _score_logits(self, logits: np.ndarray, t: np.ndarray, w: np.ndarray | None) -> float:
        raise NotImplementedError  # pragma: no cover

    _head: str = ""
    _out_activation: str = ""

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "_trainer")

    # --------------------------------------------------------------------- fit
    @with_callbacks
    def fit(self, X, y, sample_weight=None, eval_set=None):
        """Train for up to ``max_iter`` epochs (L-BFGS iterations with ``solver="lbfgs"``).

        ``eval_set``: ``(X_val, y_val)`` or ``(X_val, y_val, sample_weight_val)``, a validation
        set recorded in ``history_`` and ``validation_scores_`` and, with ``early_stopping``,
        monitored instead of a ``validation_fraction`` split of the training data.
        """
        self._validate_params()
        return self._fit(X, y, sample_weight, eval_set, incremental=False)

    def _partial_fit(self, X, y, sample_weight, eval_set, classes=None):
        self._validate_params()
        if self.early_stopping and eval_set is None:
            raise ValueError("partial_fit does not support early_stopping=True (scikit-learn's "
                             "rule: one call's data is too little to split). adamlab can: pass "
                             "eval_set=(X_val, y_val) to partial_fit to validate each call on "
                             "it and keep the best weights so far")
        return self._fit(X, y, sample_weight, eval_set, incremental=True, classes=classes)

    def _fit(self, X, y, sample_weight, eval_set, incremental: bool, classes: Any = None):
        stochastic_optimizer(self)  # solver and optimizer agree
        first = not self.__sklearn_is_fitted__() or not (self.warm_start or incremental)
        preset = self.__dict__.get("_coefs_init") is not None and (
            self.warm_start or incremental)
        hidden = self._hidden_sizes()
        X_given, y_given = X, y
        X, y = validate_data(self, X, y, reset=first, accept_sparse="csr", multi_output=True,
                             dtype=_DTYPES if first else self._dtype, y_numeric=self._y_numeric)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if first:
            self._dtype = X.dtype
        t = self._fit_targets(y, first, incremental, classes)
        sw = self._sample_weight(sample_weight, X, y, incremental)
        rs = check_random_state(self.random_state)
        if first:
            model = self._build_model(X.shape[1], hidden, rs)
            if preset:
                self._preset(model)  # coefs_/intercepts_ assigned before fit
        else:
            self._check_unchanged(hidden)
            model = self._trainer.model
        if self.solver == "lbfgs":
            if eval_set is not None:
                raise ValueError("eval_set is for the stochastic solvers' epochs; "
                                 "solver='lbfgs' has none (use solver='adam' or 'sgd')")
            return self._fit_lbfgs(model, X, t, sw, first, X_given, y_given, sample_weight)
        Xtr, ttr, swtr, val = self._validation(X, t, sw, eval_set, rs)
        # warm_start=True is scikit-learn's: a new optimizer; "continue" is adamlab's: the run
        fresh = not first and not incremental and self.warm_start != CONTINUE
        if first:
            self._trainer = _stochastic.build_trainer(self, model, rs)
            self._new_monitor()
        elif fresh:
            _stochastic.restart_optimizer(self)
        _stochastic.configure(self, len(ttr))
        _stochastic.run(self, Xtr, ttr, swtr, val, 1 if incremental else self.max_iter,
                        X_given, y_given, sample_weight, fresh=fresh)
        _stochastic.record(self, incremental)
        return self._check_finite()

    def _fit_lbfgs(self, model, X, t, sw, first, X_given, y_given, sample_weight):
        if first:  # the trainer carries the model (save/load, pickle); L-BFGS steps it
            self._trainer = Trainer(model, optimizer="sgd", batch_size=None, shuffle=False)
            self._trainer.optimizer_name = "lbfgs"
            self._new_monitor()
            self.t_ = 0
            for name in ("loss_curve_", "best_loss_", "validation_scores_",
                         "best_validation_score_"):  # scikit-learn's lbfgs has none of them
                self.__dict__.pop(name, None)
        task = FitTask(self, X_given, y_given, sample_weight, max_subtasks=self.max_iter + 1)
        try:
            self.n_iter_, self.loss_ = fit_lbfgs(model, X, t, sw, self.alpha, self.max_iter,
                                                 self.max_fun, self.tol, task)
        finally:
            task.end(None, model.params)
        return self._check_finite()

    def _new_monitor(self) -> None:
        self._monitor = Monitor()
        self._monitor.count = self.__dict__.pop("_count_init", 0)

    def _check_finite(self):
        if not np.all(np.isfinite(self._trainer.model.params)):
            raise ValueError(_stochastic.NON_FINITE)
        return self

    def _hidden_sizes(self) -> tuple[int, ...]:
        h = self.hidden_layer_sizes
        h = list(h) if hasattr(h, "__iter__") else [h]
        if not all(isinstance(v, int | np.integer) and not isinstance(v, bool) and v > 0
                   for v in h):
            raise ValueError(f"hidden_layer_sizes must be > 0, got {h}.")
        return tuple(int(v) for v in h)

    def _sample_weight(self, sample_weight, X, y, incremental: bool) -> np.ndarray | None:
        """Sample weights times class weights (None when there are neither)."""
        sw = None
        if sample_weight is not None:
            sw = _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)
        cw = self._class_weights(y, incremental)
        if cw is not None:
            sw = cw if sw is None else sw * cw
        return sw

    def _build_model(self, n_features: int, hidden: tuple[int, ...], rs) -> MLP:
        """The network, with scikit-learn's Glorot initial weights drawn from ``rs``."""
        act = activation_name(self.activation)
        model = MLP(n_inputs=n_features, hidden=hidden, n_outputs=self.n_outputs_,
                    activation=act, output=self._head, dtype=self._dtype, init="glorot",
                    rng=np.random.default_rng(0))
        glorot = INITIALIZERS["glorot"]
        for layer in model.dense:  # W_1, b_1, W_2, b_2, … in scikit-learn's order and draws
            glorot(layer.W, layer.b, rs, ACTIVATIONS[act])
        attach(model, self.loss)
        self.n_layers_ = len(hidden) + 2
        self.out_activation_ = self._out_activation
        return model

    def _check_unchanged(self, hidden: tuple[int, ...]) -> None:
        """A warm start or partial_fit continues the same network, optimizer and schedule."""
        model, trainer = self._trainer.model, self._trainer
        fixed = {
            "hidden_layer_sizes": (model.hidden, hidden),
            "activation": (model.activation, activation_name(self.activation)),
            "solver/optimizer": (trainer.optimizer_name, stochastic_optimizer(self) or "lbfgs"),
            "lr_schedule": (trainer.schedule_name, self.lr_schedule),
            "decay_biases": (getattr(trainer, "decay_biases", self.decay_biases),
                             self.decay_biases),
        }
        for name, (was, now) in fixed.items():
            if was != now:
                raise ValueError(
                    f"{name} changed from {was!r} to {now!r} since the last fit; warm_start and "
                    f"partial_fit continue the same run. Fit from scratch (warm_start=False) to "
                    f"change it."
                )

    def _validation(self, X, t, sw, eval_set, rs):
        """(X_train, t_train, w_train, validation) — validation is None or (X, t, w)."""
        if eval_set is not None:
            return X, t, sw, self._eval_set(eval_set)
        if not self.early_stopping:
            return X, t, sw, None
        tr, va = holdout(X.shape[0], self.validation_fraction, rs, self._stratify(t))
        w = (None, None) if sw is None else (sw[tr], sw[va])
        return X[tr], t[tr], w[0], (X[va], t[va], w[1])

    def _eval_set(self, eval_set):
        if not isinstance(eval_set, tuple | list) or len(eval_set) not in (2, 3):
            size = f" of length {len(eval_set)}" if hasattr(eval_set, "__len__") else ""
            raise ValueError("eval_set must be a pair (X_val, y_val) or a triple "
                             "(X_val, y_val, sample_weight_val); got "
                             f"{type(eval_set).__name__}{size}")
        Xv, yv = validate_data(self, eval_set[0], eval_set[1], reset=False, accept_sparse="csr",
                               multi_output=True, dtype=self._dtype, y_numeric=self._y_numeric)
        if yv.ndim == 2 and yv.shape[1] == 1:
            yv = yv.ravel()
        tv = self._targets(yv)
        wv = None
        if len(eval_set) == 3 and eval_set[2] is not None:
            wv = _check_sample_weight(eval_set[2], Xv, dtype=np.float64, ensure_non_negative=True)
        return Xv, tv, wv

    def _warn_not_converged(self) -> None:
        warn(not_converged_message(self), ConvergenceWarning)

    # ----------------------------------------------------------------- predict
    def _logits(self, X) -> np.ndarray:
        """The network's raw outputs for validated ``X``."""
        model = self._trainer.model
        return forward(X, self.coefs_, self.intercepts_, ACTIVATIONS[model.activation], model.dtype)

    def _decision(self, X) -> np.ndarray:
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, accept_sparse="csr", dtype=_DTYPES)
        return self._logits(X)

    # ---------------------------------------------------------------- tags etc.
    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    def __getstate__(self):
        # The trainer is pickled as its checkpoint state (arrays + JSON), the form load() reads:
        # pickling its objects directly would cut the optimizer off from the model's buffer.
        state = super().__getstate__()
        if "_trainer" in state:
            arrays, meta = self._trainer.state()
            state = dict(state, _trainer=(arrays, json.loads(json.dumps(meta))))
        return state

    def __setstate__(self, state):
        from adamlab.estimators._io import trainer_from_state

        trainer = state.get("_trainer")
        if isinstance(trainer, tuple):
            trainer = trainer_from_state(*trainer)
            attach(trainer.model, state.get("loss", "squared_error"))
            state = dict(state, _trainer=trainer)
        # a pickle of an earlier release lacks the newer parameters: their defaults, and the
        # bias decay its run had
        defaults = {k: v.default for k, v in inspect.signature(type(self)).parameters.items()}
        if "decay_biases" not in state and isinstance(trainer, Trainer):
            defaults["decay_biases"] = bool(getattr(trainer, "decay_biases", False))
        state = {**{k: v for k, v in defaults.items() if k not in state}, **state}
        super().__setstate__(state)

    # --------------------------------------------------------------- save/load
    def lr_find(self, X, y, sample_weight=None, **kw):
        """The learning-rate range test (``adamlab.lrfind``) of this estimator's settings:
        ``est.lr_find(X, y).suggestion`` for ``learning_rate_init``. Keywords: ``seeds`` (3),
        ``lr_min`` (1e-6), ``lr_max`` (1), ``steps`` (100), ``beta`` (0.98), ``diverge`` (4).
        Leaves this estimator as it was (each seed fits a clone)."""
        from adamlab.estimators._lrfind import lr_find

        self._validate_params()
        return lr_find(self, X, y, sample_weight, **kw)

    def save(self, path) -> None:
        """Write the fitted estimator to ``path`` in adamlab's checkpoint format (one ``.npz``:
        arrays and JSON, no pickle), atomically. ``load`` gives back an estimator that predicts
        the same and continues training (warm_start, partial_fit) exactly as this one would."""
        from adamlab.estimators._io import save

        check_is_fitted(self)
        save(self, path)

    @classmethod
    def load(cls, path):
        """An estimator saved by ``save``; refuses files that are not such an estimator."""
        from adamlab.estimators._io import load

        return load(cls, path)

