"""``adamlab paper NAME``: each experiment runs on its small setting and its claim is checked
against the numbers it measured (not against the code's own verdict alone)."""

import json

import numpy as np
import pytest

from adamlab.cli import main
from adamlab.papers import PAPERS, run_paper
from adamlab.papers.amsgrad import average_regret, gradient, trajectory


def test_the_counterexample_by_hand():
    # the gradient: 1010 on steps 1, 102, 203, …; −10 otherwise
    assert [gradient(t) for t in (1, 2, 101, 102, 203)] == [1010, -10, -10, 1010, 1010]
    # AMSGrad's and Adam's first step from x = 0 are the same: −α·sign(g_1) (bias-corrected
    # m̂ = g, v̂ = g²), then projected: x_2 = −0.5
    assert trajectory(False, 2)[1] == pytest.approx(-0.5, abs=1e-7)
    assert trajectory(True, 2)[1] == pytest.approx(-0.5, abs=1e-7)
    # regret of staying at the optimum is 0
    assert np.allclose(average_regret(np.full(300, -1.0)), 0)


def test_adam_ends_near_plus_one_and_amsgrad_within_0_1_of_minus_one():
    r = run_paper("amsgrad-counterexample", quick=True)
    assert r.numbers["final"]["adam"] > 0.9
    assert abs(r.numbers["final"]["amsgrad"] - (-1.0)) < 0.1
    assert r.holds


def test_adams_early_variance_is_huge_and_radams_is_consistent():
    r = run_paper("radam-warmup", quick=True)
    v = r.numbers["variance"]
    assert v["adam"]["1"] > 1000 * v["adam"]["300"]
    assert v["warmup"]["1"] < v["adam"]["1"] / 1000  # the warmup's 1/1000 lr factor, squared
    assert r.numbers["radam_spread"] < 3 and r.holds


def test_without_bias_correction_the_early_steps_grow_with_beta2():
    r = run_paper("bias-correction", quick=True)
    steps = r.numbers["largest_early_step_over_alpha"]
    # corrected: |Δθ| ≤ α·|m̂|/√v̂ ≈ α in the first steps (Adam's trust region, §2.1)
    assert all(abs(s["corrected"] - 1) < 0.1 for s in steps.values())
    growth = [steps[b]["uncorrected"] for b in ("0.99", "0.999", "0.9999")]
    assert growth == sorted(growth) and growth[-1] > 5
    assert r.holds


def test_the_decay_grids_are_read_correctly():
    r = run_paper("adamw-decoupling", quick=True)
    for kind in ("adam", "adamw"):
        m = np.array(r.numbers["val_loss"][kind])
        assert m.shape == (5, 5) and np.isfinite(m).any()
        assert r.numbers["best_decay"][kind] == [r.numbers["decays"][j] for j in m.argmin(1)]
    moved = r.numbers["decades_moved"]
    assert r.holds == (moved["adamw"] < moved["adam"])


def test_schedule_free_is_as_good_as_a_cosine_that_knows_when_to_stop():
    r = run_paper("schedule-free", quick=True)
    for v in r.numbers["at"].values():
        assert v["schedule_free"] <= 1.10 * v["cosine_tuned_for_this_stop"]
    assert r.holds


def test_every_paper_is_a_command_with_json_and_a_figure(tmp_path, capsys):
    code = main(["paper", "amsgrad-counterexample", "--quick", "--json", "--out",
                 str(tmp_path / "p")])
    assert code == 0
    doc = json.loads(capsys.readouterr().out)
    assert set(doc["final"]) == {"adam", "amsgrad"} and doc["claim"] and doc["measured"]
    assert (tmp_path / "p" / "amsgrad-counterexample.png").stat().st_size > 10_000
    assert len(PAPERS) == 5


def test_an_unknown_paper_is_a_usage_error(capsys):
    assert main(["paper", "nope"]) == 2
    assert "amsgrad-counterexample" in capsys.readouterr().err
