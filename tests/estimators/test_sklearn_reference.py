"""adamlab's estimators against scikit-learn's MLP on the same data and settings.

1. With ``eps_hat=True`` (scikit-learn's Adam) and ``shuffle=False`` (scikit-learn's shuffling
   draws cannot be shared), both start from the same weights (the same Glorot draws from the
   same RandomState) and must follow the same trajectory: weights, loss curve, epoch count and
   validation scores equal to rounding.
2. With the defaults (PyTorch's ε, each library's own shuffling), 5-fold accuracy averaged over
   seeds must be at least scikit-learn's on breast cancer, wine, digits and moons — a fast
   version here; the full one (default sizes, 5 seeds) runs with ADAMLAB_SLOW=1.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from estkit import dataset
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.neural_network import MLPClassifier as SkClassifier
from sklearn.neural_network import MLPRegressor as SkRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from adamlab.estimators import MLPClassifier, MLPRegressor

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

COMMON = dict(hidden_layer_sizes=(16, 8), max_iter=25, random_state=3, shuffle=False,
              batch_size=64, alpha=1e-3, tol=1e-3, n_iter_no_change=5)

CASES = {
    # name: (data, estimator pair, extra settings, dtype)
    "binary": ("breast_cancer", "classifier", {}, np.float64),
    "binary early stopping": ("breast_cancer", "classifier", {"early_stopping": True}, np.float64),
    "multiclass tanh": ("wine", "classifier", {"activation": "tanh"}, np.float64),
    "multiclass logistic": ("digits", "classifier", {"activation": "logistic"}, np.float64),
    "multilabel": ("multilabel", "classifier", {}, np.float64),
    "no hidden layer": ("wine", "classifier", {"hidden_layer_sizes": ()}, np.float64),
    "regression": ("regression", "regressor", {"activation": "tanh"}, np.float64),
    "regression early stopping": ("regression", "regressor", {"early_stopping": True}, np.float64),
    "binary float32": ("breast_cancer", "classifier", {}, np.float32),
}


@pytest.mark.parametrize("case", list(CASES))
def test_same_trajectory_as_sklearn_with_eps_hat(case):
    data, kind, extra, dtype = CASES[case]
    X, y = dataset(data)
    X = X.astype(dtype)
    ours, theirs = {"classifier": (MLPClassifier, SkClassifier),
                    "regressor": (MLPRegressor, SkRegressor)}[kind]
    settings = {**COMMON, **extra}
    a = ours(eps_hat=True, **settings).fit(X, y)
    s = theirs(**settings).fit(X, y)
    tol = dict(rtol=1e-9, atol=1e-12) if dtype == np.float64 else dict(rtol=2e-4, atol=2e-5)
    assert a.n_iter_ == s.n_iter_ and a.t_ == s.t_
    for mine, ref in zip(a.coefs_ + a.intercepts_, s.coefs_ + s.intercepts_, strict=True):
        assert mine.dtype == ref.dtype == dtype
        np.testing.assert_allclose(mine, ref, **tol)
    np.testing.assert_allclose(a.loss_curve_, s.loss_curve_, **tol)
    if settings.get("early_stopping"):
        np.testing.assert_allclose(a.validation_scores_, s.validation_scores_, **tol)
        assert a.best_validation_score_ == pytest.approx(s.best_validation_score_, rel=tol["rtol"])
        assert a.best_loss_ is None and s.best_loss_ is None
    else:
        assert a.best_loss_ == pytest.approx(s.best_loss_, rel=tol["rtol"])
        assert a.validation_scores_ is None and s.validation_scores_ is None
    for attr in ("n_outputs_", "n_layers_", "out_activation_", "n_features_in_"):
        assert getattr(a, attr) == getattr(s, attr), attr
    if kind == "classifier":
        np.testing.assert_array_equal(a.classes_, s.classes_)
        np.testing.assert_allclose(a.predict_proba(X), s.predict_proba(X), **tol)
        np.testing.assert_array_equal(a.predict(X), s.predict(X))
    else:
        np.testing.assert_allclose(a.predict(X), s.predict(X), **tol)


def test_same_initial_weights_as_sklearn():
    """One epoch at a negligible learning rate: the weights are the shared initial draws."""
    X, y = dataset("wine")
    kw = dict(hidden_layer_sizes=(7, 5), max_iter=1, random_state=11, learning_rate_init=1e-12)
    a, s = MLPClassifier(**kw).fit(X, y), SkClassifier(**kw).fit(X, y)
    for mine, ref in zip(a.coefs_ + a.intercepts_, s.coefs_ + s.intercepts_, strict=True):
        np.testing.assert_allclose(mine, ref, atol=1e-10)


# ------------------------------------------------------------------------ accuracy
def cv_accuracy(cls, X, y, seeds, **settings) -> float:
    """Mean 5-fold accuracy over ``seeds`` (each seed: the folds and the estimator's seed)."""
    scores = []
    for seed in seeds:
        folds = StratifiedKFold(5, shuffle=True, random_state=seed)
        model = make_pipeline(StandardScaler(), cls(random_state=seed, **settings))
        scores.append(cross_val_score(model, X, y, cv=folds).mean())
    return float(np.mean(scores))


@pytest.mark.parametrize("data", ["breast_cancer", "wine", "digits", "moons"])
def test_cross_validated_accuracy_at_least_sklearns(data):
    X, y = dataset(data)
    settings = dict(hidden_layer_sizes=(32,), max_iter=60)
    ours = cv_accuracy(MLPClassifier, X, y, range(3), **settings)
    theirs = cv_accuracy(SkClassifier, X, y, range(3), **settings)
    assert ours >= theirs - 0.005, (ours, theirs)


@pytest.mark.skipif(not os.environ.get("ADAMLAB_SLOW"), reason="slow: set ADAMLAB_SLOW=1")
@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
@pytest.mark.parametrize("data", ["breast_cancer", "wine", "digits", "moons"])
def test_cross_validated_accuracy_at_least_sklearns_defaults(data, solver):
    """The table of docs/sklearn.md (scripts/sklearn_accuracy.py): raw data, default settings,
    each of the three solvers (minutes: ADAMLAB_SLOW)."""
    from sklearn import datasets

    X, y = {"breast_cancer": datasets.load_breast_cancer, "wine": datasets.load_wine,
            "digits": datasets.load_digits,
            "moons": lambda return_X_y: datasets.make_moons(300, noise=0.25, random_state=0),
            }[data](return_X_y=True)
    ours = cv_accuracy(MLPClassifier, X, y, range(5), solver=solver)
    theirs = cv_accuracy(SkClassifier, X, y, range(5), solver=solver)
    # L-BFGS far from converged (moons: 200 iterations) parts from scikit-learn's by rounding
    # alone: 0.004 on a seed spread of 0.014 (docs/sklearn.md)
    margin = 0.01 if solver == "lbfgs" else 0.002
    assert ours >= theirs - margin, (ours, theirs)
