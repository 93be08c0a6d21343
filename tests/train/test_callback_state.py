"""EarlyStopping's checkpointed state, given by hand: checked like a checkpoint's."""

import numpy as np
import pytest
from trainkit import make_model

from adamlab.train import EarlyStopping, Trainer
from adamlab.train.checkpoint import CheckpointError

GOOD = {"best": 0.25, "best_epoch": 2, "wait": 1, "stopped_epoch": None}


def stopper():
    es = EarlyStopping(patience=3)
    es.set_trainer(Trainer(make_model(), "adam", lr=0.01))
    return es


def test_a_good_state_loads():
    es = stopper()
    w = np.arange(es.trainer.model.params.size, dtype=np.float64)
    es.load_state_dict({"best_weights": w}, dict(GOOD))
    assert (es.best, es.best_epoch, es.wait, es.stopped_epoch) == (0.25, 2, 1, None)
    assert es.best_weights is w


@pytest.mark.parametrize("change, words", [
    ({"wait": -1}, "'callbacks.EarlyStopping.wait' must be an integer >= 0"),
    ({"wait": 1.5}, "'callbacks.EarlyStopping.wait' must be an integer >= 0"),
    ({"best": "0.1"}, "'callbacks.EarlyStopping.best' must be a number or null"),
    ({"stopped_epoch": True}, "'callbacks.EarlyStopping.stopped_epoch' must be"),
])
def test_a_bad_field_is_refused(change, words):
    with pytest.raises(CheckpointError, match=words):
        stopper().load_state_dict({}, {**GOOD, **change})


@pytest.mark.parametrize("weights", [np.zeros(3), np.zeros(33, dtype=np.float32)])
def test_best_weights_unlike_the_model_are_refused(weights):
    es = stopper()
    assert es.trainer.model.params.shape == (33,) and es.trainer.model.params.dtype == np.float64
    with pytest.raises(CheckpointError, match="best_weights"):
        es.load_state_dict({"best_weights": weights}, dict(GOOD))


def test_a_callback_state_that_is_not_a_dict_is_refused_when_saved(tmp_path):
    """The contract: state_dict() returns (dict of arrays, dict of JSON values); anything else
    would make a checkpoint that loading refuses, so saving refuses it first."""
    from trainkit import make_blobs

    from adamlab.train import Callback

    class Counter(Callback):
        def state_dict(self):
            return {}, 2

    X, y = make_blobs()
    t = Trainer(make_model(), "adam", lr=0.01, batch_size=16)
    with pytest.raises(TypeError, match=r"Counter.state_dict\(\) must return"):
        t.fit(X, y, epochs=1, callbacks=[Counter()], checkpoint_path=str(tmp_path / "ck.npz"))
    assert not (tmp_path / "ck.npz").exists()


def test_infinite_history_values_are_written_as_null():
    """An update ratio can overflow to inf (weights near float64's limit): JSON has no inf."""
    import json
    import math

    from adamlab.train.history import History

    h = History()
    h.append_epoch({"epoch": 1, "loss": 1e200, "accuracy": 0.5, "val_loss": math.nan,
              "val_accuracy": math.nan, "lr": 1e200, "grad_norm": 1.0,
              "update_ratio": math.inf, "time": 0.1})
    d = h.to_dict()
    assert d["epochs"]["update_ratio"] == [None] and d["epochs"]["loss"] == [1e200]
    json.dumps(d, allow_nan=False)  # what a checkpoint and history.json need
    assert math.isnan(History.from_dict(d).epochs["update_ratio"][0])
