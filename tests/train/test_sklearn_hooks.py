"""Trainer hooks the scikit-learn estimators use: ``l2_per_sample`` (scikit-learn's ``alpha``),
weighted validation data, and ``from_state`` (the inverse of ``state``)."""

from __future__ import annotations

import numpy as np
import pytest
from trainkit import make_blobs, make_model

from adamlab.train import Callback, Trainer


class BatchLosses(Callback):
    def __init__(self):
        self.losses = []

    def on_batch_end(self, step, logs):
        self.losses.append(logs["loss"])


def penalty(model):
    return 0.5 * sum(float(np.sum(W * W)) for W in model.weights)


def test_l2_per_sample_divides_each_batch_penalty_by_its_size():
    X, y = make_blobs(n=100)
    model = make_model()
    trainer = Trainer(model, l2=0.3, l2_per_sample=True, batch_size=40, shuffle=False)
    seen = BatchLosses()
    before = model.params.copy()
    trainer.fit(X, y, epochs=1, callbacks=[seen])
    # Replay the epoch by hand: batches of 40, 40 and 20 rows, each with l2/m.
    replay = make_model()
    replay.params[...] = before
    opt = Trainer(replay, batch_size=40, shuffle=False).optimizer
    for (start, m), loss in zip([(0, 40), (40, 40), (80, 20)], seen.losses, strict=True):
        got = replay.loss_and_grad(X[start:start + m], y[start:start + m], l2=0.3 / m)
        assert got == loss
        opt.step(replay.gradients_for(opt.params))
    np.testing.assert_array_equal(replay.params, model.params)


def test_l2_per_sample_uses_the_batch_weight_and_is_saved(tmp_path):
    X, y = make_blobs(n=60)
    w = np.random.default_rng(0).uniform(0.5, 2.0, len(y))
    a = Trainer(make_model(), l2=0.3, l2_per_sample=True, batch_size=None)
    b = Trainer(make_model(), l2=0.3 / w.sum(), batch_size=None)
    a.fit(X, y, epochs=3, sample_weight=w)
    b.fit(X, y, epochs=3, sample_weight=w)
    np.testing.assert_array_equal(a.model.params, b.model.params)
    a.save_checkpoint(tmp_path / "c.npz")
    assert Trainer.from_checkpoint(tmp_path / "c.npz").l2_per_sample is True


def test_validation_data_may_carry_sample_weights():
    X, y = make_blobs(n=80)
    wv = np.linspace(0.1, 3.0, 30)
    t = Trainer(make_model(), l2=0.2, l2_per_sample=True, batch_size=16)
    t.fit(X[30:], y[30:], epochs=2, validation_data=(X[:30], y[:30], wv))
    data = t.model.loss(X[:30], y[:30], sample_weight=wv)
    assert t.history["val_loss"][-1] == pytest.approx(data + 0.2 / wv.sum() * penalty(t.model))
    with pytest.raises(ValueError, match="validation sample weights must be 30"):
        t.fit(X[30:], y[30:], epochs=1, validation_data=(X[:30], y[:30], wv[:5]))


def test_from_state_continues_bit_for_bit():
    X, y = make_blobs(n=90)
    whole = Trainer(make_model(), l2=0.1, l2_per_sample=True, batch_size=32, seed=4)
    whole.fit(X, y, epochs=4)
    half = Trainer(make_model(), l2=0.1, l2_per_sample=True, batch_size=32, seed=4)
    half.fit(X, y, epochs=2)
    again = Trainer.from_state(*half.state())
    again.fit(X, y, epochs=2)
    np.testing.assert_array_equal(again.model.params, whole.model.params)
    assert again.history.to_dict() != {} and len(again.history) == 4
