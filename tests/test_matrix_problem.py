"""adamlab.matrix_problem: the loss and its gradient, the conditioning, the routing of matrix
optimizers, reproducibility, and the claim the "After Adam" chapter makes on it."""

from __future__ import annotations

import json

import numpy as np
import pytest

from adamlab import matrix_problem as mp
from adamlab.cli import main
from adamlab.optim import OPTIMIZERS, AdamW, Muon


@pytest.fixture(scope="module")
def problem():
    return mp.make_problem(seed=0, condition=1e4)


def test_loss_by_hand_and_gradient_by_central_differences(problem):
    W = np.random.default_rng(1).standard_normal((8, 8))
    b = np.random.default_rng(2).standard_normal(8)
    by_hand = sum(0.5 * (sum(problem.X[i, k] * W[k, j] for k in range(8)) + b[j]
                         - problem.Y[i, j]) ** 2 for i in range(32) for j in range(8)) / 32
    assert problem.loss(W, b) == pytest.approx(by_hand, rel=1e-12)
    gW, gb = problem.gradient(W, b)
    h = 1e-6
    for (i, j) in [(0, 0), (3, 5), (7, 2)]:
        E = np.zeros_like(W)
        E[i, j] = h
        fd = (problem.loss(W + E, b) - problem.loss(W - E, b)) / (2 * h)
        assert gW[i, j] == pytest.approx(fd, rel=1e-6, abs=1e-8)
    for j in (0, 4):
        e = np.zeros(8)
        e[j] = h
        fd = (problem.loss(W, b + e) - problem.loss(W, b - e)) / (2 * h)
        assert gb[j] == pytest.approx(fd, rel=1e-6, abs=1e-8)


def test_the_minimum_is_w_star_and_the_condition_number_is_kappa(problem):
    assert problem.loss(problem.W_star, problem.b_star) < 1e-25
    # the Hessian column by column from the (linear) gradient, over the 72 numbers (W, b)
    base = np.concatenate([g.ravel() for g in problem.gradient(np.zeros((8, 8)), np.zeros(8))])
    cols = []
    for k in range(72):
        t = np.zeros(72)
        t[k] = 1.0
        g = problem.gradient(t[:64].reshape(8, 8), t[64:])
        cols.append(np.concatenate([x.ravel() for x in g]) - base)
    eig = np.linalg.eigvalsh(np.array(cols))
    assert eig.max() / eig.min() == pytest.approx(1e4, rel=1e-6)
    assert problem.hessian_condition() == pytest.approx(1e4, rel=1e-6)
    # rotated: the ill-conditioning is not along the coordinates (XᵀX/n is not diagonal)
    G = problem.X.T @ problem.X / 32
    assert np.abs(G - np.diag(np.diag(G))).max() > 0.1


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_every_optimizer_runs_on_it(problem, name):
    r = mp.run(problem, name, steps=20)
    assert len(r["loss"]) == len(r["sv"]) <= 21 and np.all(np.isfinite(r["loss"]))
    assert np.asarray(r["sv"]).shape[1] == 8
    json.dumps(r, allow_nan=False)


def test_runs_are_reproducible_and_the_seed_matters():
    a = mp.run(mp.make_problem(seed=3), "adafactor", steps=30)
    b = mp.run(mp.make_problem(seed=3), "adafactor", steps=30)
    c = mp.run(mp.make_problem(seed=4), "adafactor", steps=30)
    assert a == b and a["loss"] != c["loss"]


def test_muon_steps_w_and_its_fallback_adamw_steps_b(problem):
    """One step by hand: Muon (no decay) on W, AdamW at its own defaults (no decay) on b."""
    r = mp.run(problem, "muon", lr=0.05, steps=1)
    W, b = problem.W0.copy(), problem.b0.copy()
    gW, gb = problem.gradient(W, b)
    Muon([W], lr=0.05, weight_decay=0.0).step([gW])
    AdamW([b], weight_decay=0.0).step([gb])
    assert r["loss"][1] == problem.loss(W, b)
    assert np.abs(b).max() == pytest.approx(1e-3, rel=1e-3)  # Adam's first step: ±lr


