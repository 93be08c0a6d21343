"""``BaseMLP``: what the classifier and the regressor share — parameters, the fit loop, predict.

An estimator is a thin scikit-learn face on adamlab's parts::

    MLP (adamlab.nn)          the network: one flat parameter buffer, Glorot init drawn from
                              scikit-learn's RandomState, so the same random_state gives the
                              same initial weights as sklearn.neural_network
    Trainer (adamlab.train)   mini-batches, the optimizer and its state, schedule, clipping,
                              validation, history, checkpoints
    Monitor (._monitor)       scikit-learn's tol / n_iter_no_change rule, early stopping with
                              the best weights restored

``alpha`` is scikit-learn's: each batch adds ``alpha/(2·Σw_b)·ΣW²`` (Σw_b the batch's total
sample weight, its size without weights), i.e. the trainer's ``l2_per_sample``. Fitted state
is the trainer (weights, optimizer moments and step count, generators, history) and the
monitor; ``coefs_`` and ``intercepts_`` are views into the model's one parameter buffer.
"""

from __future__ import annotations

import json
import math
import warnings
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state, column_or_1d
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from adamlab.estimators._constraints import MLP_CONSTRAINTS, OUT_ACTIVATIONS, activation_name
from adamlab.estimators._data import as_rows, forward, holdout
from adamlab.estimators._monitor import Monitor, not_converged_message
from adamlab.estimators._solver import optimizer_arguments, update_hyperparameters
from adamlab.nn import ACTIVATIONS, INITIALIZERS, MLP
from adamlab.train import Trainer

__all__ = ["BaseMLP"]

_DTYPES = (np.float64, np.float32)


