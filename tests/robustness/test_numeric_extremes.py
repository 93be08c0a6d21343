"""Numbers at the edges: it trains, or it says clearly why not; never NaN, inf or a warning.

Inputs scaled by 1e6 and 1e-6, columns of mixed scales, constant columns, float32 data near
1e30, logits saturated at ±1e4, through ``adamlab train`` (standardised or not, float64 or
float32) and through the ``Trainer``, with every warning turned into an error. A run either
finishes with finite losses or stops with "training diverged … Try a smaller learning rate"
(exit 1), its history finite up to there.
"""

from __future__ import annotations

import contextlib
import csv
import json
import math
import warnings
from pathlib import Path

import numpy as np
import pytest
from robustkit import assert_one_clear_line, run_cli

from adamlab import experiment
from adamlab.data import DataError, Rows
from adamlab.nn import MLP
from adamlab.train import DivergenceError, Trainer


@contextlib.contextmanager
def strict(numpy_all=False):
    """Every warning is an error; with ``numpy_all`` so is every floating-point event."""
    with warnings.catch_warnings(), np.errstate(**({"all": "raise"} if numpy_all else {})):
        warnings.simplefilter("error")
        yield


def base_data(n=200, d=2, seed=0, classes=2):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    if classes == 2:
        y = (X[:, 0] - 0.5 * X[:, 1] > 0).astype(int)
    else:
        y = np.digitize(X[:, 0] + X[:, 1], np.quantile(X[:, 0] + X[:, 1], [1 / 3, 2 / 3]))
    return X, y


def _const(X):
    return np.column_stack([X, np.full(len(X), 3.0), np.zeros(len(X))])


SCALES = {
    "x1e6": lambda X: X * 1e6,
    "x1e-6": lambda X: X * 1e-6,
    "mixed 1e6 and 1e-6": lambda X: X * [1e6, 1e-6],
    "constant columns": _const,
    "constant columns x1e6": lambda X: _const(X) * 1e6,
    "offset 1e6 + x": lambda X: 1e6 + X,
    "float32 near 1e30": lambda X: (X * 1e30).astype(np.float32),
}
OPTIONS = {
    "standardised": [],
    "raw": ["--no-standardize"],
    "float32": ["--dtype", "float32"],
    "raw float32": ["--no-standardize", "--dtype", "float32"],
}


@pytest.fixture(scope="module")
def data_files(tmp_path_factory):
    """Each scale as an .npz of classification data and one of regression data (whose targets
    keep their usual size: the inputs are what is extreme here)."""
    folder = tmp_path_factory.mktemp("extremes")
    X, y = base_data()
    files = {}
    for name, scale in SCALES.items():
        stem = name.replace(" ", "_")
        files[name, "classification"] = folder / f"{stem}.npz"
        np.savez(files[name, "classification"], X=scale(X), y=y)
        files[name, "regression"] = folder / f"{stem}_regression.npz"
        np.savez(files[name, "regression"], X=scale(X), y=X @ [1.0, -2.0])
    return files


def check_history(status: str, error: str | None, rows: list[dict]) -> None:
    """Finished with finite numbers, or stopped with the divergence message; nothing NaN."""
    assert status in ("ok", "diverged"), status
    if status == "diverged":
        assert "smaller learning rate" in error, error
    else:
        assert rows and math.isfinite(rows[-1]["loss"])
    for row in rows:
        for key in ("loss", "grad_norm", "lr"):
            assert math.isfinite(row[key]), row


def check_run(result, out: Path) -> int:
    """The same for a run of ``adamlab train``, from what it wrote."""
    code, stdout, err = result
    if code == 0:
        assert err == "", err
    else:
        line = assert_one_clear_line(*result)
        assert "diverged" in line, line
    summary = json.loads((out / "summary.json").read_text())
    assert all(v is None or math.isfinite(v) for v in summary["final"].values()), summary
    with (out / "history.csv").open() as f:
        rows = [{k: float(v) for k, v in row.items() if v != ""} for row in csv.DictReader(f)]
    check_history(summary["status"], summary["error"], rows)
    return code


CASES = [(scale, option, task) for scale in SCALES for option in OPTIONS
         for task in ("classification", "regression")]


