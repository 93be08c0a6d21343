"""``predict`` answers from a run's evaluation weights: for schedule-free training, the average
x_t its authors evaluate, not the weights y_t the steps were taken at."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest

from adamlab.cli import main
from adamlab.data import load_features
from adamlab.optim import OPTIMIZERS
from adamlab.rundir import Saved


@pytest.mark.skipif("schedulefree" not in OPTIMIZERS, reason="schedulefree is not registered")
def test_predict_uses_the_evaluation_weights(tmp_path, capsys, monkeypatch):
    from adamlab.rundir import directory

    monkeypatch.setattr(directory, "save_figure",
                        lambda fig, path, dpi=120: directory.atomic_write_bytes(path, b"figure"))
    run = tmp_path / "run"
    assert main(["train", "--data", "moons", "--n-samples", "80", "--hidden", "4", "--epochs",
                 "3", "--optimizer", "schedulefree", "--out", str(run), "--quiet"]) == 0
    capsys.readouterr()  # the run's directory, printed by --quiet
    assert main(["predict", "--model", str(run), "--data", "moons", "--quiet"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))[1:]
    printed = np.array([[float(v) for v in r[:2]] for r in rows])[:, 1]

    saved = Saved.load(run)
    X, _ = load_features("moons", saved.description.data.feature_names)
    Xs = saved.description.standardizer.transform(X)
    model, opt = saved.trainer.model, saved.trainer.optimizer
    trained = model.predict_proba(Xs)[:, 0]
    opt.eval()  # the optimizer's own switch to its evaluation weights
    evaluated = model.predict_proba(Xs)[:, 0]
    np.testing.assert_allclose(printed, evaluated, rtol=1e-5, atol=1e-6)
    assert np.max(np.abs(trained - evaluated)) > 1e-4  # the two differ: the test can tell
