"""Estimator files saved by an earlier release load and predict the same numbers."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from adamlab import MLPClassifier, MLPRegressor

V1 = Path(__file__).resolve().parents[1] / "fixtures" / "estimator_v1"


@pytest.fixture(scope="module")
def expected():
    return json.loads((V1 / "expected.json").read_text())


def test_a_v1_classifier_loads_and_predicts_the_same(expected):
    est = MLPClassifier.load(V1 / "classifier.npz")
    np.testing.assert_array_equal(est.predict_proba(np.array(expected["X"])), expected["proba"])


def test_a_v1_regressor_loads_and_predicts_the_same(expected):
    est = MLPRegressor.load(V1 / "regressor.npz")
    np.testing.assert_array_equal(est.predict(np.array(expected["X"])), expected["reg"])


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_a_v1_classifier_goes_on_training(expected):
    est = MLPClassifier.load(V1 / "classifier.npz")
    X = np.array(expected["X"])
    est.partial_fit(X, (X[:, 0] > 0.5).astype(int))
    assert np.all(np.isfinite(est.predict_proba(X)))