class BaseMLP(BaseEstimator):
    """Shared by ``MLPClassifier`` and ``MLPRegressor``; not used directly.

    Subclasses provide the target side: ``_fit_targets`` (check ``y`` and convert it to what the
    loss expects, defining ``classes_``/``n_outputs_`` on a first fit), ``_targets`` (the same
    for a validation set), ``_head`` (the output head) and ``_score_logits`` (the validation
    score: accuracy or R²).
    """

    _parameter_constraints: dict = MLP_CONSTRAINTS
    _y_numeric = False

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        alpha=0.0001,
        batch_size="auto",
        learning_rate_init=0.001,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        optimizer="adam",
        weight_decay=None,
        lr_schedule="constant",
        clip_norm=None,
        eps_hat=False,
        callbacks=None,
        early_stopping_monitor="val_score",
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.optimizer = optimizer
        self.weight_decay = weight_decay
        self.lr_schedule = lr_schedule
        self.clip_norm = clip_norm
        self.eps_hat = eps_hat
        self.callbacks = callbacks
        self.early_stopping_monitor = early_stopping_monitor

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

    @property
    def _head(self) -> str:
        raise NotImplementedError  # pragma: no cover

    # ------------------------------------------------------------ fitted views
    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "_trainer")

    @property
    def coefs_(self) -> list[np.ndarray]:
        """Weight matrices ``W_l`` of shape ``(fan_in, fan_out)``: views into the one parameter
        buffer (writing into them changes the model); assigning a list copies it in."""
        check_is_fitted(self)
        return [layer.W for layer in self._trainer.model.dense]

    @coefs_.setter
    def coefs_(self, values: list[np.ndarray]) -> None:
        self._assign("coefs_", [layer.W for layer in self._trainer.model.dense], values)

    @property
    def intercepts_(self) -> list[np.ndarray]:
        """Bias vectors ``b_l``: views into the one parameter buffer, like ``coefs_``."""
        check_is_fitted(self)
        return [layer.b for layer in self._trainer.model.dense]

    @intercepts_.setter
    def intercepts_(self, values: list[np.ndarray]) -> None:
        self._assign("intercepts_", [layer.b for layer in self._trainer.model.dense], values)

    def _assign(self, name: str, targets: list[np.ndarray], values: list[np.ndarray]) -> None:
        shapes = [t.shape for t in targets]
        values = [np.asarray(v) for v in values]
        if [v.shape for v in values] != shapes:
            raise ValueError(f"{name} must be a list of arrays of shapes {shapes}; "
                             f"got {[v.shape for v in values]}")
        for t, v in zip(targets, values, strict=True):
            t[...] = v

    @property
    def history_(self):
        """Per-epoch training record (``adamlab.train.History``): ``history_["loss"]``,
        ``["val_loss"]``, ``["accuracy"]``, ``["val_accuracy"]``, ``["lr"]``, ``["grad_norm"]``,
        … — one entry per epoch over every fit, warm starts and ``partial_fit`` included."""
        check_is_fitted(self)
        return self._trainer.history

    # --------------------------------------------------------------------- fit
    def fit(self, X, y, sample_weight=None, eval_set=None):
        """Train for up to ``max_iter`` epochs (more epochs of the same run with ``warm_start``).

        ``eval_set``: ``(X_val, y_val)`` or ``(X_val, y_val, sample_weight_val)``, a validation
        set recorded in ``history_`` and ``validation_scores_`` and, with ``early_stopping``,
        monitored instead of a ``validation_fraction`` split of the training data.
        """
        self._validate_params()
        return self._fit(X, y, sample_weight, eval_set, incremental=False)

    def _fit(self, X, y, sample_weight, eval_set, incremental: bool, classes: Any = None):
        first = not self.__sklearn_is_fitted__() or not (self.warm_start or incremental)
        hidden = self._hidden_sizes()
        dtype = _DTYPES if first else self._dtype
        X, y = validate_data(self, X, y, reset=first, accept_sparse="csr", multi_output=True,
                             dtype=dtype, y_numeric=self._y_numeric)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if first:
            self._dtype = X.dtype
        t = self._fit_targets(y, first, incremental, classes)
        sw = self._sample_weight(sample_weight, X, y, incremental)
        rs = check_random_state(self.random_state)
        if first:
            model = self._build_model(X.shape[1], hidden, rs)
        else:
            self._check_unchanged(hidden)
            model = self._trainer.model
        Xtr, ttr, swtr, val = self._validation(X, t, sw, eval_set, rs)
        if first:
            self._trainer = self._build_trainer(model, rs)
            self._monitor = Monitor()
            self.t_ = 0
        self._configure(len(ttr))
        self._run(Xtr, ttr, swtr, val, epochs=1 if incremental else self.max_iter)
        self._record(len(ttr), incremental)
        return self

    def partial_fit(self, X, y, sample_weight=None, eval_set=None):
        """One epoch over ``(X, y)``, continuing the run: the weights, the optimizer's moments and
        step count, the schedule and the stopping state all carry over from the previous call.

        With ``early_stopping``, each call is scored on ``eval_set`` (or on a
        ``validation_fraction`` split of the call's data) and the weights kept are the best so
        far; a call that brings no improvement leaves the previous best weights in place.
        """
        self._validate_params()
        return self._fit(X, y, sample_weight, eval_set, incremental=True)

    def _hidden_sizes(self) -> tuple[int, ...]:
        h = self.hidden_layer_sizes
        h = list(h) if hasattr(h, "__iter__") else [h]
        if not all(isinstance(v, int | np.integer) and not isinstance(v, bool) and v > 0
                   for v in h):
            raise ValueError(f"hidden_layer_sizes must be positive integers; got {h}")
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
        self.n_layers_ = len(hidden) + 2
        self.out_activation_ = OUT_ACTIVATIONS[self._head]
        return model

    def _build_trainer(self, model: MLP, rs) -> Trainer:
        args = optimizer_arguments(self)
        seed = int(rs.randint(np.iinfo(np.int32).max))  # shuffling order, from random_state
        return Trainer(model, optimizer=self.optimizer, lr=args.pop("lr"), optimizer_args=args,
                       schedule=self.lr_schedule, l2=float(self.alpha), l2_per_sample=True,
                       batch_size=1, shuffle=self.shuffle, seed=seed,
                       schedule_epochs=self.max_iter)

    def _check_unchanged(self, hidden: tuple[int, ...]) -> None:
        """A warm start or partial_fit continues the same network, optimizer and schedule."""
        model, trainer = self._trainer.model, self._trainer
        fixed = {
            "hidden_layer_sizes": (model.hidden, hidden),
            "activation": (model.activation, activation_name(self.activation)),
            "optimizer": (trainer.optimizer_name, self.optimizer),
            "lr_schedule": (trainer.schedule_name, self.lr_schedule),
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

    # ------------------------------------------------------------------ the run
    def _configure(self, n_train: int) -> None:
        """Per-call settings: scikit-learn lets any of them change between warm starts."""
        trainer = self._trainer
        if self.batch_size == "auto":
            trainer.batch_size = 200  # the trainer takes min(batch_size, n): min(200, n)
        else:
            if self.batch_size > n_train:
                warnings.warn("Got `batch_size` less than 1 or larger than sample size. It is "
                              "going to be clipped", stacklevel=4)
            trainer.batch_size = int(self.batch_size)
        trainer.shuffle = bool(self.shuffle)
        trainer.l2 = float(self.alpha)
        trainer.clip_norm = None if self.clip_norm is None else float(self.clip_norm)
        update_hyperparameters(trainer.optimizer, optimizer_arguments(self))

    def _run(self, X, t, sw, val, epochs: int) -> None:
        dtype = self._trainer.model.dtype
        mode = self.early_stopping_monitor if self.early_stopping else "loss"
        score = None
        validation_data = None
        if val is not None:
            Xv, tv, wv = val
            validation_data = (as_rows(Xv, dtype), tv, wv)

            def score() -> float:
                return self._score_logits(self._logits(Xv), tv, wv)

        self._monitor.configure(
            n_samples=len(t), tol=float(self.tol), n_iter_no_change=self.n_iter_no_change,
            mode=mode, restore=bool(self.early_stopping), score=score, verbose=bool(self.verbose),
        )
        callbacks = [self._monitor, *(self.callbacks or ())]
        self._trainer.fit(as_rows(X, dtype), t, epochs=epochs, sample_weight=sw,
                          validation_data=validation_data, callbacks=callbacks)

    def _record(self, n_train: int, incremental: bool) -> None:
        """scikit-learn's fitted attributes from the monitor, and its ConvergenceWarning."""
        m = self._monitor
        self.n_iter_ = m.n_iter
        self.t_ += m.n_iter * n_train
        self.loss_curve_ = list(m.loss_curve)
        self.loss_ = self.loss_curve_[-1] if self.loss_curve_ else math.nan
        self.best_loss_ = None if self.early_stopping else m.best_loss
        validated = len(m.validation_scores) > 0
        self.validation_scores_ = list(m.validation_scores) if validated else None
        self.best_validation_score_ = m.best_score if validated else None
        if not incremental and m.n_iter == self.max_iter and not m.stopped:
            self._warn_not_converged()

    def _warn_not_converged(self) -> None:
        warnings.warn(not_converged_message(self), ConvergenceWarning, stacklevel=5)

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
        trainer = state.get("_trainer")
        if isinstance(trainer, tuple):
            state = dict(state, _trainer=Trainer.from_state(*trainer))
        super().__setstate__(state)

    # --------------------------------------------------------------- save/load
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
