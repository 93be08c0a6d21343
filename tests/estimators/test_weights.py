"""Sample weights and class weights: class_weight is sample_weight by class, and they multiply."""

from __future__ import annotations

import numpy as np
import pytest
from estkit import dataset
from sklearn.utils.class_weight import compute_sample_weight

from adamlab.estimators import MLPClassifier, MLPRegressor

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

SETTINGS = dict(hidden_layer_sizes=(16,), batch_size=32, random_state=0, max_iter=8)


def params(est):
    return est._trainer.model.params


@pytest.mark.parametrize("data", ["wine", "breast_cancer", "multilabel"])
def test_balanced_class_weight_is_balanced_sample_weight(data):
    X, y = dataset(data)
    a = MLPClassifier(class_weight="balanced", **SETTINGS).fit(X, y)
    b = MLPClassifier(**SETTINGS).fit(X, y, sample_weight=compute_sample_weight("balanced", y))
    np.testing.assert_array_equal(params(a), params(b))


def test_a_class_weight_mapping_is_keyed_by_label_and_multiplies_sample_weight():
    X, y = dataset("wine")
    labels = np.array(["a", "b", "c"])[y]
    sw = np.random.default_rng(1).uniform(0.5, 2.0, len(y))
    mapping = {"a": 3.0, "b": 0.5, "c": 1.0}
    a = MLPClassifier(class_weight=mapping, **SETTINGS).fit(X, labels, sample_weight=sw)
    b = MLPClassifier(**SETTINGS).fit(X, labels, sample_weight=sw * np.array([3.0, 0.5, 1.0])[y])
    np.testing.assert_array_equal(params(a), params(b))


def test_class_weight_moves_the_decisions():
    X, y = dataset("breast_cancer")
    kw = {**SETTINGS, "max_iter": 30}
    plain = MLPClassifier(**kw).fit(X, y).predict(X)
    heavy = MLPClassifier(class_weight={0: 20.0, 1: 1.0}, **kw).fit(X, y).predict(X)
    assert np.sum(heavy == 0) > np.sum(plain == 0)


def test_balanced_class_weight_is_refused_by_partial_fit_a_mapping_is_not():
    X, y = dataset("wine")
    with pytest.raises(ValueError, match="'balanced' is not supported for partial_fit"):
        MLPClassifier(class_weight="balanced").partial_fit(X, y, classes=[0, 1, 2])
    clf = MLPClassifier(class_weight={0: 2.0}, **SETTINGS)
    clf.partial_fit(X[y == 1], y[y == 1], classes=[0, 1, 2])  # class 0 absent from this chunk
    assert clf.n_iter_ == 1


def test_alpha_is_per_unit_of_sample_weight():
    """scikit-learn's convention: each batch adds alpha/(2·Σw_b)·ΣW², so weights ×c act as c
    copies of every sample (the data loss, a weighted mean, does not change; alpha weighs 1/c)."""
    X, y = dataset("regression")
    sw = np.random.default_rng(2).uniform(0.5, 2.0, len(y))
    a = MLPRegressor(alpha=0.1, **SETTINGS).fit(X, y, sample_weight=sw)
    b = MLPRegressor(alpha=0.8, **SETTINGS).fit(X, y, sample_weight=8 * sw)  # a power of 2: exact
    c = MLPRegressor(alpha=0.1, **SETTINGS).fit(X, y, sample_weight=8 * sw)
    np.testing.assert_array_equal(params(a), params(b))
    assert not np.array_equal(params(a), params(c))


def test_bad_sample_weights_are_refused():
    X, y = dataset("wine")
    with pytest.raises(ValueError, match="Negative values in data passed to `sample_weight`"):
        MLPClassifier(**SETTINGS).fit(X, y, sample_weight=-np.ones(len(y)))
    with pytest.raises(ValueError, match=r"sample_weight.shape == \(3,\), expected \(178,\)"):
        MLPClassifier(**SETTINGS).fit(X, y, sample_weight=[1, 2, 3])
