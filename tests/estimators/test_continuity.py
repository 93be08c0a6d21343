"""Training continues where it stopped: warm_start, partial_fit, save/load and pickle keep the
weights *and* the optimizer's state (moments, step count), the shuffling generator and the
stopping rule, so that splitting a run into pieces changes nothing, bit for bit."""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pytest
from estkit import dataset
from sklearn.neural_network import MLPClassifier as SkClassifier

from adamlab.estimators import MLPClassifier, MLPRegressor
from adamlab.train import CheckpointError, EarlyStopping, Trainer

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

SETTINGS = dict(hidden_layer_sizes=(12,), batch_size=32, random_state=0, learning_rate_init=0.01)
CASES = {
    "classifier": (MLPClassifier, "wine"),
    "regressor": (MLPRegressor, "regression"),
    "multilabel": (MLPClassifier, "multilabel"),
}


def assert_same_run(a, b):
    """Same weights, optimizer state, schedule position, history and stopping state."""
    np.testing.assert_array_equal(a._trainer.model.params, b._trainer.model.params)
    sa, sb = a._trainer.optimizer.state_dict(), b._trainer.optimizer.state_dict()
    assert sa["state"][0]["step"] == sb["state"][0]["step"] > 0
    for key in ("exp_avg", "exp_avg_sq"):
        np.testing.assert_array_equal(sa["state"][0][key], sb["state"][0][key])
    assert a.loss_curve_ == b.loss_curve_
    assert a.t_ == b.t_
    assert a.history_.to_dict()["epochs"]["loss"] == b.history_.to_dict()["epochs"]["loss"]


@pytest.mark.parametrize("case", list(CASES))
def test_fit_10_equals_fit_5_then_warm_started_5(case):
    cls, data = CASES[case]
    X, y = dataset(data)
    whole = cls(max_iter=10, **SETTINGS).fit(X, y)
    parts = cls(max_iter=5, **SETTINGS).fit(X, y)
    parts.set_params(warm_start="continue").fit(X, y)
    assert_same_run(whole, parts)
    assert whole.n_iter_ == 10 and parts.n_iter_ == 5  # epochs of the last call, as in sklearn
    assert len(parts.history_["epoch"]) == 10


