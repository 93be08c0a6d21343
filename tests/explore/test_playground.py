"""The playground's run: its data, its epochs, and the internals read from the optimizer."""

from __future__ import annotations

import numpy as np
import pytest

from adamlab.explore.playground import GRID, Playground
from adamlab.explore.sessions import SessionStore
from adamlab.explore.validate import BadRequest


def test_epochs_train_and_report_adam_state():
    play = Playground.from_request({"dataset": "moons", "n_samples": 200, "hidden": [8],
                                    "lr": 0.02, "beta1": 0.85, "batch_size": 50})
    d = play.describe()
    assert len(d["train"]["x"]) + len(d["val"]["x"]) == 200 and d["feature_names"] == ["x0", "x1"]
    first = play.epoch()
    for _ in range(9):
        last = play.epoch()
    assert last["epoch"] == 10 and last["row"]["loss"] < first["row"]["loss"]
    inner = last["internals"]
    batches = -(-len(d["train"]["x"]) // 50)
    assert inner["t"] == 10 * batches  # one optimizer step per batch
    assert inner["bc1"] == pytest.approx(1 - 0.85 ** inner["t"])
    assert inner["bc2"] == pytest.approx(1 - 0.999 ** inner["t"])
    states = play.trainer.optimizer.state  # one entry per weight matrix and bias vector
    m = np.concatenate([np.abs(st["exp_avg"]).ravel() for st in states])
    v = np.concatenate([st["exp_avg_sq"].ravel() for st in states])
    assert m.size == d["n_params"]  # over all the model's parameters
    assert inner["m_hat"][2] == pytest.approx(np.median(m) / inner["bc1"])
    assert inner["v_hat"][4] == pytest.approx(np.percentile(v, 95) / inner["bc2"])
    assert inner["step"][4] > 0 and inner["grad"][4] > 0
    assert len(last["boundary"]) == GRID * GRID


def test_article_data_set_is_the_articles_points():
    play = Playground.from_request({"dataset": "article", "hidden": [3]})
    d = play.describe()
    assert len(d["train"]["x"]) + len(d["val"]["x"]) == 100


def test_sgd_has_no_adam_internals_but_its_step():
    play = Playground.from_request({"dataset": "xor", "optimizer": "sgd", "lr": 0.1,
                                    "n_samples": 100})
    inner = play.epoch()["internals"]
    assert "m_hat" not in inner and inner["step"][2] > 0


def test_divergence_is_reported_not_raised():
    play = Playground.from_request({"dataset": "moons", "optimizer": "sgd", "lr": 10.0,
                                    "hidden": [32, 32], "activation": "relu", "n_samples": 100})
    outs = [play.epoch() for _ in range(30)]
    assert any("diverged" in o for o in outs) or all(o["row"]["loss"] is not None for o in outs)


def test_session_store_is_bounded_and_keeps_busy_sessions():
    store = SessionStore(limit=2)
    a = store.create()
    a.busy = 1
    b = store.create()
    store.create()  # pushes out b, the idle one
    assert store.get(a.token) is a
    with pytest.raises(BadRequest):
        store.get(b.token)
    a.busy = 0


def test_the_seed_experiments_real_curve_replays_the_article():
    """The replay ends on adamlab.article.faithful()'s θ exactly, its last loss is the mean of
    the article's per-sample losses, and its accuracy the article's 58%."""
    from adamlab import article
    from adamlab.explore.article_api import faithful_curve

    curve, ref = faithful_curve(), article.faithful()
    assert curve["theta"] == ref["theta"]
    assert curve["loss"][-1] == pytest.approx(np.mean(ref["per_sample_loss"]), rel=1e-12)
    assert curve["accuracy"][-1] == ref["train_accuracy"] == 0.58
    assert len(curve["epoch"]) == article.EPOCHS
