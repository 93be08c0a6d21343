"""The estimators' parameters: one declarative table, checked at the start of ``fit``.

scikit-learn's contract: ``__init__`` stores its arguments untouched, and ``fit`` validates
them (``BaseEstimator._validate_params``) against ``_parameter_constraints``, with the error
message scikit-learn users know ("The 'alpha' parameter of MLPClassifier must be a float in
the range [0.0, inf). Got -1 instead."). The names a user types come from adamlab's registries,
shared with the CLI and the docs: ``ACTIVATIONS`` (plus scikit-learn's ``"logistic"``),
``OPTIMIZERS`` and ``SCHEDULES``.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval, Options, StrOptions

from adamlab.nn import ACTIVATIONS
from adamlab.optim import OPTIMIZERS, SCHEDULES

__all__ = [
    "ACTIVATION_ALIASES",
    "OUT_ACTIVATIONS",
    "MONITORS",
    "SOLVERS",
    "LEARNING_RATES",
    "REGRESSION_LOSSES",
    "MLP_CONSTRAINTS",
    "CLASSIFIER_CONSTRAINTS",
    "REGRESSOR_CONSTRAINTS",
    "activation_name",
]

#: scikit-learn's hidden-activation names that adamlab spells differently.
ACTIVATION_ALIASES: dict[str, str] = {"logistic": "sigmoid"}

#: adamlab's output head -> scikit-learn's ``out_activation_`` name.
OUT_ACTIVATIONS: dict[str, str] = {
    "sigmoid": "logistic", "softmax": "softmax", "identity": "identity",
}

#: scikit-learn's ``solver`` -> how the estimator trains.
SOLVERS: dict[str, str] = {
    "adam": "Adam through adamlab's trainer (or the registry optimizer named by optimizer=)",
    "sgd": "scikit-learn's SGD with momentum (v <- mu*v - lr*g) through adamlab's trainer",
    "lbfgs": "full-batch L-BFGS-B (scipy.optimize.minimize) on the model's exact gradients",
}

#: scikit-learn's ``learning_rate`` schedules of the "sgd" solver (adamlab.estimators._sgd).
LEARNING_RATES: dict[str, str] = {
    "constant": "learning_rate_init throughout",
    "invscaling": "learning_rate_init / (t + 1)**power_t after each epoch, t = samples seen",
    "adaptive": "divided by 5 whenever the stopping rule fires, until it is below 1e-6",
}

#: ``MLPRegressor(loss=...)`` -> its output head and ``out_activation_``.
REGRESSION_LOSSES: dict[str, str] = {"squared_error": "identity", "poisson": "exp"}

#: ``early_stopping_monitor`` -> what it watches on the validation set.
MONITORS: dict[str, str] = {
    "val_score": "accuracy (classifier) or R² (regressor), higher is better: scikit-learn's rule",
    "val_loss": "the loss (log-loss or half squared error, plus the L2 term), lower is better",
}


def activation_name(name: str) -> str:
    """The ``adamlab.nn`` activation named by ``activation`` ("logistic" -> "sigmoid")."""
    return ACTIVATION_ALIASES.get(name, name)


MLP_CONSTRAINTS: dict[str, list] = {
    # scikit-learn's parameters, with its constraints
    "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
    "activation": [StrOptions(set(ACTIVATIONS) | set(ACTIVATION_ALIASES))],
    "solver": [StrOptions(set(SOLVERS))],
    "alpha": [Interval(Real, 0, None, closed="left")],
    "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
    "learning_rate": [StrOptions(set(LEARNING_RATES))],
    "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
    "power_t": [Interval(Real, 0, None, closed="left")],
    "max_iter": [Interval(Integral, 1, None, closed="left")],
    "shuffle": ["boolean"],
    "random_state": ["random_state"],
    "tol": [Interval(Real, 0, None, closed="left")],
    "verbose": ["verbose"],
    "warm_start": ["boolean", StrOptions({"continue"})],  # "continue": adamlab's (the run)
    "momentum": [Interval(Real, 0, 1, closed="both")],
    "nesterovs_momentum": ["boolean"],
    "early_stopping": ["boolean"],
    "validation_fraction": [Interval(Real, 0, 1, closed="left")],
    "beta_1": [Interval(Real, 0, 1, closed="left")],
    "beta_2": [Interval(Real, 0, 1, closed="left")],
    "epsilon": [Interval(Real, 0, None, closed="neither")],
    "n_iter_no_change": [Interval(Integral, 1, None, closed="left"), Options(Real, {np.inf})],
    "max_fun": [Interval(Integral, 1, None, closed="left")],
    # adamlab's additions
    "optimizer": [None, StrOptions(OPTIMIZERS.keys())],  # live: a row registered later is valid
    "decay_biases": ["boolean"],
    "weight_decay": [None, Interval(Real, 0, None, closed="left")],
    "lr_schedule": [StrOptions(set(SCHEDULES))],
    "clip_norm": [None, Interval(Real, 0, None, closed="neither")],
    "eps_hat": ["boolean"],
    "callbacks": [None, list, tuple],
    "early_stopping_monitor": [StrOptions(set(MONITORS))],
}

CLASSIFIER_CONSTRAINTS: dict[str, list] = {
    **MLP_CONSTRAINTS,
    "class_weight": [None, dict, list, StrOptions({"balanced"})],
}

REGRESSOR_CONSTRAINTS: dict[str, list] = {
    **MLP_CONSTRAINTS,
    "loss": [StrOptions(set(REGRESSION_LOSSES))],
}
