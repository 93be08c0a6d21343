"""The run description: what ``train`` saves and ``predict``/``--resume`` read back."""

from __future__ import annotations

import json

import numpy as np
import pytest

from adamlab.experiment import Settings, prepare
from adamlab.rundir import VERSION, RunDescription
from adamlab.rundir.description import ModelShape
from adamlab.train import CheckpointError


@pytest.fixture(scope="module")
def prepared():
    return prepare(Settings(data="blobs", n_samples=60, hidden=[4], epochs=1,
                            optimizer_args={"amsgrad": True}, decay_biases=True))


def test_a_description_round_trips_through_json(prepared):
    d = RunDescription.of(prepared)
    saved = json.loads(json.dumps(d.to_dict(), allow_nan=False))
    assert saved["version"] == VERSION and saved["status"] == "ok"
    back = RunDescription.from_dict(saved, ModelShape(2, 3, "multiclass"))
    assert back.settings == prepared.settings
    assert back.data == d.data and back.data.classes == (0, 1, 2)
    assert back.target is None
    np.testing.assert_array_equal(back.standardizer.mean_, prepared.standardizer.mean_)
    assert back.with_status("diverged").to_dict()["status"] == "diverged"


@pytest.mark.parametrize("edit, fragment", [
    (lambda d: d.update(status="finished"), "'extra.status'"),
    (lambda d: d["settings"].update(learning_rate=1), "'extra.settings'"),
    (lambda d: d["data"].update(task="binary"), "'extra.data.task' must be 'multiclass'"),
    (lambda d: d.pop("data"), "no data description"),
], ids=["status", "unknown setting", "task", "no data"])
def test_a_tampered_description_is_refused_naming_the_field(prepared, edit, fragment):
    d = RunDescription.of(prepared).to_dict()
    edit(d)
    with pytest.raises(CheckpointError, match=fragment):
        RunDescription.from_dict(d, ModelShape(2, 3, "multiclass"))


def test_a_version_1_description_decayed_its_biases(prepared):
    d = RunDescription.of(prepared).to_dict()
    del d["version"], d["status"]
    d["settings"].pop("decay_biases")
    d["settings"].pop("optimizer_args")
    back = RunDescription.from_dict(d, ModelShape(2, 3, "multiclass"))
    assert back.settings.decay_biases is True and back.settings.optimizer_args == {}
    assert back.status == "ok"