@pytest.mark.parametrize("scale, option, task", CASES, ids=[", ".join(c) for c in CASES])
def test_every_scale_and_option_trains_or_says_why(data_files, scale, option, task):
    """What ``adamlab train`` runs (``experiment.run``: load, split, standardise, fit), without
    its pictures, for every combination."""
    settings = experiment.Settings(
        data=str(data_files[scale, task]), epochs=3, hidden=[8],
        standardize="--no-standardize" not in OPTIONS[option],
        dtype="float32" if "float32" in OPTIONS[option] else "float64")
    with strict():
        result = experiment.run(settings)
    rows = [dict(zip(result["history"], v, strict=True))
            for v in zip(*result["history"].values(), strict=True)]
    check_history(result["status"], result["error"], rows)
    if settings.standardize:
        assert result["status"] == "ok", result["error"]


# The whole command, pictures and files included, on a few of them.
CLI_CASES = [("x1e6", "raw"), ("mixed 1e6 and 1e-6", "standardised"),
             ("float32 near 1e30", "raw float32")]


@pytest.mark.parametrize("scale, option", CLI_CASES, ids=[", ".join(c) for c in CLI_CASES])
def test_adamlab_train_on_extreme_inputs(data_files, tmp_path, scale, option):
    out = tmp_path / "run"
    with strict():
        result = run_cli(["train", "--data", str(data_files[scale, "classification"]),
                          "--epochs", "3", "--hidden", "8", "--out", str(out), "--quiet",
                          *OPTIONS[option]])
    check_run(result, out)


@pytest.mark.parametrize("scale", ["x1e6", "float32 near 1e30"])
def test_raw_huge_inputs_with_a_large_step_diverge_clearly(data_files, scale):
    settings = experiment.Settings(data=str(data_files[scale, "classification"]),
                                   standardize=False, optimizer="sgd", lr=0.5, activation="relu",
                                   epochs=5)
    with strict():
        result = experiment.run(settings)
    assert result["status"] == "diverged"
    assert "smaller learning rate" in result["error"]
    assert all(math.isfinite(v) for v in result["history"]["loss"])


def _beyond_float32():
    X, y = base_data()
    X[:, 1] *= 1e300  # column 1 only: column 0 fits
    return X, y


def _says_beyond_float32(line, X):
    assert "diverged" not in line, line
    for fragment in ("column 1", "float32", f"{np.abs(X[:, 1]).max():.3g}", "standardi",
                     "--dtype float64"):
        assert fragment in line, (fragment, line)


def test_values_beyond_float32_with_dtype_float32_are_refused_clearly(tmp_path):
    """Refused before training (no overflow warning, no 'diverged'), naming the column, its
    largest value and what would work; the same data standardised, or in float64, trains."""
    X, y = _beyond_float32()
    data = tmp_path / "big.npz"
    np.savez(data, X=X, y=y)
    argv = ["train", "--data", str(data), "--epochs", "2", "--quiet"]
    with strict():
        result = run_cli([*argv, "--no-standardize", "--dtype", "float32",
                          "--out", str(tmp_path / "run")])
    _says_beyond_float32(assert_one_clear_line(*result), X)
    assert not (tmp_path / "run" / "checkpoint.npz").exists()
    for option in (["--dtype", "float32"], ["--no-standardize", "--dtype", "float64"]):
        with strict():
            code, _, err = run_cli([*argv, *option, "--out", str(tmp_path / option[-1])])
        assert code in (0, 1) and "float32" not in err, err  # trains (or diverges: raw 1e300)


def test_values_beyond_float32_in_a_memory_mapped_file_are_refused_clearly(tmp_path):
    X, y = _beyond_float32()
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "y.npy", y)
    settings = experiment.Settings(data=str(tmp_path / "X.npy"), target=str(tmp_path / "y.npy"),
                                   mmap=True, standardize=False, dtype="float32", epochs=2)
    with strict(), pytest.raises(DataError) as info:
        experiment.prepare(settings)
    _says_beyond_float32(str(info.value), X)
    settings.dtype = "float64"
    with strict():
        assert isinstance(experiment.prepare(settings).X_train, Rows)  # streamed, accepted


@pytest.mark.parametrize("optimizer", ["adam", "amsgrad", "nadam", "adamax", "rmsprop", "adagrad"])
def test_eps_zero_is_refused_or_harmless(optimizer):
    """eps = 0 (torch accepts it) gave 0/0 on a dead ReLU unit's zero gradient, and then
    'diverged … Try a smaller learning rate', which is not why: now refused up front, saying
    why and what works, in the library and in one line (usage error) from adamlab train."""
    settings = experiment.Settings(data="xor", activation="relu", hidden=[64, 64], eps=0.0,
                                   optimizer=optimizer, epochs=3)
    with strict(), pytest.raises(ValueError) as info:
        experiment.run(settings)
    for fragment in ("eps must be a finite number > 0", "0/0", "1e-12"):
        assert fragment in str(info.value), (fragment, str(info.value))
    with strict():
        result = run_cli(["train", "--data", "xor", "--activation", "relu", "--hidden", "64,64",
                          "--optimizer", optimizer, "--eps", "0", "--epochs", "3", "--quiet"])
    assert_one_clear_line(*result, status=2, fragments=["eps", "1e-12"])


