"""The training loop: history definitions, early stopping, divergence guard, weights, dtypes."""

import math

import numpy as np
import pytest
from trainkit import make_blobs, make_model

from adamlab.nn import MLP
from adamlab.optim import SGD
from adamlab.train import Callback, DivergenceError, EarlyStopping, Trainer, class_weights


def test_epoch_loss_is_the_mean_of_batch_losses_and_accuracy_counts_samples():
    X, y = make_blobs(n=40)
    model = make_model()
    t = Trainer(model, SGD([model.params], lr=0.0), batch_size=None)  # lr 0: weights fixed
    t.fit(X, y, epochs=2)
    expected = model.loss(X, y)
    assert t.history["loss"] == pytest.approx([expected, expected], rel=1e-12)
    p = model.predict_proba(X).ravel()
    assert t.history["accuracy"][-1] == pytest.approx(np.mean((p > 0.5) == (y == 1)))
    assert t.history["epoch"] == [1.0, 2.0]
    assert t.history["update_ratio"] == [0.0, 0.0]


def test_history_columns_and_repeated_fits_continue(blobs):
    X, y = blobs
    t = Trainer(make_model(), "adam", lr=0.01, batch_size=32, log_steps=True)
    t.fit(X, y, epochs=3, val_fraction=0.2)
    t.fit(X, y, epochs=2, val_fraction=0.2)
    h = t.history
    assert h["epoch"] == [1, 2, 3, 4, 5]
    for col in ("loss", "accuracy", "val_loss", "val_accuracy", "lr", "grad_norm", "update_ratio",
                "time"):
        assert len(h[col]) == 5 and all(math.isfinite(v) for v in h[col]), col
    assert h.steps["step"][-1] == t.step_count == 5 * math.ceil(96 / 32)
    assert h["loss"][-1] < h["loss"][0]
    csv = h.to_csv().splitlines()
    assert csv[0].startswith("epoch,loss,accuracy,val_loss,val_accuracy,lr")
    assert len(csv) == 6
    again = type(h).from_dict(h.to_dict())
    assert again.epochs == h.epochs and again.steps == h.steps


class Recorder(Callback):
    def __init__(self):
        self.params, self.logs = {}, {}

    def on_epoch_end(self, epoch, logs):
        self.params[epoch] = self.trainer.model.params.copy()
        self.logs[epoch] = logs


def test_early_stopping_stops_and_restores_best_weights():
    X, y = make_blobs(n=60, seed=5)
    rec, stop = Recorder(), EarlyStopping(monitor="val_loss", patience=3)
    t = Trainer(make_model(hidden=(32,)), "adam", lr=0.3, batch_size=8, seed=1)
    t.fit(X, y, epochs=200, val_fraction=0.3, callbacks=[rec, stop])
    assert stop.stopped_epoch is not None and t.epoch < 200
    best = min(rec.logs, key=lambda e: rec.logs[e]["val_loss"])
    assert stop.best_epoch == best
    assert np.array_equal(t.model.params, rec.params[best])
    assert t.epoch == best + 3


def test_early_stopping_restores_best_even_without_stopping():
    X, y = make_blobs(n=60, seed=5)
    rec, stop = Recorder(), EarlyStopping(monitor="val_loss", patience=1000)
    t = Trainer(make_model(hidden=(32,)), "adam", lr=0.3, batch_size=8, seed=1)
    t.fit(X, y, epochs=25, val_fraction=0.3, callbacks=[rec, stop])
    assert stop.stopped_epoch is None and t.epoch == 25
    best = min(rec.logs, key=lambda e: rec.logs[e]["val_loss"])
    assert best != 25  # otherwise this test would prove nothing
    assert np.array_equal(t.model.params, rec.params[best])


def test_early_stopping_on_missing_metric_says_what_exists(blobs):
    X, y = blobs
    t = Trainer(make_model(), "adam")
    with pytest.raises(ValueError, match="val_loss.*not available.*loss"):
        t.fit(X, y, epochs=2, callbacks=[EarlyStopping(monitor="val_loss")])


