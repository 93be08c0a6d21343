"""The estimators inside scikit-learn's machinery: Pipeline, GridSearchCV, cross_val_score,
clone, and predictions from several threads (pickling: test_continuity.py)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from estkit import dataset
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from adamlab.estimators import MLPClassifier, MLPRegressor

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

SETTINGS = dict(hidden_layer_sizes=(16,), random_state=0, max_iter=20, learning_rate_init=0.01)


def test_pipeline_and_eval_set_routed_to_the_step():
    X, y = dataset("wine")
    pipe = make_pipeline(StandardScaler(), MLPClassifier(**SETTINGS))
    pipe.fit(X, y, mlpclassifier__eval_set=(X[:30], y[:30]))
    assert pipe.score(X, y) > 0.9
    assert len(pipe[-1].validation_scores_) == pipe[-1].n_iter_


def test_grid_search_over_adamlabs_parameters():
    X, y = dataset("wine")
    grid = GridSearchCV(MLPClassifier(**SETTINGS),
                        {"optimizer": ["adam", "amsgrad"], "eps_hat": [False, True]}, cv=3,
                        error_score="raise")
    grid.fit(X, y)
    assert set(grid.best_params_) == {"optimizer", "eps_hat"}
    assert grid.best_estimator_.score(X, y) > 0.9


def test_cross_val_score_regressor():
    X, y = dataset("regression")
    scores = cross_val_score(MLPRegressor(**{**SETTINGS, "max_iter": 60}), X, y, cv=3)
    assert scores.mean() > 0.8


def test_clone_of_a_fitted_model_is_unfitted_and_trains_the_same():
    X, y = dataset("wine")
    clf = MLPClassifier(**SETTINGS).fit(X, y)
    twin = clone(clf).fit(X, y)
    np.testing.assert_array_equal(twin.coefs_[0], clf.coefs_[0])


def test_predictions_from_several_threads_at_once():
    X, y = dataset("digits")
    clf = MLPClassifier(**SETTINGS).fit(X, y)
    expected = clf.predict_proba(X)
    parts = np.array_split(np.arange(len(y)), 24)
    with ThreadPoolExecutor(8) as pool:
        got = list(pool.map(lambda rows: clf.predict_proba(X[rows]), parts))
    np.testing.assert_allclose(np.concatenate(got), expected, rtol=1e-12, atol=1e-15)