def test_subnormal_features_train_and_plot(tmp_path):
    """The boundary grid was padded by at least 0.5 in data units: for features ~1e-310 it was
    1e309 scales from the training data and could not be standardised after training."""
    X, y = base_data()
    data = tmp_path / "tiny.npz"
    np.savez(data, X=X * 1e-310, y=y)
    out = tmp_path / "run"
    with strict():
        result = run_cli(["train", "--data", str(data), "--epochs", "2", "--out", str(out),
                          "--quiet"])
    assert check_run(result, out) == 0


# ------------------------------------------------------------------------ the Trainer
HEADS = {"sigmoid": 1, "softmax": 3, "identity": 1}


def _targets(head, X, y3):
    if head == "softmax":
        return y3
    if head == "sigmoid":
        return (y3 > 0).astype(int)
    return X[:, 0] - X[:, 1]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("head", list(HEADS))
@pytest.mark.parametrize("scale", [1e-6, 1.0, 1e6], ids=["1e-6", "1", "1e6"])
def test_trainer_on_raw_extreme_inputs(head, dtype, scale):
    X, y3 = base_data(classes=3)
    X = (X * scale).astype(dtype)
    y = _targets(head, X, y3)
    model = MLP(2, (8,), HEADS[head], activation="tanh", output=head, dtype=dtype,
                rng=np.random.default_rng(0))
    trainer = Trainer(model, "adam", lr=0.01, batch_size=32, seed=0)
    with strict(numpy_all=True):
        try:
            trainer.fit(X, y, epochs=3, val_fraction=0.25)
        except DivergenceError as e:
            assert "smaller learning rate" in str(e)
        proba = model.predict_proba(X)
    assert np.all(np.isfinite(model.params))
    assert all(math.isfinite(v) for v in trainer.history["loss"])
    if head != "identity":
        assert np.all(np.isfinite(proba))
        assert np.all((proba >= 0) & (proba <= 1))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("head", list(HEADS))
def test_saturated_logits_keep_training_finite(head, dtype):
    X, y3 = base_data(classes=3)
    X = X.astype(dtype)
    y = _targets(head, X, y3)
    model = MLP(2, (8,), HEADS[head], activation="tanh", output=head, dtype=dtype,
                rng=np.random.default_rng(0))
    model.params *= 1e4 if head != "identity" else 1.0  # logits of ±1e4 and more
    trainer = Trainer(model, "adam", lr=0.01, batch_size=32, seed=0)
    with strict(numpy_all=True):
        trainer.fit(X, y, epochs=3)
        proba = model.predict_proba(X)
        logits = model.forward(X)
    if head != "identity":
        assert np.abs(logits).max() > 1e3  # still saturated: the point of the test
    assert np.all(np.isfinite(proba)) and all(math.isfinite(v) for v in trainer.history["loss"])


def test_the_divergence_guard_restores_finite_weights():
    X, _ = base_data()
    y = 1e200 * X[:, 0]
    model = MLP(2, (8,), 1, activation="relu", output="identity", rng=np.random.default_rng(0))
    trainer = Trainer(model, "sgd", lr=1.0, batch_size=32, seed=0)
    with strict(numpy_all=True), pytest.raises(DivergenceError, match="smaller learning rate"):
        trainer.fit(X, y, epochs=5)
    assert np.all(np.isfinite(model.params))


def test_predict_with_saturated_weights_writes_probabilities(tmp_path):
    out = tmp_path / "run"
    code, _, err = run_cli(["train", "--epochs", "2", "--out", str(out), "--quiet"])
    assert code == 0, err
    t = Trainer.from_checkpoint(out / "checkpoint.npz")
    t.model.params *= 1e4
    t.save_checkpoint(out / "checkpoint.npz")
    with strict():
        code, stdout, err = run_cli(["predict", "--model", str(out), "--data", "article"])
    assert code == 0, err
    rows = list(csv.reader(stdout.splitlines()))[1:]
    probs = np.array([[float(v) for v in row[:-1]] for row in rows])
    assert np.all(np.isfinite(probs)) and np.all((probs >= 0) & (probs <= 1))
    assert np.allclose(probs.sum(axis=1), 1.0)