@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_warm_start_true_is_sklearns_new_optimizer_continue_is_the_run(solver):
    """scikit-learn's warm start builds a new optimizer (Adam: m = v = 0, t = 0; SGD: velocity
    0, η = learning_rate_init): warm_start=True does the same, to rounding, while
    warm_start="continue" (adamlab's) equals one uninterrupted fit."""
    X, y = dataset("wine")
    kw = dict(hidden_layer_sizes=(12,), batch_size=32, random_state=0, shuffle=False,
              solver=solver, learning_rate_init=0.01)
    ours = {"eps_hat": True} if solver == "adam" else {}
    if solver == "sgd":
        kw["learning_rate"] = "invscaling"
    sk_whole = SkClassifier(max_iter=10, **kw).fit(X, y)
    sk_parts = SkClassifier(max_iter=5, **kw).fit(X, y)
    sk_parts.set_params(warm_start=True).fit(X, y)
    assert not np.allclose(sk_whole.coefs_[0], sk_parts.coefs_[0], rtol=0, atol=1e-9)
    restarted = MLPClassifier(max_iter=5, **ours, **kw).fit(X, y)
    restarted.set_params(warm_start=True).fit(X, y)
    for a, b in zip(restarted.coefs_ + restarted.intercepts_,
                    sk_parts.coefs_ + sk_parts.intercepts_, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(restarted.loss_curve_, sk_parts.loss_curve_, rtol=1e-10)
    assert restarted.n_iter_ == sk_parts.n_iter_ and restarted.t_ == sk_parts.t_
    if solver == "sgd":  # (scikit-learn's Adam calls its bias-corrected step learning_rate)
        assert restarted._optimizer.learning_rate == pytest.approx(
            sk_parts._optimizer.learning_rate, rel=1e-12)
    continued = MLPClassifier(max_iter=5, **ours, **kw).fit(X, y)
    continued.set_params(warm_start="continue").fit(X, y)
    whole = MLPClassifier(max_iter=10, **ours, **kw).fit(X, y)
    np.testing.assert_array_equal(whole._trainer.model.params, continued._trainer.model.params)
    np.testing.assert_allclose(whole.coefs_[0], sk_whole.coefs_[0], rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("case", list(CASES))
def test_partial_fit_epochs_equal_fit(case):
    cls, data = CASES[case]
    X, y = dataset(data)
    whole = cls(max_iter=6, **SETTINGS).fit(X, y)
    step = cls(**SETTINGS)
    extra = {"classes": np.unique(y)} if cls is MLPClassifier and y.ndim == 1 else {}
    for _ in range(6):
        step.partial_fit(X, y, **extra)
        assert step.n_iter_ == 1
    assert_same_run(whole, step)


def test_partial_fit_then_fit_with_warm_start_continues():
    X, y = dataset("wine")
    whole = MLPClassifier(max_iter=4, **SETTINGS).fit(X, y)
    mixed = MLPClassifier(max_iter=3, warm_start="continue", **SETTINGS)
    mixed.partial_fit(X, y, classes=[0, 1, 2])
    mixed.fit(X, y)
    assert_same_run(whole, mixed)


def test_partial_fit_on_chunks_sees_every_chunk():
    X, y = dataset("digits")
    clf = MLPClassifier(**SETTINGS)
    for chunk in np.array_split(np.arange(len(y)), 6):
        clf.partial_fit(X[chunk], y[chunk], classes=np.arange(10))
    assert clf.t_ == len(y)
    assert len(clf.loss_curve_) == 6
    assert clf._trainer.optimizer.state[0]["step"] == sum(-(-len(c) // 32) for c in
                                                          np.array_split(np.arange(len(y)), 6))


@pytest.mark.parametrize("how", ["save/load", "pickle"])
@pytest.mark.parametrize("case", ["classifier", "regressor", "multilabel"])
def test_a_stored_model_predicts_the_same_and_continues_bit_for_bit(tmp_path, how, case):
    cls, data = CASES[case]
    X, y = dataset(data)
    whole = cls(max_iter=8, **SETTINGS).fit(X, y)
    first = cls(max_iter=4, **SETTINGS).fit(X, y)
    if how == "save/load":
        first.save(tmp_path / "model.npz")
        again = cls.load(tmp_path / "model.npz")
    else:
        again = pickle.loads(pickle.dumps(first))
    np.testing.assert_array_equal(again.predict(X), first.predict(X))
    for name in ("n_features_in_", "n_outputs_", "n_layers_", "out_activation_", "n_iter_", "t_",
                 "loss_", "best_loss_", "loss_curve_", "validation_scores_"):
        assert getattr(again, name) == getattr(first, name), name
    if cls is MLPClassifier:
        np.testing.assert_array_equal(again.classes_, first.classes_)
        np.testing.assert_array_equal(again.predict_proba(X), first.predict_proba(X))
    assert again.get_params() == first.get_params()
    again.set_params(warm_start="continue").fit(X, y)
    assert_same_run(whole, again)


def test_save_load_keeps_labels_feature_names_and_early_stopping_state(tmp_path):
    X, y = dataset("wine")
    labels = np.array(["barolo", "grignolino", "barbera"])[y]
    clf = MLPClassifier(max_iter=15, early_stopping=True, n_iter_no_change=3, **SETTINGS)
    clf.fit(X, labels)
    clf.save(tmp_path / "wine.npz")
    again = MLPClassifier.load(tmp_path / "wine.npz")
    assert again.classes_.dtype == clf.classes_.dtype
    np.testing.assert_array_equal(again.predict(X), clf.predict(X))
    assert again.validation_scores_ == clf.validation_scores_
    assert again.best_validation_score_ == clf.best_validation_score_
    np.testing.assert_array_equal(again._monitor.best_params, clf._monitor.best_params)
    # The file is a trainer checkpoint too.
    trainer = Trainer.from_checkpoint(tmp_path / "wine.npz")
    np.testing.assert_array_equal(trainer.model.params, clf._trainer.model.params)


def test_load_refuses_other_files(tmp_path):
    X, y = dataset("regression")
    MLPRegressor(max_iter=2, **SETTINGS).fit(X, y).save(tmp_path / "reg.npz")
    with pytest.raises(CheckpointError, match="holds a MLPRegressor.*MLPRegressor.load"):
        MLPClassifier.load(tmp_path / "reg.npz")
    X, y = dataset("wine")
    MLPClassifier(max_iter=2, **SETTINGS).fit(X, y)._trainer.save_checkpoint(tmp_path / "t.npz")
    with pytest.raises(CheckpointError, match="training checkpoint, not a saved estimator"):
        MLPClassifier.load(tmp_path / "t.npz")
    with pytest.raises(CheckpointError, match="no such checkpoint"):
        MLPClassifier.load(tmp_path / "missing.npz")


def test_save_warns_about_what_it_cannot_write(tmp_path):
    X, y = dataset("wine")
    clf = MLPClassifier(max_iter=2, hidden_layer_sizes=(4,),
                        random_state=np.random.RandomState(0), callbacks=[EarlyStopping("loss")])
    clf.fit(X, y)
    with pytest.warns(UserWarning, match="callbacks, random_state cannot be written"):
        clf.save(tmp_path / "m.npz")
    again = MLPClassifier.load(tmp_path / "m.npz")
    assert again.random_state is None and again.callbacks is None
    np.testing.assert_array_equal(again.predict(X), clf.predict(X))


def test_save_before_fit_raises_not_fitted(tmp_path):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        MLPClassifier().save(tmp_path / "m.npz")


def test_warm_start_applies_new_hyperparameters_to_the_running_optimizer():
    X, y = dataset("wine")
    clf = MLPClassifier(max_iter=3, **SETTINGS).fit(X, y)
    clf.set_params(warm_start="continue", learning_rate_init=0.002, beta_1=0.8,
                   eps_hat=True).fit(X, y)
    group = clf._trainer.optimizer.param_groups[0]
    assert group["lr"] == 0.002 and group["betas"] == (0.8, 0.999) and group["eps_hat"] is True
    assert clf._trainer.optimizer.state[0]["step"] == 6 * -(-len(y) // 32)


@pytest.mark.parametrize("change", [{"hidden_layer_sizes": (13,)}, {"activation": "tanh"},
                                    {"optimizer": "sgd"}, {"lr_schedule": "cosine"}])
def test_warm_start_refuses_a_different_network_or_optimizer(change):
    X, y = dataset("wine")
    clf = MLPClassifier(max_iter=2, **SETTINGS).fit(X, y)
    name = next(iter(change))
    with pytest.raises(ValueError, match=f"{name} changed from .* since the last fit"):
        clf.set_params(warm_start=True, **change).fit(X, y)
    clf.set_params(warm_start=False).fit(X, y)  # a fresh fit may change anything


def test_warm_start_needs_the_same_classes():
    X, y = dataset("wine")
    clf = MLPClassifier(max_iter=2, warm_start=True, **SETTINGS).fit(X, y)
    with pytest.raises(ValueError, match="same classes"):
        clf.fit(X[y < 2], y[y < 2])


def test_partial_fit_classes_rules():
    X, y = dataset("wine")
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        MLPClassifier().partial_fit(X, y)
    clf = MLPClassifier(**SETTINGS).partial_fit(X[y == 0], y[y == 0], classes=[0, 1, 2])
    np.testing.assert_array_equal(clf.classes_, [0, 1, 2])
    with pytest.raises(ValueError, match="is not the same as on last call to partial_fit"):
        clf.partial_fit(X, y, classes=[0, 1])
    with pytest.raises(ValueError, match="classes not in"):
        clf.partial_fit(X, y + 1)


def test_a_converged_run_trains_again_when_warm_started():
    X, y = dataset("wine")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # converging: no ConvergenceWarning
        clf = MLPClassifier(max_iter=500, tol=0.5, n_iter_no_change=2, **SETTINGS).fit(X, y)
    # The first epoch sets best_loss; stop when more than 2 in a row do not improve it by 0.5.
    assert clf.n_iter_ == 4
    clf.set_params(warm_start="continue").fit(X, y)
    assert clf.n_iter_ == 3  # not stopped at once by the previous fit's count (best_loss kept)
    again = MLPClassifier(max_iter=500, tol=0.5, n_iter_no_change=2, **SETTINGS).fit(X, y)
    again.set_params(warm_start=True).fit(X, y)
    assert again.n_iter_ == 1  # scikit-learn's: the count carries on, the fit stops at once


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_a_file_of_the_first_release_goes_on_counting_samples():
    """Files saved before the monitor counted t_ itself: t_ continues from the saved value."""
    from pathlib import Path

    v1 = Path(__file__).resolve().parents[1] / "fixtures" / "estimator_v1" / "classifier.npz"
    est = MLPClassifier.load(v1)
    before = est.t_
    X = np.zeros((7, est.n_features_in_))
    est.partial_fit(X, np.r_[np.zeros(4, int), np.ones(3, int)][:7] % len(est.classes_))
    assert before > 0 and est.t_ == before + 7


def test_a_pickle_without_the_newer_parameters_gets_their_defaults():
    """A pickle of an earlier release has no solver, learning_rate, …: unpickled, they are
    scikit-learn's defaults and the estimator trains on."""
    X, y = dataset("wine")
    clf = MLPClassifier(**SETTINGS).fit(X, y)
    state = clf.__getstate__()
    for name in ("solver", "learning_rate", "power_t", "momentum", "nesterovs_momentum",
                 "max_fun", "decay_biases"):
        del state[name]
    state["optimizer"] = "adam"  # what the first release stored
    old = MLPClassifier.__new__(MLPClassifier)
    old.__setstate__(state)
    assert old.solver == "adam" and old.max_fun == 15000 and old.momentum == 0.9
    np.testing.assert_array_equal(old.predict_proba(X), clf.predict_proba(X))
    old.set_params(warm_start=True).fit(X, y)
    assert old.n_iter_ > 0
