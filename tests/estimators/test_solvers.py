"""solver="sgd" and solver="lbfgs", and the regressor's loss, against scikit-learn's own MLP.

The reference is scikit-learn itself (a core dependency): its ``SGDOptimizer`` step for step,
and its estimators fitted on the same data from the same initial weights (the same Glorot draws
from the same RandomState; ``shuffle=False`` because the shuffling draws cannot be shared).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from estkit import dataset
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier as SkClassifier
from sklearn.neural_network import MLPRegressor as SkRegressor
from sklearn.neural_network._stochastic_optimizers import SGDOptimizer

from adamlab.estimators import MLPClassifier, MLPRegressor
from adamlab.estimators._sgd import SklearnSGD

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

COMMON = dict(hidden_layer_sizes=(16,), random_state=3, shuffle=False, batch_size=32,
              alpha=1e-3, learning_rate_init=0.05)


@pytest.mark.parametrize("nesterov", [True, False])
@pytest.mark.parametrize("momentum", [0.0, 0.5, 0.9])
def test_the_sgd_step_is_sklearns_bit_for_bit(momentum, nesterov):
    """SGDOptimizer.update_params and SklearnSGD.step on the same gradients, the learning rate
    changing every step as invscaling changes it: the same float64 numbers exactly."""
    rng = np.random.default_rng(0)
    theirs, ours = [rng.normal(size=(4, 3)), rng.normal(size=3)], []
    ours = [p.copy() for p in theirs]
    sk = SGDOptimizer(theirs, 0.1, "constant", momentum, nesterov, 0.5)
    opt = SklearnSGD(ours, lr=0.1, momentum=momentum, nesterov=nesterov)
    for t in range(40):
        grads = [rng.normal(size=p.shape) for p in theirs]
        sk.learning_rate = opt.param_groups[0]["lr"] = 0.1 / (t + 1) ** 0.5
        sk.update_params(theirs, [g.copy() for g in grads])
        opt.step(grads)
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(a, b)


SGD_CASES = {
    "constant nesterov": {},
    "constant momentum": {"nesterovs_momentum": False},
    "no momentum": {"momentum": 0.0},
    "invscaling": {"learning_rate": "invscaling", "power_t": 0.25, "learning_rate_init": 0.5},
    "adaptive": {"learning_rate": "adaptive", "tol": 0.05, "n_iter_no_change": 2},
    "early stopping": {"early_stopping": True},
}


@pytest.mark.parametrize("case", list(SGD_CASES))
def test_solver_sgd_follows_sklearns_trajectory(case):
    X, y = dataset("wine")
    settings = {**COMMON, "max_iter": 30, "solver": "sgd", **SGD_CASES[case]}
    ours = MLPClassifier(**settings).fit(X, y)
    theirs = SkClassifier(**settings).fit(X, y)
    assert ours.n_iter_ == theirs.n_iter_ and ours.t_ == theirs.t_
    np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-10)
    assert ours._optimizer.learning_rate == pytest.approx(theirs._optimizer.learning_rate,
                                                          rel=1e-12)
    for a, b in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_,
                    strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


def test_adaptive_learning_rate_divides_by_five_until_it_stops():
    X, y = dataset("wine")
    settings = {**COMMON, "solver": "sgd", "learning_rate": "adaptive", "tol": 10.0,
                "n_iter_no_change": 1, "max_iter": 100}
    ours = MLPClassifier(**settings).fit(X, y)
    # no improvement by tol=10 from epoch 2 on; the count passes 1 at epochs 3, 5, 7, …: each
    # time η ← η/5 (count ← 0), 7 times from 0.05 to 6.4e-7 ≤ 1e-6 (epoch 15), stop at epoch 17
    assert ours._optimizer.learning_rate == pytest.approx(0.05 / 5**7)
    assert ours.n_iter_ == 17
    lrs = ours.history_["lr"]  # the rate each epoch trained with
    assert lrs[:3] == [0.05] * 3 and lrs[3] == lrs[4] == pytest.approx(0.01)


def test_sklearns_sgd_runs_under_adamlabs_schedules():
    X, y = dataset("wine")
    clf = MLPClassifier(**{**COMMON, "solver": "sgd", "lr_schedule": "cosine",
                           "max_iter": 8}).fit(X, y)
    lrs = clf.history_["lr"]
    assert lrs[0] == pytest.approx(0.05) and all(np.diff(lrs) < 0)


def test_a_sgd_family_optimizer_is_torchs_form_and_equal_while_the_rate_is_constant():
    """optimizer="nesterov" (torch's b ← μb + g, θ ← θ − η(g + μb)) with solver="sgd" is the
    same path as scikit-learn's velocity form at a constant rate (v = −η·b), up to rounding."""
    X, y = dataset("wine")
    settings = {**COMMON, "max_iter": 10, "solver": "sgd"}
    torch_form = MLPClassifier(optimizer="nesterov", **settings).fit(X, y)
    sklearn_form = MLPClassifier(**settings).fit(X, y)
    np.testing.assert_allclose(torch_form._trainer.model.params,
                               sklearn_form._trainer.model.params, rtol=1e-9, atol=1e-12)


LBFGS_CASES = [
    ("classifier", "breast_cancer", {}),
    ("classifier", "wine", {}),
    ("classifier", "multilabel", {}),
    ("regressor", "regression", {}),
    ("regressor", "regression2", {}),
]


@pytest.mark.parametrize(("kind", "data", "extra"), LBFGS_CASES)
def test_lbfgs_reaches_sklearns_minimum_on_a_convex_problem(kind, data, extra):
    """No hidden layer (logistic, softmax, linear regression plus alpha): one minimum, which both
    scipy runs must reach from the same start, adamlab's with its own backward pass, to within
    L-BFGS-B's stopping tolerances (gtol = tol, scipy's ftol)."""
    X, y = dataset(data)
    ours_cls, sk_cls = (MLPClassifier, SkClassifier) if kind == "classifier" else (
        MLPRegressor, SkRegressor)
    settings = {**COMMON, "hidden_layer_sizes": (), "solver": "lbfgs", "max_iter": 1000,
                "tol": 1e-9, "alpha": 1e-2, **extra}
    ours, theirs = ours_cls(**settings).fit(X, y), sk_cls(**settings).fit(X, y)
    assert not hasattr(ours, "loss_curve_") and not hasattr(theirs, "loss_curve_")
    if data == "regression2":  # scikit-learn's gradient for 2 outputs is its loss's times 2:
        # the same minimiser (the loss scaled), so compare adamlab's loss at both solutions
        theta = np.hstack([a.ravel() for a in theirs.coefs_ + theirs.intercepts_])
        at_theirs, _ = ours._loss_grad_lbfgs(theta, X, y, None)
        assert ours.loss_ == pytest.approx(at_theirs, rel=1e-6, abs=1e-7)
    else:  # both stop when a step gains < ftol = 2.2e-9·max(|f|, 1): a few such steps apart
        assert ours.loss_ == pytest.approx(theirs.loss_, rel=1e-6, abs=1e-7)
    np.testing.assert_allclose(ours.predict(X) if kind == "regressor" else ours.predict_proba(X),
                               theirs.predict(X) if kind == "regressor"
                               else theirs.predict_proba(X), rtol=1e-2, atol=2e-3)
    # (the valley floor is flat: a loss equal to 1e-7 leaves probabilities ~1e-3 apart)


@pytest.mark.parametrize(("kind", "data"), [("classifier", "wine"), ("regressor", "regression")])
def test_lbfgs_with_hidden_layers_ends_near_sklearns_loss(kind, data):
    """With hidden layers the problem has many minima and rounding sends two runs to nearby
    ones: the loss reached is scikit-learn's within a few per cent, the fit as good."""
    X, y = dataset(data)
    ours_cls, sk_cls = (MLPClassifier, SkClassifier) if kind == "classifier" else (
        MLPRegressor, SkRegressor)
    settings = {**COMMON, "solver": "lbfgs", "max_iter": 200, "activation": "tanh"}
    ours, theirs = ours_cls(**settings).fit(X, y), sk_cls(**settings).fit(X, y)
    assert ours.loss_ == pytest.approx(theirs.loss_, rel=0.05, abs=1e-3)
    assert ours.score(X, y) == pytest.approx(theirs.score(X, y), abs=0.02)


def test_lbfgs_first_iterations_equal_sklearns():
    """A few iterations from the same start: the same gradients give the same iterates."""
    X, y = dataset("wine")
    settings = {**COMMON, "solver": "lbfgs", "max_iter": 5}
    ours, theirs = MLPClassifier(**settings).fit(X, y), SkClassifier(**settings).fit(X, y)
    assert ours.n_iter_ == theirs.n_iter_ == 5
    assert ours.loss_ == pytest.approx(theirs.loss_, rel=1e-9)
    for a, b in zip(ours.coefs_, theirs.coefs_, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-10)


def test_lbfgs_max_fun_limits_the_calls_and_warns():
    X, y = dataset("wine")
    with pytest.warns(ConvergenceWarning, match="lbfgs failed to converge"):
        clf = MLPClassifier(**{**COMMON, "solver": "lbfgs", "max_fun": 5}).fit(X, y)
    assert clf.n_iter_ <= 5


def test_lbfgs_gradient_is_the_finite_difference_of_its_loss():
    X, y = dataset("wine")
    X, y = X[::9], y[::9]  # 20 rows of the 3 classes
    clf = MLPClassifier(**{**COMMON, "hidden_layer_sizes": (5,), "solver": "lbfgs",
                           "max_iter": 2}).fit(X, y)
    Y = np.eye(3)[np.searchsorted(clf.classes_, y)]
    theta = np.hstack([a.ravel() for a in clf.coefs_ + clf.intercepts_])
    _, grad = clf._loss_grad_lbfgs(theta.copy(), X, Y, None)
    h, rng = 1e-6, np.random.default_rng(0)
    for i in rng.choice(theta.size, 12, replace=False):
        e = np.zeros_like(theta)
        e[i] = h
        fd = (clf._loss_grad_lbfgs(theta + e, X, Y, None)[0]
              - clf._loss_grad_lbfgs(theta - e, X, Y, None)[0]) / (2 * h)
        assert grad[i] == pytest.approx(fd, rel=1e-5, abs=1e-8)


def test_poisson_loss_is_sklearns():
    rng = np.random.default_rng(0)
    X = rng.uniform(size=(120, 3))
    y = rng.poisson(np.exp(X @ [0.5, -0.3, 0.8] + 0.2))
    settings = dict(loss="poisson", hidden_layer_sizes=(1,), activation="identity", alpha=0.0,
                    random_state=1, solver="lbfgs", max_iter=500, tol=1e-9)  # a Poisson GLM
    ours, theirs = MLPRegressor(**settings).fit(X, y), SkRegressor(**settings).fit(X, y)
    assert ours.out_activation_ == theirs.out_activation_ == "exp"
    assert ours.loss_ == pytest.approx(theirs.loss_, rel=1e-7)
    np.testing.assert_allclose(ours.predict(X), theirs.predict(X), rtol=1e-4)
    with pytest.raises(ValueError, match="loss='poisson' must be finite numbers >= 0"):
        MLPRegressor(**settings).fit(X, y - 10.0)


def test_poisson_trains_with_adam_and_survives_save_and_pickle(tmp_path):
    import pickle

    rng = np.random.default_rng(1)
    X = rng.uniform(size=(80, 2))
    y = rng.poisson(np.exp(X.sum(axis=1)))
    reg = MLPRegressor(loss="poisson", hidden_layer_sizes=(8,), max_iter=30,
                       learning_rate_init=0.01, random_state=0).fit(X, y)
    assert (reg.predict(X) > 0).all() and reg.loss_curve_[-1] < reg.loss_curve_[0]
    reg.save(tmp_path / "reg.npz")
    for again in (MLPRegressor.load(tmp_path / "reg.npz"), pickle.loads(pickle.dumps(reg))):
        np.testing.assert_array_equal(again.predict(X), reg.predict(X))
        assert again._trainer.model.loss_fn.name == "poisson"


def test_solver_sgd_continues_after_save_and_pickle(tmp_path):
    import pickle

    X, y = dataset("wine")
    settings = {**COMMON, "solver": "sgd", "learning_rate": "invscaling", "max_iter": 4,
                "warm_start": "continue"}
    straight = MLPClassifier(**{**settings, "max_iter": 8}).fit(X, y)
    clf = MLPClassifier(**settings).fit(X, y)
    clf.save(tmp_path / "clf.npz")
    for again in (MLPClassifier.load(tmp_path / "clf.npz"), pickle.loads(pickle.dumps(clf))):
        assert type(again._trainer.optimizer) is SklearnSGD
        again.fit(X, y)
        np.testing.assert_array_equal(again._trainer.model.params, straight._trainer.model.params)
        assert again._optimizer.learning_rate == straight._optimizer.learning_rate


def test_lbfgs_has_no_partial_fit_and_refuses_an_optimizer():
    assert not hasattr(MLPClassifier(solver="lbfgs"), "partial_fit")
    assert not hasattr(MLPRegressor(solver="lbfgs"), "partial_fit")
    assert hasattr(MLPRegressor(solver="sgd"), "partial_fit")
    X, y = dataset("wine")
    with pytest.raises(ValueError, match="solver='lbfgs' is full-batch"):
        MLPClassifier(solver="lbfgs", optimizer="adam").fit(X, y)
    with pytest.raises(ValueError, match="eval_set is for the stochastic solvers"):
        MLPClassifier(solver="lbfgs").fit(X, y, eval_set=(X, y))


def test_divergence_is_sklearns_value_error_and_adamlabs_divergence_error():
    from adamlab.train import DivergenceError

    X, y = dataset("regression")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.raises(ValueError, match="Solver produced non-finite parameter weights") as e:
            MLPRegressor(solver="sgd", learning_rate_init=1e3, max_iter=5).fit(X * 1e3, y)
    assert isinstance(e.value, DivergenceError) and "smaller learning rate" in str(e.value)


def test_divergence_with_early_stopping_keeps_the_best_weights():
    X, y = dataset("regression")
    reg = MLPRegressor(solver="sgd", learning_rate_init=0.3, momentum=0.99, max_iter=50,
                       early_stopping=True, n_iter_no_change=100, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.warns(ConvergenceWarning, match="diverged"):
            reg.fit(X * 30, y)
    assert np.isnan(reg.validation_scores_[-1]) and np.isnan(reg.loss_curve_[-1])
    assert np.isfinite(reg._trainer.model.params).all()
    assert reg.best_validation_score_ == max(s for s in reg.validation_scores_ if s == s)
