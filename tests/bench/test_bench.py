"""``adamlab bench``: its statistics by hand, its protocol on a tiny run, its outputs."""

import json
import math

import numpy as np
import pytest

from adamlab.bench import SCHEMA, SUITES, bootstrap_median, lr_grid, performance_profiles
from adamlab.bench.protocol import _steps_to_target
from adamlab.bench.suite import Workload
from adamlab.cli import main


def test_bootstrap_of_a_constant_sample_is_that_constant():
    out = bootstrap_median([3.0] * 7)
    assert out == {"median": 3.0, "ci": [3.0, 3.0]}


def test_bootstrap_interval_brackets_the_median_and_counts_infinities():
    out = bootstrap_median([1.0, 2.0, 3.0, 4.0, math.inf])
    assert out["median"] == 3.0  # the median of 1, 2, 3, 4, ∞
    lo, hi = out["ci"]
    assert 1.0 <= lo <= 3.0 and hi is None  # a resample of mostly ∞ has median ∞
    assert bootstrap_median([math.nan]) == {"median": None, "ci": None}


def test_performance_profiles_by_hand():
    costs = {"a": {"w1": 10.0, "w2": 40.0}, "b": {"w1": 20.0, "w2": math.inf}}
    p = performance_profiles(costs, taus=[1.0, 2.0, 4.0])
    # a: ratios 1 (w1) and 1 (w2: the only one to reach it); b: 2 (w1) and ∞
    assert p["a"]["rho"] == [1.0, 1.0, 1.0]
    assert p["b"]["rho"] == [0.0, 0.5, 0.5]


def test_the_grid_is_the_same_log_grid_for_everyone():
    g = lr_grid(6)
    assert len(g) == 6 and g[0] == pytest.approx(1e-4) and g[-1] == pytest.approx(10**0.5)
    assert np.allclose(np.diff(np.log10(g)), 0.9)
    with pytest.raises(ValueError, match="budget"):
        lr_grid(1)


def test_steps_to_target_counts_steps_not_epochs():
    w = Workload("x", "train", 0.9)
    r = {"history": {"val_accuracy": [0.5, 0.85, 0.91, 0.95]}, "steps": 40, "epochs": 4}
    assert _steps_to_target(w, r) == 30  # the third epoch, 10 steps each
    loss = Workload("y", "train", 0.2, "val_loss")
    r = {"history": {"val_loss": [0.5, 0.3, 0.25]}, "steps": 30, "epochs": 3}
    assert _steps_to_target(loss, r) == math.inf


def test_a_tiny_benchmark_end_to_end(tmp_path, capsys):
    out = tmp_path / "b"
    code = main(["bench", "--suite", "quick", "--optimizers", "adam,sgd,muon", "--budget", "2",
                 "--seeds", "2", "--out", str(out), "--json", "--quiet"])
    assert code == 0
    board = json.loads(capsys.readouterr().out)
    assert board["schema"] == SCHEMA and board["suite_version"] >= 1
    assert len(board["entries"]) == 3 * len(SUITES["quick"])
    assert {e["optimizer"] for e in board["entries"]} == {"adam", "sgd", "muon"}
    for e in board["entries"]:
        if e["workload"] == "ill-conditioned" and e["optimizer"] == "muon":
            assert e["applicable"] is False  # a matrix optimizer on a 2-D point
            continue
        assert e["best_lr"] in board["lr_grid"] and e["seeds"] == 2
        assert 0 <= e["steps_to_target"]["reached"] <= 2
    assert sorted(board["ranking"]) == ["adam", "muon", "sgd"]
    assert json.loads((out / "leaderboard.json").read_text())["entries"] == board["entries"]
    assert (out / "profiles.png").stat().st_size > 10_000
    assert (out / "bench.csv").read_text().startswith("workload,optimizer,")


def test_bad_benchmark_arguments_are_usage_errors(tmp_path, capsys):
    assert main(["bench", "--budget", "1", "--out", str(tmp_path / "x")]) == 2
    assert "budget" in capsys.readouterr().err


def test_tuning_picks_the_fewest_steps_then_the_lowest_final_metric():
    from adamlab.bench.protocol import _best

    assert _best([30.0, 20.0, 20.0, math.inf], [0.1, 0.5, 0.4, 0.0]) == 2
    assert _best([math.inf, math.inf], [0.3, 0.2]) == 1
