"""The estimators' own behaviour: parameters, registries, outputs, dtypes, callbacks, messages."""

from __future__ import annotations

import inspect
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from estkit import dataset
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning, NotFittedError

import adamlab
from adamlab.estimators import MLPClassifier, MLPRegressor
from adamlab.optim import OPTIMIZERS, SCHEDULES
from adamlab.train import Callback, Trainer

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

SETTINGS = dict(hidden_layer_sizes=(16,), batch_size=32, random_state=0, max_iter=5)


def test_exported_lazily_from_the_package():
    assert adamlab.MLPClassifier is MLPClassifier and adamlab.MLPRegressor is MLPRegressor
    with pytest.raises(AttributeError):
        adamlab.MLPClusterer  # noqa: B018


def test_import_adamlab_does_not_import_sklearn():
    import subprocess
    import sys

    code = "import sys, adamlab; print('sklearn' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_sklearns_defaults():
    import inspect

    from sklearn.neural_network import MLPClassifier as Sk
    from sklearn.neural_network import MLPRegressor as SkRegressor

    ours, theirs = MLPClassifier().get_params(), Sk().get_params()
    shared = set(ours) & set(theirs)
    assert {"hidden_layer_sizes", "activation", "alpha", "batch_size", "learning_rate_init",
            "max_iter", "shuffle", "random_state", "tol", "verbose", "warm_start",
            "early_stopping", "validation_fraction", "beta_1", "beta_2", "epsilon",
            "n_iter_no_change"} <= shared
    assert {k: ours[k] for k in shared} == {k: theirs[k] for k in shared}
    for cls, sk in ((MLPClassifier, Sk), (MLPRegressor, SkRegressor)):
        ours, theirs = cls().get_params(), sk().get_params()
        assert set(theirs) <= set(ours)  # every parameter of scikit-learn's, same defaults
        assert {k: ours[k] for k in theirs} == theirs
    assert list(inspect.signature(MLPRegressor).parameters)[:3] == list(
        inspect.signature(SkRegressor).parameters)[:3]  # loss comes first, positionally
    assert MLPRegressor().get_params()["optimizer"] is None  # follows solver="adam"
    assert MLPClassifier().get_params()["eps_hat"] is False


BAD = [
    ({"alpha": -1.0}, "'alpha' parameter of MLPClassifier must be a float in the range"),
    ({"optimizer": "adamz"}, "'optimizer' parameter of MLPClassifier must be None or a str"),
    ({"solver": "newton"}, "'solver' parameter of MLPClassifier must be a str among"),
    ({"learning_rate": "cosine"}, "'learning_rate' parameter"),
    ({"momentum": 1.5}, "'momentum' parameter"),
    ({"max_fun": 0}, "'max_fun' parameter"),
    ({"solver": "lbfgs", "optimizer": "adam"}, "solver='lbfgs' is full-batch L-BFGS"),
    ({"solver": "sgd", "optimizer": "adam"}, "solver='sgd' contradicts optimizer='adam'"),
    ({"solver": "sgd", "optimizer": "sgd", "learning_rate": "adaptive"},
     "learning_rate='adaptive' is a schedule of scikit-learn's SGD"),
    ({"solver": "sgd", "learning_rate": "invscaling", "lr_schedule": "cosine"},
     "two schedules for one learning rate"),
    ({"solver": "sgd", "weight_decay": 0.1}, "weight_decay is not part of scikit-learn's SGD"),
    ({"activation": "swish"}, "'activation' parameter"),
    ({"batch_size": 0}, "'batch_size' parameter"),
    ({"n_iter_no_change": 0}, "'n_iter_no_change' parameter"),
    ({"early_stopping_monitor": "loss"}, "'early_stopping_monitor' parameter"),
    ({"lr_schedule": "linear"}, "'lr_schedule' parameter"),
    ({"clip_norm": 0.0}, "'clip_norm' parameter"),
    ({"class_weight": "uniform"}, "'class_weight' parameter"),
    ({"hidden_layer_sizes": (10, 0)}, "hidden_layer_sizes must be > 0"),
    ({"optimizer": "sgd", "weight_decay": 0.1}, "'sgd' has no decoupled weight decay; use alpha"),
    ({"optimizer": "nadam", "eps_hat": True}, "eps_hat=True needs an Adam optimizer"),
]


