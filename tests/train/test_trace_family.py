"""The trace of every optimizer in the registry: the quantities it declares, finite, JSON-able,
drawn one panel per declared group; and through ``adamlab train --trace`` and ``--resume``."""

import json
import math

import numpy as np
import pytest
from matplotlib.figure import Figure
from trainkit import make_blobs, make_model

from adamlab import plot
from adamlab.cli import main
from adamlab.optim import OPTIMIZERS
from adamlab.train import Trainer
from adamlab.train.trace import Trace

pytestmark = pytest.mark.filterwarnings("error")

ADAM_KEYS = ["step", "lr", "beta1", "beta2", "eps", "eps_hat", "bias_correction1",
             "bias_correction2", "tracked", "grad", "m", "v", "m_hat", "v_hat", "quantiles",
             "step_quantiles"]


def traced(name, epochs=1, every=1, dtype=np.float64):
    X, y = make_blobs(n=48, dtype=dtype)
    t = Trainer(make_model(dtype=dtype), name, batch_size=16, seed=1)
    trace = Trace(every=every)
    t.fit(X, y, epochs=epochs, callbacks=[trace])
    return t, trace.data


def numbers(value):
    """Every number in a JSON value."""
    if isinstance(value, list):
        return [x for v in value for x in numbers(v)]
    return [value] if isinstance(value, int | float) and not isinstance(value, bool) else []


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_every_optimizer_gives_a_valid_trace_and_figure(name):
    t, data = traced(name)
    assert data["step"] == [1, 2, 3]  # 48 rows, batches of 16
    declared = data["declared"]
    assert set(declared) == set(t.optimizer.declared_internals())
    for key, how in declared.items():
        assert key in data
        if how["kind"] != "constant":
            assert len(data[key]) == 3, key
        if how["kind"] == "tracked":
            assert all(len(row) == len(data["tracked"]) for row in data[key])
        if how["kind"] == "quantiles":
            assert all(len(row) == 5 and row == sorted(row) for row in data[key])
    values = numbers([data[k] for k in data if k != "declared"])
    assert values and all(math.isfinite(v) for v in values)
    assert json.loads(json.dumps(data)) == data
    fig = plot.internals(data)
    assert isinstance(fig, Figure)
    if data["figure"] == "adam":
        assert len(fig.axes) == 4
    else:
        panels = {h["panel"] for h in declared.values() if h["kind"] != "constant"}
        assert len(fig.axes) == len(panels)
        assert sorted(ax.get_title()[4:] for ax in fig.axes) == sorted(panels)


@pytest.mark.parametrize("name", ["adam", "adamw", "amsgrad", "nadam", "radam"])
def test_the_adam_family_keeps_the_keys_adam_internals_always_read(name):
    _, data = traced(name)
    assert list(data)[:len(ADAM_KEYS)] == ADAM_KEYS
    assert data["figure"] == "adam"
    titles = [ax.get_title() for ax in plot.internals(data).axes]
    assert titles == [ax.get_title() for ax in plot.adam_internals(data).axes]


@pytest.mark.parametrize("name", ["lion", "adafactor", "muon", "schedulefree", "prodigy"])
def test_a_resumed_trace_of_any_optimizer_equals_the_uninterrupted_one(tmp_path, name):
    """Adafactor's trace keeps its own EMA of g² (its memory): it rides in the checkpoint."""
    _, ref = traced(name, epochs=3, every=2)
    X, y = make_blobs(n=48)
    path = str(tmp_path / "ck.npz")
    t = Trainer(make_model(), name, batch_size=16, seed=1)
    t.fit(X, y, epochs=1, callbacks=[Trace(every=2)], checkpoint_path=path)
    resumed = Trainer.from_checkpoint(path)
    trace = Trace()
    resumed.fit(X, y, epochs=2, callbacks=[trace])
    assert json.dumps(trace.data) == json.dumps(ref)


def test_a_trace_of_another_optimizer_is_refused():
    X, y = make_blobs(n=48)
    t, _ = traced("lion")
    trace = Trace()
    t.fit(X, y, epochs=1, callbacks=[trace])
    t2 = Trainer(make_model(), "prodigy", batch_size=16, seed=1)
    with pytest.raises(ValueError, match="another optimizer than Prodigy"):
        t2.fit(X, y, epochs=1, callbacks=[trace])


@pytest.fixture
def no_pictures(monkeypatch):
    from adamlab.rundir import directory as rundir

    monkeypatch.setattr(rundir, "save_figure",
                        lambda fig, path, dpi=120: rundir.atomic_write_bytes(path, b"figure"))


@pytest.mark.parametrize("name", ["lion", "adafactor"])
def test_train_trace_and_resume_through_the_cli(tmp_path, capsys, no_pictures, name):
    common = ["train", "--data", "moons", "--quiet", "--optimizer", name, "--trace"]
    assert main([*common, "--epochs", "3", "--out", str(tmp_path / "straight")]) == 0
    assert main([*common, "--epochs", "2", "--out", str(tmp_path / "legs")]) == 0
    assert main(["train", "--resume", str(tmp_path / "legs"), "--epochs", "3", "--quiet"]) == 0
    capsys.readouterr()
    straight = json.loads((tmp_path / "straight" / "trace.json").read_text())
    assert json.loads((tmp_path / "legs" / "trace.json").read_text()) == straight
    assert (tmp_path / "legs" / "adam_internals.png").is_file()
    assert straight["optimizer"] == {"lion": "Lion", "adafactor": "Adafactor"}[name]


@pytest.mark.parametrize("edit, words", [
    (lambda a: a.update({"callback.Trace.memory.v_full.0": np.zeros(3)}), "memory array"),
    (lambda a: a.update({"callback.Trace.memory.v_full.99": np.zeros(3)}), "memory array"),
    (lambda a: a.update({"callback.Trace.memory.v_full.0": np.zeros((2, 8), dtype=np.int64)}),
     "must be float shaped like the parameter"),
])
def test_a_tampered_trace_memory_is_refused(tmp_path, edit, words):
    from adamlab.train.checkpoint import CheckpointError, load, save

    X, y = make_blobs(n=48)
    path = str(tmp_path / "ck.npz")
    Trainer(make_model(), "adafactor", batch_size=16, seed=1).fit(
        X, y, epochs=1, callbacks=[Trace()], checkpoint_path=path)
    arrays, meta = load(path)
    assert "callback.Trace.memory.v_full.0" in arrays  # the premise: Adafactor's own EMA
    edit(arrays)
    meta.pop("arrays")
    save(str(tmp_path / "bad.npz"), arrays, meta)
    with pytest.raises(CheckpointError, match=words):
        Trainer.from_checkpoint(str(tmp_path / "bad.npz")).fit(X, y, epochs=1,
                                                              callbacks=[Trace()])
