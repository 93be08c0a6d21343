"""eval_set, early stopping on the validation score or loss, and the best weights restored."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from estkit import dataset
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import log_loss, r2_score

from adamlab.estimators import MLPClassifier, MLPRegressor

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

SETTINGS = dict(hidden_layer_sizes=(32,), batch_size=32, random_state=0, learning_rate_init=0.02)


def split(data, n_val=60):
    X, y = dataset(data)
    return (X[n_val:], y[n_val:]), (X[:n_val], y[:n_val])


CASES = {
    "classifier val_score": (MLPClassifier, "digits", "val_score"),
    "classifier val_loss": (MLPClassifier, "digits", "val_loss"),
    "regressor val_score": (MLPRegressor, "regression", "val_score"),
    "regressor val_loss": (MLPRegressor, "regression", "val_loss"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_early_stopping_restores_the_best_epochs_weights(case):
    cls, data, monitor = CASES[case]
    (X, y), (Xv, yv) = split(data)
    es = cls(max_iter=80, early_stopping=True, early_stopping_monitor=monitor, n_iter_no_change=4,
             **SETTINGS).fit(X, y, eval_set=(Xv, yv))
    assert es.n_iter_ < 80  # it stopped
    if monitor == "val_score":
        best = int(np.argmax(es.validation_scores_))  # the first best, as only '>' improves
    else:
        best = int(np.argmin(es.history_["val_loss"]))
    assert es.n_iter_ == best + 1 + es.n_iter_no_change + 1
    # The same run, stopped by hand at the best epoch, has exactly those weights.
    plain = cls(max_iter=best + 1, n_iter_no_change=1000, **SETTINGS).fit(X, y)
    np.testing.assert_array_equal(es._trainer.model.params, plain._trainer.model.params)
    assert es.best_validation_score_ == es.validation_scores_[best]
    assert es.score(Xv, yv) == pytest.approx(es.validation_scores_[best], rel=1e-12)
    assert es.best_loss_ is None


def test_validation_scores_are_sklearns_score_and_val_loss_the_weighted_loss():
    (X, y), (Xv, yv) = split("digits")
    w = np.random.default_rng(0).uniform(0.5, 2, len(yv))
    clf = MLPClassifier(max_iter=5, **SETTINGS).fit(X, y, eval_set=(Xv, yv, w))
    assert clf.validation_scores_[-1] == pytest.approx(clf.score(Xv, yv, sample_weight=w))
    penalty = 0.5 * clf.alpha / w.sum() * sum(np.sum(W * W) for W in clf.coefs_)
    expected = log_loss(yv, clf.predict_proba(Xv), sample_weight=w) + penalty
    assert clf.history_["val_loss"][-1] == pytest.approx(expected, rel=1e-10)
    reg = MLPRegressor(max_iter=3, **SETTINGS)
    (X, y), (Xv, yv) = split("regression")
    reg.fit(X, y, eval_set=(Xv, yv))
    assert reg.validation_scores_[-1] == pytest.approx(r2_score(yv, reg.predict(Xv)))


def test_eval_set_without_early_stopping_records_but_does_not_restore():
    (X, y), (Xv, yv) = split("digits")
    clf = MLPClassifier(max_iter=12, n_iter_no_change=1000, **SETTINGS).fit(X, y, eval_set=(Xv, yv))
    plain = MLPClassifier(max_iter=12, n_iter_no_change=1000, **SETTINGS).fit(X, y)
    np.testing.assert_array_equal(clf._trainer.model.params, plain._trainer.model.params)
    assert len(clf.validation_scores_) == 12 and clf.best_loss_ == min(clf.loss_curve_)
    assert clf.best_validation_score_ == max(clf.validation_scores_)
    assert np.isfinite(clf.history_["val_loss"]).all()
    assert np.isnan(plain.history_["val_loss"]).all()


def test_early_stopping_without_eval_set_holds_out_validation_fraction():
    X, y = dataset("digits")
    clf = MLPClassifier(max_iter=6, early_stopping=True, validation_fraction=0.2,
                        n_iter_no_change=1000, **SETTINGS).fit(X, y)
    n_val = int(np.ceil(0.2 * len(y)))
    assert clf.t_ == 6 * (len(y) - n_val)
    assert len(clf.validation_scores_) == 6
    assert np.isfinite(clf.history_["val_accuracy"]).all()


@pytest.mark.parametrize("binary", [True, False])
def test_the_validation_split_is_sklearns(binary):
    """The held-out part is train_test_split drawn after the initial weights, stratified for a
    binary target only (scikit-learn's rule: one output), so the same samples as scikit-learn."""
    from sklearn.model_selection import train_test_split

    X, y = dataset("wine")
    if binary:
        y = (y == 1).astype(int)
    kw = dict(max_iter=4, early_stopping=True, shuffle=False, n_iter_no_change=1000, **SETTINGS)
    internal = MLPClassifier(validation_fraction=0.3, **kw).fit(X, y)
    rs = np.random.RandomState(0)
    k = 1 if binary else 3
    rs.uniform(size=13 * 32 + 32 + 32 * k + k)  # the Glorot draws come first
    tr, va = train_test_split(np.arange(len(y)), test_size=0.3, random_state=rs,
                              stratify=y if binary else None)
    explicit = MLPClassifier(**kw).fit(X[tr], y[tr], eval_set=(X[va], y[va]))
    np.testing.assert_array_equal(internal._trainer.model.params, explicit._trainer.model.params)
    assert internal.validation_scores_ == explicit.validation_scores_


def test_a_too_small_validation_set_is_refused():
    X, y = dataset("regression")
    with pytest.raises(ValueError, match="validation set is too small"):
        MLPRegressor(early_stopping=True, validation_fraction=0.001).fit(X[:100], y[:100])


def test_a_class_too_small_to_stratify_is_sklearns_error():
    X, y = dataset("moons")
    y = np.r_[y[:99] * 0, 1]  # one sample of class 1
    with pytest.raises(ValueError, match=r"least populated classes in y have only 1 member"):
        MLPClassifier(early_stopping=True).fit(X[:100], y)


def test_stopping_early_gives_no_convergence_warning_reaching_max_iter_gives_one():
    (X, y), (Xv, yv) = split("digits")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        MLPClassifier(max_iter=200, early_stopping=True, n_iter_no_change=2,
                      **SETTINGS).fit(X, y, eval_set=(Xv, yv))
        MLPClassifier(max_iter=3, **SETTINGS).fit(X, y)
    messages = [str(w.message) for w in caught if issubclass(w.category, ConvergenceWarning)]
    assert len(messages) == 1
    assert "max_iter=3" in messages[0] and "learning_rate_init=0.02" in messages[0]
    assert "max_iter=6" in messages[0]  # what to try


def test_partial_fit_with_early_stopping_keeps_the_best_weights_so_far():
    (X, y), (Xv, yv) = split("digits")
    clf = MLPClassifier(early_stopping=True, **{**SETTINGS, "learning_rate_init": 0.2})
    chunks = np.array_split(np.arange(len(y)), 12)
    seen = []
    for chunk in chunks:
        clf.partial_fit(X[chunk], y[chunk], classes=np.arange(10), eval_set=(Xv, yv))
        seen.append(clf.score(Xv, yv))
        assert seen[-1] == pytest.approx(max(clf.validation_scores_))
    assert seen == sorted(seen)  # never worse than before
    assert len(clf.validation_scores_) == 12
    assert clf.validation_scores_ != sorted(clf.validation_scores_)  # some epochs were rejected


def test_eval_set_is_checked():
    X, y = dataset("wine")
    clf = MLPClassifier(max_iter=2, **SETTINGS)
    with pytest.raises(ValueError, match="eval_set must be a pair"):
        clf.fit(X, y, eval_set=[(X, y)])
    with pytest.raises(ValueError, match="X has 5 features, but MLPClassifier is expecting 13"):
        clf.fit(X, y, eval_set=(X[:, :5], y))
    with pytest.raises(ValueError, match="classes not in"):
        clf.fit(X, y, eval_set=(X, y + 7))