@pytest.mark.parametrize(("params", "message"), BAD, ids=[str(p) for p, _ in BAD])
def test_bad_parameters_are_refused_in_fit_with_a_message_naming_them(params, message):
    X, y = dataset("wine")
    clf = MLPClassifier(**params)  # __init__ stores, never checks
    assert clf.get_params()[next(iter(params))] == next(iter(params.values()))
    with pytest.raises(ValueError, match=message):
        clf.fit(X, y)


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_every_optimizer_of_the_registry_trains(name):
    X, y = dataset("wine")
    lr = 0.05 if name in ("sgd", "momentum", "nesterov", "adagrad") else 0.01
    lr = max(lr, OPTIMIZERS[name].default_lr())  # a rate that is a multiplier (LARS: 1)
    lr = {"adadelta": 3.0}.get(name, lr)  # its steps start at ~lr·√ε·g/√(v + ε): lr 1 is slow
    clf = MLPClassifier(optimizer=name, learning_rate_init=lr, **{**SETTINGS, "max_iter": 15})
    clf.fit(X, y)
    built = clf._trainer.optimizer  # a matrix-only row: its class, then its fallback's
    assert type(built.parts[0] if OPTIMIZERS[name].matrices else built) is OPTIMIZERS[name].cls
    assert clf.loss_curve_[-1] < 0.7 * clf.loss_curve_[0], name


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_every_schedule_of_the_registry_runs(name):
    X, y = dataset("wine")
    clf = MLPClassifier(lr_schedule=name, learning_rate_init=0.01, **SETTINGS).fit(X, y)
    lrs = clf.history_["lr"]
    assert lrs[0] == pytest.approx(0.01) and (np.diff(lrs) <= 0).all()
    if name == "cosine":
        assert lrs[-1] < 0.002


def test_weight_decay_is_decoupled_and_none_keeps_the_optimizers_default():
    X, y = dataset("wine")
    group = MLPClassifier(weight_decay=0.1, **SETTINGS).fit(X, y)._trainer.optimizer.param_groups[0]
    assert group["weight_decay"] == 0.1 and group["decoupled_weight_decay"] is True
    adamw = MLPClassifier(optimizer="adamw", **SETTINGS).fit(X, y)
    assert adamw._trainer.optimizer.param_groups[0]["weight_decay"] == 0.01
    adam = MLPClassifier(**SETTINGS).fit(X, y)
    assert adam._trainer.optimizer.param_groups[0]["weight_decay"] == 0.0
    MLPClassifier(optimizer="sgd", weight_decay=0.0, **SETTINGS).fit(X, y)  # 0 is no decay


@pytest.mark.skipif("decay_biases" not in inspect.signature(Trainer).parameters,
                    reason="Trainer(decay_biases=) lands with issue 12")
@pytest.mark.parametrize("decay_biases", [False, True])
def test_weight_decay_leaves_the_biases_alone_unless_decay_biases(decay_biases):
    """With weight_decay λ, a bias moves only by its gradient's step unless decay_biases: the
    bias of a unit with zero input weights and a constant target is shrunk by (1 − lr·λ)."""
    X, y = dataset("regression")
    reg = MLPRegressor(optimizer="adamw", weight_decay=0.5, decay_biases=decay_biases,
                       learning_rate_init=0.1, hidden_layer_sizes=(), max_iter=1, batch_size=200,
                       shuffle=False, random_state=0, alpha=0.0)
    reg.fit(X, np.zeros(len(X)))  # one full-batch step: the gradient of the bias is mean(ŷ)
    fresh = MLPRegressor(**{**reg.get_params(), "max_iter": 1})
    fresh.set_params(optimizer="sgd", weight_decay=None, learning_rate_init=1e-300).fit(
        X, np.zeros(len(X)))  # the same initial weights, moved by ~nothing
    b0 = fresh.intercepts_[0][0]
    z0 = X @ fresh.coefs_[0][:, 0] + b0
    g = z0.mean()
    adam_step = -0.1 * g / (abs(g) + 1e-8)  # Adam's first step: lr·ĝ/(√v̂ + ε), ĝ = g
    expected = b0 * (1 - 0.1 * 0.5 * decay_biases) + adam_step  # decay first (AdamW)
    assert reg.intercepts_[0][0] == pytest.approx(expected, rel=1e-9)


