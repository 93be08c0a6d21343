"""Optimizers whose evaluation weights differ from the trained ones (schedule-free's contract).

The toy below is SGD whose evaluation weights are the average of its iterates (Polyak
averaging): x̄_t = x̄_{t−1} + (x_t − x̄_{t−1})/t. Its average is read straight from its state,
so each check compares the trainer against the average computed by the optimizer's own
update, not through ``evaluation_weights``.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
from trainkit import make_blobs, make_model

from adamlab.optim import OPTIMIZERS, Optimizer, OptimizerSpec, register
from adamlab.train import Callback, EarlyStopping, Trainer
from adamlab.train import checkpoint as ckpt


class AveragedSGD(Optimizer):
    """θ ← θ − lr·g; evaluation weights x̄_t = x̄_{t−1} + (x_t − x̄_{t−1})/t."""

    modes = True
    buffers = ("average", "held")

    def __init__(self, params, lr=0.1):
        super().__init__(params, {"lr": lr})

    def _update(self, p, g, state, group):
        state["step"] += 1
        p -= group["lr"] * g
        state["average"] += (p - state["average"]) / state["step"]

    def _to_eval(self, p, state, group):
        state["held"][...] = p
        p[...] = state["average"]

    def _to_train(self, p, state, group):
        p[...] = state["held"]


@pytest.fixture
def registered():
    """The toy as a registry row (a checkpoint finds its class there), removed afterwards."""
    register("averaged_sgd", OptimizerSpec(AveragedSGD, {}, "SGD with averaged eval weights",
                                           decay="none"))
    yield
    del OPTIMIZERS["averaged_sgd"]


def averaged(model):
    return Trainer(model, AveragedSGD([model.params], lr=0.2), batch_size=16, seed=1)


def average_of(trainer):
    return trainer.optimizer.state[0]["average"].copy()


def loss_at(model, weights, X, y):
    other = copy.deepcopy(model)
    other.params = weights
    return other.loss(X, y)


def test_evaluate_uses_the_average_and_leaves_the_trained_weights_bit_for_bit():
    X, y = make_blobs()
    t = averaged(make_model())
    t.fit(X, y, epochs=2)
    trained, avg = t.model.params.copy(), average_of(t)
    assert not np.array_equal(trained, avg)  # else the test could not tell them apart
    assert t.evaluate(X, y)["loss"] == loss_at(t.model, avg, X, y)
    np.testing.assert_array_equal(t.model.params, trained)
    assert t.optimizer.training
    with t.evaluation_weights():
        np.testing.assert_array_equal(t.model.params, avg)
        assert not t.optimizer.training
    np.testing.assert_array_equal(t.model.params, trained)


def test_validation_loss_is_the_averages_and_validating_does_not_change_the_run():
    X, y = make_blobs()
    seen = []

    class Averages(Callback):
        def on_epoch_end(self, epoch, logs):
            seen.append(average_of(self.trainer))

    with_val = averaged(make_model())
    with_val.fit(X[:90], y[:90], epochs=3, validation_data=(X[90:], y[90:]),
                 callbacks=[Averages()])
    without = averaged(make_model())
    without.fit(X[:90], y[:90], epochs=3)
    np.testing.assert_array_equal(with_val.model.params, without.model.params)
    expected = [loss_at(with_val.model, a, X[90:], y[90:]) for a in seen]
    assert with_val.history["val_loss"] == expected


def test_early_stopping_keeps_the_best_average_and_training_goes_on_from_it():
    X, y = make_blobs()
    seen = []

    class Averages(Callback):
        def on_epoch_end(self, epoch, logs):
            seen.append(average_of(self.trainer))

    t = averaged(make_model())
    stop = EarlyStopping(patience=50)
    t.fit(X[:90], y[:90], epochs=4, validation_data=(X[90:], y[90:]),
          callbacks=[Averages(), stop])
    np.testing.assert_array_equal(t.model.params, seen[stop.best_epoch - 1])
    assert not t.optimizer.training  # the best average is the evaluation weights now
    with t.evaluation_weights():  # already in eval mode: nothing switches
        np.testing.assert_array_equal(t.model.params, seen[stop.best_epoch - 1])
    t.fit(X[:90], y[:90], epochs=1)
    assert t.optimizer.training and t.epoch == 5


def test_a_checkpoint_holds_the_evaluation_weights_and_resumes_bit_for_bit(tmp_path, registered):
    X, y = make_blobs()
    whole = averaged(make_model())
    whole.fit(X, y, epochs=4, val_fraction=0.2)
    half = averaged(make_model())
    half.fit(X, y, epochs=2, val_fraction=0.2, checkpoint_path=tmp_path / "c.npz")
    arrays, meta = ckpt.load(tmp_path / "c.npz")
    np.testing.assert_array_equal(arrays["eval_params"], average_of(half))
    np.testing.assert_array_equal(arrays["params"], half.model.params)
    assert meta["optimizer"]["training"] is True
    resumed = Trainer.from_checkpoint(tmp_path / "c.npz")
    assert isinstance(resumed.optimizer, AveragedSGD)
    resumed.fit(X, y, epochs=2, val_fraction=0.2)
    np.testing.assert_array_equal(resumed.model.params, whole.model.params)
    assert resumed.history["val_loss"] == whole.history["val_loss"]


def test_a_tampered_evaluation_weights_array_is_refused(tmp_path, registered):
    X, y = make_blobs()
    t = averaged(make_model())
    t.fit(X, y, epochs=1)
    arrays, meta = t.state()
    arrays["eval_params"] = arrays["eval_params"][:3]
    with pytest.raises(ckpt.CheckpointError, match="'eval_params' has shape"):
        Trainer.from_state(arrays, meta)


def test_a_checkpoint_after_early_stopping_keeps_the_eval_mode(tmp_path, registered):
    """Training ends in eval mode on the best average; the checkpoint says so, and the resumed
    run goes on exactly as the one in memory does."""
    X, y = make_blobs()
    t = averaged(make_model())
    t.fit(X[:90], y[:90], epochs=3, validation_data=(X[90:], y[90:]),
          callbacks=[EarlyStopping(patience=50)], checkpoint_path=tmp_path / "c.npz")
    arrays, meta = ckpt.load(tmp_path / "c.npz")
    assert meta["optimizer"]["training"] is False
    np.testing.assert_array_equal(arrays["eval_params"], t.model.params)
    resumed = Trainer.from_checkpoint(tmp_path / "c.npz")
    assert not resumed.optimizer.training
    for trainer in (t, resumed):
        trainer.fit(X[:90], y[:90], epochs=1)
    np.testing.assert_array_equal(resumed.model.params, t.model.params)
