"""``MLPClassifier``: scikit-learn's MLP classifier trained by adamlab (binary, multi-class,
multi-label)."""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import ClassifierMixin
from sklearn.utils.class_weight import compute_class_weight, compute_sample_weight
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets, type_of_target, unique_labels

from adamlab.estimators._base import BaseMLP, is_stochastic, store_parameters
from adamlab.estimators._constraints import CLASSIFIER_CONSTRAINTS
from adamlab.estimators._skl_callbacks import with_callbacks
from adamlab.nn import sigmoid, softmax

__all__ = ["MLPClassifier"]


class MLPClassifier(ClassifierMixin, BaseMLP):
    """Multi-layer perceptron classifier: ``sklearn.neural_network.MLPClassifier`` with adamlab's
    optimizers, training loop and checkpoints.

    The output layer and loss follow the target: two classes -> one sigmoid unit and binary
    cross-entropy; K > 2 classes -> K softmax units and cross-entropy; a 0/1 indicator matrix
    (multi-label) -> one sigmoid unit per label. Trains in the dtype of X (float32 or float64).

    Parameters shared with scikit-learn 1.9 (same names, order, defaults and meaning)
    ---------------------------------------------------------------------------------
    hidden_layer_sizes : array-like of int, default=(100,)
        Widths of the hidden layers; ``()`` means no hidden layer (logistic regression).
    activation : {"relu", "tanh", "logistic", "identity", "sigmoid", "leaky_relu", "gelu"}
        Hidden units; "logistic" is scikit-learn's name for "sigmoid". Default "relu".
    solver : {"adam", "sgd", "lbfgs"}, default="adam"
        "adam": adamlab's Adam (or the registry optimizer named by ``optimizer``); "sgd":
        scikit-learn's SGD with momentum, exactly (``_sgd.SklearnSGD``); "lbfgs": full-batch
        L-BFGS-B from scipy on the network's exact gradients (no ``partial_fit``).
    alpha : float, default=1e-4
        L2 penalty, scikit-learn's convention: each mini-batch adds ``alpha/(2·n_b)·ΣW²``.
    batch_size : int or "auto", default="auto"
        Mini-batch size; "auto" is ``min(200, n_samples)``. Not used by "lbfgs".
    learning_rate : {"constant", "invscaling", "adaptive"}, default="constant"
        scikit-learn's schedule of the "sgd" solver: ``η = learning_rate_init / (t+1)**power_t``
        after each epoch (t = samples seen), or η/5 whenever the stopping rule fires.
    learning_rate_init : float, default=1e-3
    power_t : float, default=0.5
    max_iter : int, default=200
        Epochs per ``fit`` (``partial_fit`` does one); L-BFGS iterations for "lbfgs".
    shuffle : bool, default=True
    random_state : int, RandomState or None
        Initial weights (drawn as scikit-learn draws them), the early-stopping split and the
        shuffling order.
    tol, n_iter_no_change : float, int
        Stop when the training loss (or, with ``early_stopping``, the validation score or loss)
        has not improved by ``tol`` for more than ``n_iter_no_change`` epochs in a row; for
        "lbfgs", ``tol`` is scipy's ``gtol``.
    verbose : bool
    warm_start : bool or "continue", default=False
        True (scikit-learn's): ``fit`` starts from the previous weights with a new optimizer
        (Adam's moments and step count, SGD's velocity and η start again). "continue"
        (adamlab's): ``fit`` continues the previous run, optimizer state included, so
        ``fit(max_iter=10)`` equals ``fit(max_iter=5)`` + a continued ``fit(max_iter=5)``.
    momentum : float, default=0.9
    nesterovs_momentum : bool, default=True
        The "sgd" solver's momentum (scikit-learn's velocity form).
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training data (or use ``eval_set``), stop on the
        validation metric, and restore the weights of the best epoch.
    validation_fraction : float, default=0.1
    beta_1, beta_2, epsilon : float
        Adam's β1, β2 and ε (for any optimizer that has them).
    max_fun : int, default=15000
        The "lbfgs" solver's limit on loss evaluations.

    adamlab's additions
    -------------------
    optimizer : str or None, default=None
        None follows ``solver``; otherwise a name of ``adamlab.optim.OPTIMIZERS`` (adamw, nadam,
        lion, …), which refines solver="adam", or with solver="sgd" an SGD-family row (sgd,
        momentum, nesterov: PyTorch's form). With solver="lbfgs" it is an error.
    weight_decay : float or None, default=None
        Decoupled weight decay θ ← θ·(1 − lr·λ) (AdamW's); None keeps the optimizer's default.
    decay_biases : bool, default=False
        Apply ``weight_decay`` to the biases too (default: the weight matrices only).
    lr_schedule : str, default="constant"
        A name of ``adamlab.optim.SCHEDULES``, over ``max_iter`` epochs.
    clip_norm : float or None
        Clip the global gradient norm to this value before every step.
    eps_hat : bool, default=False
        False: PyTorch's Adam (ε added to the bias-corrected √v̂). True: scikit-learn's and
        Keras' form (ε added to √v before bias correction).
    callbacks : list of ``adamlab.train.Callback`` or None
        Called by the trainer (on_epoch_end logs, stop_training, …). scikit-learn's callbacks
        (``sklearn.callback``) go through ``set_callbacks``.
    early_stopping_monitor : {"val_score", "val_loss"}, default="val_score"
        What early stopping watches: accuracy (scikit-learn's rule) or the validation loss.
    class_weight : dict, list of dicts, "balanced" or None
        Weights per class, multiplied into ``sample_weight`` ("balanced": n / (K·n_k)).

    Attributes
    ----------
    classes_, n_features_in_, feature_names_in_, n_outputs_, n_layers_, out_activation_,
    coefs_, intercepts_, loss_, best_loss_, loss_curve_, validation_scores_,
    best_validation_score_, n_iter_, t_
        As in scikit-learn ("lbfgs" sets no loss_curve_, best_loss_, validation_scores_).
        ``coefs_``/``intercepts_`` are views into the model's parameters.
    history_ : adamlab.train.History
        Per epoch: loss, accuracy, val_loss, val_accuracy, lr, grad_norm, update_ratio, time.
    """

    _parameter_constraints: dict = CLASSIFIER_CONSTRAINTS

    def __init__(
        self,
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
        class_weight=None,
    ):
        store_parameters(self, locals())

    @available_if(is_stochastic)
    @with_callbacks
    def partial_fit(self, X, y, sample_weight=None, classes=None, eval_set=None):
        """One epoch over ``(X, y)``, continuing the run (weights and optimizer state).

        ``classes`` (every label of the whole data) is required on the first call, as in
        scikit-learn, except for a multi-label indicator ``y``. With ``early_stopping``, give an
        ``eval_set`` (adamlab's): each call is scored on it and the best weights so far kept.
        Only for the stochastic solvers (not ``solver="lbfgs"``).
        """
        if self.__sklearn_is_fitted__():
            if classes is not None and not np.array_equal(unique_labels(classes), self.classes_):
                raise ValueError(f"`classes={classes!r}` is not the same as on last call to "
                                 f"partial_fit, was: {self.classes_!r}")
        elif classes is None and not _is_multilabel(y):
            raise ValueError("classes must be passed on the first call to partial_fit.")
        return self._partial_fit(X, y, sample_weight, eval_set, classes=classes)

    # ---------------------------------------------------------------- targets
    @property
    def _head(self) -> str:
        return "softmax" if self._kind == "multiclass" else "sigmoid"

    @property
    def _out_activation(self) -> str:
        return "softmax" if self._kind == "multiclass" else "logistic"

    def _fit_targets(self, y, first: bool, incremental: bool, classes: Any) -> np.ndarray:
        y = _dense(y)
        kind = _label_kind(y)
        if first:
            if kind == "multilabel":
                self.classes_ = np.arange(y.shape[1])
            else:
                # one class: scikit-learn fits a constant model (its output learns "not
                # this class"; predict always says the class)
                self.classes_ = unique_labels(y if classes is None else classes)
                kind = "binary" if len(self.classes_) <= 2 else "multiclass"
            self._kind = kind
            self.n_outputs_ = {"binary": 1, "multiclass": len(self.classes_),
                               "multilabel": len(self.classes_)}[kind]
        elif (kind == "multilabel") != (self._kind == "multilabel"):
            raise ValueError(f"y is {'' if kind == 'multilabel' else 'not '}a multi-label "
                             f"indicator matrix, unlike the y this model was fitted on")
        elif kind != "multilabel" and self.warm_start and not incremental:
            labels = unique_labels(y)
            if set(labels) != set(self.classes_):
                raise ValueError("warm_start can only be used where `y` has the same classes as "
                                 f"in the previous call to fit. Previously got {self.classes_}, "
                                 f"`y` has {labels}")
        return self._targets(y)

    def _targets(self, y) -> np.ndarray:
        """Labels -> codes 0..K-1 (float 0/1 for binary) or the float indicator matrix."""
        y = _dense(y)
        if self._kind == "multilabel":
            if y.ndim != 2 or y.shape[1] != self.n_outputs_ or not np.isin(y, (0, 1)).all():
                raise ValueError(f"y must be a 0/1 indicator matrix with {self.n_outputs_} "
                                 f"columns (the labels this model was fitted on)")
            return y.astype(self._dtype)
        codes = self._codes(y)
        return codes.astype(self._dtype) if self._kind == "binary" else codes

    def _codes(self, y) -> np.ndarray:
        y = np.asarray(y)
        if y.ndim != 1:
            raise ValueError(f"y must be 1-D class labels; got shape {y.shape}")
        classes = self.classes_
        codes = np.minimum(np.searchsorted(classes, y), len(classes) - 1)
        unknown = classes[codes] != y
        if np.any(unknown):
            raise ValueError(f"`y` has classes not in `self.classes_`. `self.classes_` has "
                             f"{classes}. 'y' has {unique_labels(y)}.")
        return codes

    def _class_weights(self, y, incremental: bool) -> np.ndarray | None:
        cw = self.class_weight
        if cw is None:
            return None
        if incremental and isinstance(cw, str) and cw == "balanced":
            raise ValueError(
                "class_weight 'balanced' is not supported for partial_fit: one call's labels are "
                "not the data's class frequencies. Compute them once with sklearn.utils."
                "compute_class_weight('balanced', classes=classes, y=y_sample) and pass the "
                "resulting mapping as class_weight."
            )
        y = _dense(y)
        if self._kind == "multilabel":
            return compute_sample_weight(cw, y)
        return compute_class_weight(cw, classes=self.classes_, y=y)[self._codes(y)]

    def _stratify(self, t: np.ndarray) -> np.ndarray | None:
        """scikit-learn's rule: stratify when there is one output (binary, or one class), on
        its 0/1 column as booleans (hence "Classes with too few members are: ['True']")."""
        return (t > 0.5).reshape(-1, 1) if self.n_outputs_ == 1 else None

    def _score_logits(self, logits, t, w) -> float:
        """Accuracy (exact match for multi-label), weighted by ``w``: scikit-learn's score."""
        if not np.all(np.isfinite(logits)):
            return float("nan")
        if self._kind == "multiclass":
            hit = np.argmax(logits, axis=1) == t
        elif self._kind == "binary":
            hit = (logits[:, 0] > 0) == (t > 0.5)
        else:
            hit = np.all((logits > 0) == (t > 0.5), axis=1)
        return float(np.average(hit, weights=w))

    # ---------------------------------------------------------------- predict
    def predict(self, X):
        """Class labels (a 0/1 indicator matrix for multi-label)."""
        z = self._decision(X)
        if self._kind == "multilabel":
            return (z > 0).astype(int)
        if len(self.classes_) == 1:
            return np.repeat(self.classes_, len(z))
        index = np.argmax(z, axis=1) if self._kind == "multiclass" else (z[:, 0] > 0).astype(int)
        return self.classes_[index]

    def predict_proba(self, X):
        """Probabilities, shape (n_samples, n_classes), classes in the order of ``classes_``."""
        z = self._decision(X)
        if self._kind == "multiclass":
            return softmax(z)
        p = sigmoid(z)
        if self._kind == "binary":
            return np.column_stack([1 - p[:, 0], p[:, 0]])
        return p

    def predict_log_proba(self, X):
        """``log(predict_proba(X))``."""
        p = self.predict_proba(X)
        return np.log(p, out=p)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


def _dense(y):
    return y.toarray() if sp.issparse(y) else y


def _is_multilabel(y) -> bool:
    try:
        return type_of_target(_dense(y)) == "multilabel-indicator"
    except ValueError:
        return False


def _label_kind(y) -> str:
    """"multilabel" for a 0/1 indicator matrix, "single" for labels; ValueError otherwise."""
    kind = type_of_target(y, input_name="y")  # once: ~1 ms on 100 000 labels
    if kind == "multilabel-indicator":
        return "multilabel"
    if kind in ("binary", "multiclass"):
        return "single"
    check_classification_targets(y)  # scikit-learn's own error for what it refuses
    raise ValueError(f"MLPClassifier takes binary, multi-class or multi-label (0/1 indicator "
                     f"matrix) targets; got {kind} targets")