def test_eps_hat_and_the_betas_reach_the_optimizer():
    X, y = dataset("wine")
    clf = MLPClassifier(eps_hat=True, beta_1=0.8, beta_2=0.99, epsilon=1e-6, **SETTINGS).fit(X, y)
    group = clf._trainer.optimizer.param_groups[0]
    assert group["eps_hat"] is True and group["betas"] == (0.8, 0.99) and group["eps"] == 1e-6


def test_clip_norm_clips():
    X, y = dataset("wine")
    free = MLPClassifier(**SETTINGS).fit(X, y)
    clipped = MLPClassifier(clip_norm=1e-3, optimizer="sgd", **SETTINGS).fit(X, y)
    sgd = MLPClassifier(optimizer="sgd", **SETTINGS).fit(X, y)
    assert clipped._trainer.clip_norm == 1e-3
    moved = np.abs(clipped._trainer.model.params - sgd._trainer.model.params).max()
    assert moved > 0 and not np.array_equal(free.coefs_[0], clipped.coefs_[0])


def test_callbacks_see_every_epoch_and_can_stop_training():
    class StopAt3(Callback):
        def __init__(self):
            self.rows = []

        def on_epoch_end(self, epoch, logs):
            self.rows.append(logs)
            if epoch == 3:
                self.trainer.stop_training = True

    X, y = dataset("wine")
    cb = StopAt3()
    clf = MLPClassifier(callbacks=[cb], **{**SETTINGS, "max_iter": 50}).fit(X, y)
    assert clf.n_iter_ == 3 and [r["epoch"] for r in cb.rows] == [1, 2, 3]
    assert {"loss", "accuracy", "lr", "grad_norm"} <= set(cb.rows[0])


def test_history_has_a_row_per_epoch():
    X, y = dataset("wine")
    clf = MLPClassifier(**SETTINGS).fit(X, y, eval_set=(X[:40], y[:40]))
    for key in ("loss", "accuracy", "val_loss", "val_accuracy", "lr", "grad_norm"):
        assert len(clf.history_[key]) == 5 and np.isfinite(clf.history_[key]).all(), key
    np.testing.assert_allclose(clf.history_["val_accuracy"], clf.validation_scores_)


@pytest.mark.parametrize("cls, data", [(MLPClassifier, "wine"), (MLPRegressor, "regression")])
def test_trains_in_the_dtype_of_X(cls, data):
    X, y = dataset(data)
    est = cls(**SETTINGS).fit(X.astype(np.float32), y)
    assert all(c.dtype == np.float32 for c in est.coefs_ + est.intercepts_)
    assert est._trainer.optimizer.state[0]["exp_avg"].dtype == np.float32
    out = est.predict_proba(X) if cls is MLPClassifier else est.predict(X)
    assert out.dtype == np.float32
    assert cls(**SETTINGS).fit(np.round(X * 10).astype(np.int64), y).coefs_[0].dtype == np.float64


def test_no_hidden_layer_is_a_linear_model():
    X, y = dataset("breast_cancer")
    clf = MLPClassifier(**{**SETTINGS, "hidden_layer_sizes": ()}).fit(X, y)
    assert clf.n_layers_ == 2 and [c.shape for c in clf.coefs_] == [(30, 1)]
    z = X @ clf.coefs_[0][:, 0] + clf.intercepts_[0][0]
    np.testing.assert_allclose(clf.predict_proba(X)[:, 1], 1 / (1 + np.exp(-z)))


@pytest.mark.parametrize("activation", ["logistic", "sigmoid", "tanh", "identity", "gelu",
                                        "leaky_relu"])
def test_activations(activation):
    X, y = dataset("wine")
    clf = MLPClassifier(activation=activation, **SETTINGS).fit(X, y)
    expected = "sigmoid" if activation == "logistic" else activation
    assert clf._trainer.model.activation == expected and clf.activation == activation