def test_adafactor_factors_w_and_keeps_b_in_full(problem):
    W, b = problem.W0.copy(), problem.b0.copy()
    opt = mp._optimizer("adafactor", W, b, None, {})
    opt.step(list(problem.gradient(W, b)))
    sizes = [sorted(v.size for v in s.values() if isinstance(v, np.ndarray)) for s in opt.state]
    assert sizes[0] == [8, 8] and sizes[1] == [8]  # row and column factors; b's full moment


def test_the_chapters_claim_muon_ends_lower_than_sgd_at_their_tuned_rates(problem):
    """docs/guide-after-adam.md: on κ = 1e4 (seed 0, 200 steps) the ladder's best rates are
    0.1 for Muon and 1 for SGD, and there Muon ends several times lower (SGD leads early)."""
    assert mp.tune_lr(problem, "muon") == 0.1
    assert mp.tune_lr(problem, "sgd") == 1.0
    muon, sgd = mp.run(problem, "muon", lr=0.1), mp.run(problem, "sgd", lr=1.0)
    assert not muon["diverged"] and not sgd["diverged"]
    assert np.mean(muon["loss"][-20:]) * 3 < np.mean(sgd["loss"][-20:])
    assert sgd["loss"][20] < muon["loss"][20]


def test_bad_arguments_name_themselves():
    with pytest.raises(ValueError, match="condition"):
        mp.make_problem(condition=0.5)
    with pytest.raises(ValueError, match="seed"):
        mp.make_problem(seed=-1)
    with pytest.raises(ValueError, match="steps"):
        mp.run(mp.make_problem(), "adam", steps=-1)
    with pytest.raises(ValueError, match="choose one of"):
        mp.run_all(mp.make_problem(), ["adamm"])


def test_the_command(tmp_path, capsys):
    assert main(["landscape", "--problem", "matrix", "--steps", "5", "--optimizers",
                 "muon,lamb", "--json", "--out", str(tmp_path)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [r["optimizer"] for r in out["runs"]] == ["muon", "lamb"]
    assert out["condition"] == pytest.approx(1e4) and out["seed"] == 0
    assert (tmp_path / "matrix.png").stat().st_size > 10_000
    saved = json.loads((tmp_path / "matrix.json").read_text())
    assert saved["runs"][0]["loss"] == mp.run(mp.make_problem(), "muon", steps=5)["loss"]


@pytest.mark.parametrize("argv, words", [
    (["--optimizers", "muon"], ["muon", "matrices", "adamw"]),
    (["--problem", "matrix", "--function", "beale"], ["--function", "point"]),
    (["--problem", "matrix", "--tune", "--lr", "0.1"], ["--tune", "--lr"]),
    (["--seed", "1"], ["--seed", "matrix"]),
])
def test_misuse_is_one_line_and_exit_2(tmp_path, capsys, argv, words):
    assert main(["landscape", *argv, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and all(w in err for w in words), err


def test_per_tensor_optimizers_on_a_point_get_a_note(tmp_path, capsys):
    assert main(["landscape", "--function", "ill-conditioned", "--optimizers", "adam,lamb",
                 "--steps", "5", "--out", str(tmp_path)]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("note: lamb:") and "--problem matrix" in err[0]
    assert main(["landscape", "--optimizers", "adam,sgd", "--steps", "5",
                 "--out", str(tmp_path / "elementwise")]) == 0
    assert "note" not in capsys.readouterr().err


def test_a_run_that_blows_up_stops_marked_diverged(problem):
    r = mp.run(problem, "sgd", lr=100.0, steps=200)
    assert r["diverged"] and len(r["loss"]) < 201 and np.all(np.isfinite(r["loss"]))
    json.dumps(r, allow_nan=False)


def test_point_note_names_the_per_tensor_rows_once():
    from adamlab.landscape import point_note

    assert point_note(["adam", "sgd", "lion"]) is None
    assert point_note(["muon"]) is None  # refused by run_path instead, not noted
    note = point_note(["lamb", " Adafactor", "lamb", "adam"])
    assert note.startswith("lamb, adafactor:") and note.count("lamb") == 1
