"""``experiment``: one run from plain settings (data -> split -> standardise -> model -> trainer).

Each rule is checked against a reconstruction by hand from its documented recipe (the
generator streams of the module docstring, the standardiser's mean/std over training rows).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from adamlab import experiment
from adamlab.data import DataError, Dataset, from_arrays, load_data, train_val_split
from adamlab.experiment import Settings, prepare

SMALL = dict(n_samples=80, hidden=[4], epochs=2)


def test_the_validation_rows_and_initial_weights_come_from_the_seed_streams():
    s = Settings(data="moons", seed=7, **SMALL)
    p = prepare(s)
    ds = load_data("moons", n_samples=80, seed=7)  # data_seed None: drawn from the seed
    train, val = train_val_split(ds.X, ds.y, 0.2, np.random.default_rng([7, 1]), stratify=True)
    np.testing.assert_array_equal(p.y_train, ds.y[train])
    np.testing.assert_array_equal(p.y_val, ds.y[val])
    from adamlab.nn import MLP

    fresh = MLP(2, (4,), 1, activation="tanh", output="sigmoid",
                rng=np.random.default_rng([7, 0]))
    np.testing.assert_array_equal(p.model.params, fresh.params)


def test_features_are_standardised_on_the_training_rows_only():
    p = prepare(Settings(data="moons", **SMALL))
    ds = p.dataset
    train, val = train_val_split(ds.X, ds.y, 0.2, np.random.default_rng([0, 1]), stratify=True)
    mean, std = ds.X[train].mean(axis=0), ds.X[train].std(axis=0)
    np.testing.assert_allclose(p.X_train, (ds.X[train] - mean) / std, rtol=1e-12)
    np.testing.assert_allclose(p.X_val, (ds.X[val] - mean) / std, rtol=1e-12)
    raw = ds.X[:5]
    np.testing.assert_array_equal(p.predict_proba(raw),
                                  p.model.predict_proba((raw - mean) / std))


def test_no_standardising_and_no_validation_keep_the_rows_as_they_are():
    p = prepare(Settings(data="moons", standardize=False, val_fraction=0.0, **SMALL))
    assert p.standardizer is None and p.X_val is None and p.y_val is None
    np.testing.assert_array_equal(p.X_train, p.dataset.X)


@pytest.mark.parametrize("data, head, n_out", [
    ("moons", "sigmoid", 1), ("blobs", "softmax", 3), ("regression", "identity", 1),
])
def test_the_head_follows_the_task(data, head, n_out):
    if data == "regression":
        rng = np.random.default_rng(0)
        X = rng.normal(size=(60, 3))
        ds = from_arrays(X, X @ [1.0, -2.0, 0.5], task="regression")
    else:
        ds = load_data(data, n_samples=60, seed=0)
    p = prepare(Settings(data=data, **SMALL), dataset=ds)
    cfg = p.model.get_config()
    assert (cfg["output"], cfg["n_outputs"]) == (head, n_out)


def test_synthetic_data_is_drawn_from_data_seed_when_given():
    a = prepare(Settings(data="moons", seed=1, data_seed=5, **SMALL)).dataset
    b = load_data("moons", n_samples=80, seed=5)
    np.testing.assert_array_equal(a.X, b.X)


@pytest.mark.parametrize("change, field", [
    (dict(epochs=0), "epochs"), (dict(lr=-1.0), "lr"), (dict(lr=float("nan")), "lr"),
    (dict(val_fraction=1.0), "val_fraction"), (dict(dtype="float16"), "dtype"),
    (dict(hidden=[0]), "hidden"), (dict(early_stopping=0), "early_stopping"),
    (dict(decay_biases="yes"), "decay_biases"), (dict(optimizer_args=[("d0", 1)]),
                                                 "optimizer_args"),
])
def test_bad_settings_are_refused_naming_the_field(change, field):
    with pytest.raises(ValueError, match=f"^{field} must be"):
        prepare(Settings(**{"data": "moons", **SMALL, **change}))


def test_one_class_is_refused():
    X = np.random.default_rng(0).normal(size=(20, 2))
    ds = Dataset(X, np.zeros(20, dtype=int), ("a", "b"), ("only",), "multiclass", "one")
    with pytest.raises(ValueError, match="only one class"):
        prepare(Settings(**SMALL), dataset=ds)


def test_raw_features_too_large_for_float32_are_refused_naming_the_column():
    X = np.ones((30, 2))
    X[3, 1] = 1e39
    ds = from_arrays(X, np.arange(30) % 2, feature_names=["a", "big"])
    with pytest.raises(DataError, match=r"X column 1 \('big'\)"):
        prepare(Settings(standardize=False, dtype="float32", **SMALL), dataset=ds)


def test_settings_round_trip_and_refuse_unknown_names():
    s = Settings(data="moons", betas=[0.8, 0.9], optimizer_args={"amsgrad": True})
    assert Settings.from_dict(json.loads(json.dumps(s.to_dict()))) == s
    assert s.optimizer_kwargs() == {"lr": 0.01, "betas": (0.8, 0.9), "amsgrad": True}
    with pytest.raises(ValueError, match="unknown setting"):
        Settings.from_dict({"data": "moons", "learning_rate": 0.1})


def test_run_reports_a_divergence_as_a_result(tmp_path):
    """Linear regression by full-batch SGD at lr 50: the loss grows until it is inf."""
    rng = np.random.default_rng(0)
    a = rng.normal(size=(100, 2))
    data = tmp_path / "reg.csv"
    data.write_text("a,b,y\n" + "".join(f"{p},{q},{3 * p - q}\n" for p, q in a))
    s = Settings(data=str(data), hidden=[], batch_size=None, lr=50.0, optimizer="sgd",
                 epochs=400)
    out = experiment.run(s.to_dict())
    assert out["status"] == "diverged" and "epoch" in out["error"]
    assert 0 < out["epochs"] < 400 and out["settings"]["lr"] == 50.0


def test_run_is_repeatable_from_its_settings_alone():
    a = experiment.run(Settings(data="moons", **SMALL))
    b = experiment.run(a["settings"])
    assert a["params_sha256"] == b["params_sha256"]
    untimed = [{k: v for k, v in r["history"].items() if k != "time"} for r in (a, b)]
    assert untimed[0] == untimed[1]
    assert a["epochs"] == 2 and a["steps"] == 2 * -(-64 // 16)  # 64 training rows, batches of 16