def test_targets_and_output_shapes():
    X, y = dataset("wine")
    labels = np.array(["x", "y", "z"])[y]
    clf = MLPClassifier(**SETTINGS).fit(X, labels)
    assert list(clf.classes_) == ["x", "y", "z"] and clf.out_activation_ == "softmax"
    assert set(clf.predict(X)) <= {"x", "y", "z"}
    np.testing.assert_allclose(clf.predict_proba(X).sum(axis=1), 1)
    np.testing.assert_allclose(np.exp(clf.predict_log_proba(X)), clf.predict_proba(X))
    binary = MLPClassifier(**SETTINGS).fit(X, y == 1)
    assert binary.n_outputs_ == 1 and binary.out_activation_ == "logistic"
    assert binary.predict_proba(X).shape == (len(y), 2)
    assert binary.predict(X).dtype == bool
    Xm, Ym = dataset("multilabel")
    multi = MLPClassifier(**SETTINGS).fit(Xm, Ym)
    assert multi.n_outputs_ == 3 and list(multi.classes_) == [0, 1, 2]
    assert multi.predict(Xm).shape == Ym.shape and multi.predict_proba(Xm).shape == Ym.shape
    Xr, Yr = dataset("regression2")
    reg = MLPRegressor(**SETTINGS).fit(Xr, Yr)
    assert reg.predict(Xr).shape == Yr.shape and reg.n_outputs_ == 2
    assert MLPRegressor(**SETTINGS).fit(Xr, Yr[:, 0]).predict(Xr).shape == (len(Yr),)


def test_one_class_fits_a_constant_model_as_sklearn_does():
    from sklearn.neural_network import MLPClassifier as Sk

    X, y = dataset("wine")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = MLPClassifier(eps_hat=True, shuffle=False, **SETTINGS).fit(X[y == 0], y[y == 0])
        theirs = Sk(shuffle=False, **SETTINGS).fit(X[y == 0], y[y == 0])
    np.testing.assert_array_equal(ours.classes_, theirs.classes_)
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))  # always class 0
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), rtol=1e-10)
    with pytest.raises(ValueError, match="Unknown label type"):
        MLPClassifier(**SETTINGS).fit(X, y + 0.5)


def test_sparse_input_gives_the_same_model_as_dense():
    X, y = dataset("wine")
    X = np.where(np.abs(X) < 0.5, 0.0, X)
    dense = MLPClassifier(**SETTINGS).fit(X, y)
    sparse = MLPClassifier(**SETTINGS).fit(sp.csr_matrix(X), y, eval_set=(sp.csc_matrix(X), y))
    np.testing.assert_array_equal(dense.coefs_[0], sparse.coefs_[0])
    np.testing.assert_array_equal(dense.predict_proba(X), sparse.predict_proba(sp.csr_array(X)))


def test_coefs_are_views_of_the_parameters_and_can_be_assigned():
    X, y = dataset("wine")
    clf = MLPClassifier(**SETTINGS).fit(X, y)
    assert np.shares_memory(clf.coefs_[0], clf._trainer.model.params)
    clf.coefs_ = [np.zeros_like(c) for c in clf.coefs_]
    clf.intercepts_[1][:] = [0.0, 5.0, 0.0]
    assert (clf.predict(X) == 1).all()
    with pytest.raises(ValueError, match="coefs_ must be a list of arrays of shapes"):
        clf.coefs_ = [np.zeros((2, 2))]


def test_unfitted_estimators_say_so():
    for attr in ("coefs_", "intercepts_", "history_"):
        with pytest.raises(NotFittedError):
            getattr(MLPClassifier(), attr)
    assert not hasattr(MLPRegressor(), "coefs_")


def test_verbose_prints_sklearns_lines(capsys):
    X, y = dataset("wine")
    MLPClassifier(verbose=True, early_stopping=True, **SETTINGS).fit(X, y)
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("Iteration 1, loss = ") and out[1].startswith("Validation score: ")


def test_the_convergence_warning_comes_once_per_fit_and_says_what_to_try():
    X, y = dataset("wine")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        clf = MLPClassifier(**SETTINGS).fit(X, y)
        clf.partial_fit(X, y)  # never warns
    found = [w for w in caught if issubclass(w.category, ConvergenceWarning)]
    assert len(found) == 1
    text = str(found[0].message)
    assert "max_iter=5" in text and "max_iter=10" in text and "warm_start='continue'" in text
    assert "learning_rate_init=0.001" in text and found[0].filename == __file__


def test_clone_keeps_parameters_and_drops_the_fit():
    X, y = dataset("wine")
    cb = Callback()
    clf = MLPClassifier(optimizer="nadam", callbacks=[cb], **SETTINGS).fit(X, y)
    twin = clone(clf)
    assert twin.get_params()["optimizer"] == "nadam" and not hasattr(twin, "n_iter_")
    assert "MLPClassifier(" in repr(twin) and "nadam" in repr(twin)
