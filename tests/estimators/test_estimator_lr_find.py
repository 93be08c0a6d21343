"""``MLPClassifier.lr_find`` / ``MLPRegressor.lr_find``: the range test of the estimator's own
settings, leaving the estimator untouched."""

import numpy as np
import pytest
from sklearn.datasets import make_moons, make_regression

from adamlab import MLPClassifier, MLPRegressor


def test_classifier_lr_find_and_the_estimator_is_unchanged():
    X, y = make_moons(300, noise=0.2, random_state=0)
    est = MLPClassifier(hidden_layer_sizes=(8,), batch_size=16, random_state=0)
    before = est.get_params()
    r = est.lr_find(X, y, seeds=2, steps=40)
    assert r.range[0] <= r.suggestion <= r.range[1]
    assert 1e-6 <= r.suggestion <= 1.0
    assert est.get_params() == before and not hasattr(est, "coefs_")


def test_regressor_lr_find_runs_each_seed():
    X, y = make_regression(200, 4, noise=1.0, random_state=0)
    y = (y - y.mean()) / y.std()
    r = MLPRegressor(hidden_layer_sizes=(8,), batch_size=16).lr_find(X, y, seeds=[3, 5],
                                                                      steps=30)
    assert r.seeds == [3, 5] and r.losses.shape == (2, 30)
    assert np.isfinite(r.curve).all()


def test_lbfgs_has_no_learning_rate_to_find():
    X, y = make_moons(50, random_state=0)
    with pytest.raises(ValueError, match="lbfgs"):
        MLPClassifier(solver="lbfgs").lr_find(X, y)
