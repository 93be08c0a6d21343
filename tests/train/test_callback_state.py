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
