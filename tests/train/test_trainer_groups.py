"""The trainer over parameter groups: decay on the weights only by default, user-built
optimizers over the flat buffer or the named views, and checkpoints that keep the groups (and
load the single-group checkpoints of the release before groups)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from trainkit import make_blobs, make_model

from adamlab.optim import Adam, AdamW, MultiOptimizer
from adamlab.train import CheckpointError, Trainer, fingerprint
from adamlab.train import checkpoint as ckpt

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "run_v1"


def named(model, kind):
    return [(n, p) for n, p in model.named_parameters() if n.endswith(kind)]


def two_groups(model, decay=0.1, bias_decay=0.0, **kw):
    """AdamW over the weights and over the biases, built by hand from the named views."""
    w, b = named(model, ".weight"), named(model, ".bias")
    return AdamW([{"params": [p for _, p in w], "param_names": [n for n, _ in w]},
                  {"params": [p for _, p in b], "param_names": [n for n, _ in b],
                   "weight_decay": bias_decay}], lr=0.02, weight_decay=decay, **kw)


def test_weight_decay_spares_the_biases_by_default():
    X, y = make_blobs()
    by_name = Trainer(make_model(), "adamw", lr=0.02, optimizer_args={"weight_decay": 0.1})
    by_hand = make_model()
    Trainer(by_hand, two_groups(by_hand)).fit(X, y, epochs=2)
    by_name.fit(X, y, epochs=2)
    np.testing.assert_array_equal(by_name.model.params, by_hand.params)
    decays = {n: g["weight_decay"] for g in by_name.optimizer.param_groups
              for n in g["param_names"]}
    assert decays == {"dense0.weight": 0.1, "dense1.weight": 0.1,
                      "dense0.bias": 0.0, "dense1.bias": 0.0}


def test_decay_biases_trains_like_one_optimizer_over_the_flat_buffer():
    """decay_biases=True is the behaviour before parameter groups, bit for bit."""
    X, y = make_blobs()
    grouped = Trainer(make_model(), "adamw", lr=0.02, optimizer_args={"weight_decay": 0.1},
                      decay_biases=True)
    flat_model = make_model()
    flat = Trainer(flat_model, AdamW([flat_model.params], lr=0.02, weight_decay=0.1))
    spared = Trainer(make_model(), "adamw", lr=0.02, optimizer_args={"weight_decay": 0.1})
    for t in (grouped, flat, spared):
        t.fit(X, y, epochs=2)
    np.testing.assert_array_equal(grouped.model.params, flat.model.params)
    assert not np.array_equal(spared.model.params, flat.model.params)


def test_an_optimizer_over_arrays_that_are_not_the_models_is_refused():
    model = make_model()
    with pytest.raises(ValueError, match=r"params\[0\].*not one of this model's parameters"):
        Trainer(model, AdamW([model.params.copy()]))


@pytest.mark.parametrize("build", ["name", "views", "flat"])
def test_a_grouped_checkpoint_resumes_bit_for_bit(tmp_path, build):
    def trainer():
        model = make_model(hidden=(6, 5))
        opt = {"name": "adamw", "views": two_groups(model, bias_decay=0.05),
               "flat": AdamW([model.params], lr=0.02)}[build]
        return Trainer(model, opt, lr=0.02 if build == "name" else None, batch_size=16, seed=2,
                       schedule="cosine", schedule_epochs=4)

    X, y = make_blobs()
    whole = trainer()
    whole.fit(X, y, epochs=4)
    half = trainer()
    half.fit(X, y, epochs=2, checkpoint_path=tmp_path / "c.npz")
    resumed = Trainer.from_checkpoint(tmp_path / "c.npz")
    assert ([g.get("weight_decay") for g in resumed.optimizer.param_groups]
            == [g.get("weight_decay") for g in half.optimizer.param_groups])
    resumed.fit(X, y, epochs=2)
    np.testing.assert_array_equal(resumed.model.params, whole.model.params)
    assert resumed.history["loss"] == whole.history["loss"]


def test_a_multi_optimizer_checkpoint_resumes_bit_for_bit(tmp_path):
    """Two optimizers over disjoint parts (as Muon + AdamW): two parts in the layout."""
    def trainer():
        model = make_model(hidden=(6, 5))
        views = dict(model.named_parameters())
        hidden = ["dense0.weight", "dense1.weight"]
        rest = [n for n in views if n not in hidden]
        opt = MultiOptimizer([
            Adam([{"params": [views[n] for n in hidden], "param_names": hidden}], lr=0.03),
            AdamW([{"params": [views[n] for n in rest], "param_names": rest}], lr=0.02)])
        return Trainer(model, opt, batch_size=16, seed=2)

    X, y = make_blobs()
    whole = trainer()
    whole.fit(X, y, epochs=3)
    half = trainer()
    half.fit(X, y, epochs=1, checkpoint_path=tmp_path / "c.npz")
    _, meta = ckpt.load(tmp_path / "c.npz")
    assert [p["class"] for p in meta["optimizer"]["parts"]] == ["Adam", "AdamW"]
    assert meta["optimizer"]["parts"][0]["groups"] == [["dense0.weight", "dense1.weight"]]
    resumed = Trainer.from_checkpoint(tmp_path / "c.npz")
    assert isinstance(resumed.optimizer, MultiOptimizer)
    resumed.fit(X, y, epochs=2)
    np.testing.assert_array_equal(resumed.model.params, whole.model.params)


def test_a_checkpoint_of_the_release_before_groups_loads_as_it_was_trained(tmp_path):
    """tests/fixtures/run_v1 (release 78c96b4): one AdamW group over the flat buffer with
    weight decay 0.01 on everything. It loads so, and goes on bit for bit the same whether it
    continues from the old file or from one saved again in the current format."""
    summary = json.loads((FIXTURE / "summary.json").read_text())
    old = Trainer.from_checkpoint(FIXTURE / "checkpoint.npz")
    assert fingerprint(old.model.params) == summary["params_sha256"]
    assert (old.epoch, old.step_count) == (summary["epochs"], summary["steps"])
    assert [p is old.model.params for p in old.optimizer.params] == [True]
    assert old.optimizer.param_groups[0]["weight_decay"] == 0.01
    old.save_checkpoint(tmp_path / "again.npz")
    again = Trainer.from_checkpoint(tmp_path / "again.npz")
    assert [p is again.model.params for p in again.optimizer.params] == [True]
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 3)), rng.integers(0, 2, 40)
    for t in (old, again):
        t._data_sha = None  # other data than the fixture's run: allowed between epochs
        t.fit(X, y, epochs=2)
    np.testing.assert_array_equal(old.model.params, again.model.params)


@pytest.mark.parametrize("edit, fragment", [
    (lambda o: o.update(parts=[{"class": "AdamW", "groups": [["dense9.weight"]]}]),
     "'optimizer.parts.0.groups.0' must list parameters of the model"),
    (lambda o: o.update(parts=[{"class": "Nope", "groups": [["params"]]}]),
     "unknown optimizer class 'Nope'"),
    (lambda o: o.update(parts=["AdamW"]), "'optimizer.parts.0' must be a JSON object"),
    (lambda o: o.update(parts={"class": "AdamW"}), "'optimizer.parts' must be a JSON array"),
    (lambda o: o["parts"][0].pop("groups"), "'optimizer.parts.0.groups' is missing"),
    (lambda o: o.update(parts=o["parts"] * 2), "must describe the one AdamW optimizer"),
])
def test_a_tampered_layout_is_refused_naming_the_field(edit, fragment):
    X, y = make_blobs()
    t = Trainer(make_model(), "adamw", lr=0.02, optimizer_args={"weight_decay": 0.1})
    t.fit(X, y, epochs=1)
    arrays, meta = t.state()
    edit(meta["optimizer"])
    with pytest.raises(CheckpointError, match=fragment):
        Trainer.from_state(arrays, meta)


def test_the_adam_trace_follows_the_whole_buffer_whatever_the_groups():
    """A grouped AdamW with decay_biases=True steps like one over the flat buffer: its trace
    (tracked indices of model.params, moments, step-size quantiles) is the same, number for
    number."""
    from adamlab.train.trace import AdamTrace

    X, y = make_blobs()
    traces = []
    for build in ("grouped", "flat"):
        model = make_model()
        opt = ("adamw" if build == "grouped"
               else AdamW([model.params], lr=0.02, weight_decay=0.1))
        t = Trainer(model, opt, lr=0.02 if build == "grouped" else None, decay_biases=True,
                    optimizer_args={"weight_decay": 0.1} if build == "grouped" else None)
        assert len(t.optimizer.params) == (4 if build == "grouped" else 1)
        trace = AdamTrace(n_tracked=40)
        t.fit(X, y, epochs=2, callbacks=[trace])
        traces.append(trace.data)
    assert traces[0]["tracked"] == list(range(model.params.size))
    assert traces[0] == traces[1]