def test_divergence_guard_stops_restores_and_explains():
    X, _ = make_blobs(n=64)
    y = X @ np.array([3.0, -2.0])
    model = MLP(2, (16,), 1, activation="relu", output="identity", rng=np.random.default_rng(0))
    steps = []

    class Watch(Callback):
        def on_batch_end(self, step, logs):
            steps.append(self.trainer.model.params.copy())

    t = Trainer(model, SGD([model.params], lr=10.0), batch_size=8)
    with pytest.raises(DivergenceError) as info:
        t.fit(X, y, epochs=10, callbacks=[Watch()])
    err = info.value
    msg = str(err)
    assert f"epoch {err.epoch}" in msg and "smaller learning rate" in msg
    assert err.step == t.step_count + 1
    assert np.all(np.isfinite(model.params))
    # the weights restored are those before the last step taken, whose loss was still finite
    last_good = steps[-2] if len(steps) > 1 else None
    if last_good is not None:
        assert np.array_equal(model.params, last_good)


def test_class_weights_balanced_rule():
    y = np.array([0, 0, 0, 1])
    assert class_weights(y, 2, "balanced") == pytest.approx([4 / 6, 4 / 2])
    assert class_weights(y, 2, {"b": 3.0}, classes=["a", "b"]) == pytest.approx([1.0, 3.0])
    with pytest.raises(ValueError, match="not a class"):
        class_weights(y, 2, {"c": 1.0}, classes=["a", "b"])


def test_class_weights_change_the_decision_on_an_imbalanced_set():
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(0, 1, size=(380, 2)), rng.normal(1.2, 1, size=(20, 2))])
    y = np.r_[np.zeros(380, int), np.ones(20, int)]

    def minority_recall(cw):
        t = Trainer(make_model(hidden=()), "adam", lr=0.05, batch_size=50, seed=0)
        t.fit(X, y, epochs=40, class_weight=cw)
        return np.mean(t.model.predict_proba(X[y == 1]).ravel() > 0.5)

    plain, balanced = minority_recall(None), minority_recall("balanced")
    assert balanced > plain + 0.3


def test_float32_training_stays_float32_and_matches_float64():
    X, y = make_blobs()
    runs = {}
    for dt in (np.float32, np.float64):
        model = make_model(dtype=dt)
        t = Trainer(model, "adam", lr=0.01, batch_size=16, seed=0)
        t.fit(X.astype(dt), y, epochs=5)
        assert model.params.dtype == dt and model.grads.dtype == dt
        assert all(v.dtype == dt for v in t.optimizer.state[0].values()
                   if isinstance(v, np.ndarray))
        runs[dt] = model.params.astype(np.float64)
    np.testing.assert_allclose(runs[np.float32], runs[np.float64], rtol=1e-3, atol=1e-4)


def test_bad_arguments_name_themselves(blobs):
    X, y = blobs
    with pytest.raises(ValueError, match="batch_size"):
        Trainer(make_model(), batch_size=0)
    with pytest.raises(ValueError, match="clip_norm"):
        Trainer(make_model(), clip_norm=-1)
    with pytest.raises(ValueError, match="unknown optimizer 'adma'"):
        Trainer(make_model(), "adma")
    t = Trainer(make_model())
    with pytest.raises(ValueError, match="3 features"):
        t.fit(np.zeros((5, 3)), np.zeros(5), epochs=1)
    with pytest.raises(ValueError, match="val_fraction"):
        t.fit(X, y, epochs=1, val_fraction=1.5)
    with pytest.raises(ValueError, match="sample_weight"):
        t.fit(X, y, epochs=1, sample_weight=-np.ones(len(y)))


def test_clipping_bounds_the_first_step():
    X, y = make_blobs()
    model = make_model()
    start = model.params.copy()
    t = Trainer(model, SGD([model.params], lr=1.0), batch_size=None, clip_norm=0.01, shuffle=False)
    t.fit(X, y, epochs=1)
    assert np.linalg.norm(model.params - start) <= 0.01 + 1e-9
