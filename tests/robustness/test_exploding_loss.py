"""A loss that explodes but stays finite is divergence (issue 16 §2): the run stops at that step,
keeps the weights from before the step that led there, says where, and suggests a learning
rate; runs that merely learn fast, or have large or tiny targets, are not stopped."""

import json

import numpy as np
import pytest

from adamlab.cli import main
from adamlab.nn import MLP
from adamlab.train import DivergenceError, Trainer
from adamlab.train.guard import suggested_lr


def _moons(n=200):
    from adamlab.data import load_dataset

    ds = load_dataset("moons", n_samples=n, seed=0)
    return ds.X, ds.y


def _trainer(optimizer="sgd", lr=1e12, n_outputs=1, output="sigmoid", **kw):
    model = MLP(n_inputs=2, hidden=(16,), n_outputs=n_outputs, output=output,
                rng=np.random.default_rng(0))
    return Trainer(model, optimizer=optimizer, lr=lr, batch_size=16, shuffle=False, **kw)


def test_sgd_at_lr_1e12_on_moons_stops_at_step_2_with_the_initial_weights():
    X, y = _moons()
    t = _trainer()
    theta0 = t.model.params.copy()
    with pytest.raises(DivergenceError) as info:
        t.fit(X, y, epochs=3)
    e = info.value
    # step 1 trains from θ0 (loss ≈ ln 2); step 2 sees the loss at θ1, ~1e11: stop there
    assert (e.epoch, e.step) == (1, 2)
    assert "epoch 1, batch 2 (step 2)" in str(e) and "more than 1000×" in str(e)
    # the weights that gave step 1's sane loss are back, bit for bit
    np.testing.assert_array_equal(t.model.params, theta0)
    # the advice: lr / (‖θ1 − θ0‖ / ‖θ0‖), rounded down to a power of ten; θ1 from one step of
    # an unguarded twin on the same first batch
    twin = _trainer(explosion=None)
    twin.fit(X[:16], y[:16], epochs=1)
    ratio = np.linalg.norm(twin.model.params - theta0) / np.linalg.norm(theta0)
    lr_hint = min(1e11, 10.0 ** np.floor(np.log10(1e12 / ratio)))
    assert f"e.g. {lr_hint:g})" in str(e)


def test_the_advice_is_lr_over_the_step_ratio_rounded_down_to_a_power_of_ten():
    assert suggested_lr(1e12, 5.9e11) == 1.0  # 1.69 -> 1
    assert suggested_lr(1e-1, 3e3) == 1e-5  # 3.3e-5 -> 1e-5
    assert suggested_lr(1.0, 0.5) == 0.1  # a ratio below 1 would say "larger": lr/10 instead
    assert suggested_lr(2.0, float("nan")) == 0.2  # unknown: lr/10, as before the guard


def test_the_cli_reports_it_as_divergence_with_exit_1(tmp_path, capsys):
    out = tmp_path / "run"
    code = main(["train", "--data", "moons", "--n-samples", "200", "--optimizer", "sgd",
                 "--lr", "1e12", "--epochs", "3", "--quiet", "--out", str(out)])
    assert code == 1
    err = capsys.readouterr().err
    assert "diverged at epoch 1, batch 2" in err and "Try a smaller learning rate" in err
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "diverged" and "more than 1000×" in summary["error"]


@pytest.mark.parametrize("case", ["adam_fast", "large_targets", "tiny_targets"])
def test_legitimate_runs_are_not_stopped(case):
    rng = np.random.default_rng(1)
    X, y = _moons()
    if case == "adam_fast":  # Adam at lr 0.5: a bumpy but sane run
        t = _trainer("adam", 0.5)
    else:  # regression on targets of scale 1e4 or 1e-6 (the initial loss is far from chance)
        scale = 1e4 if case == "large_targets" else 1e-6
        y = scale * (X[:, 0] - 2 * X[:, 1] + 0.1 * rng.normal(size=len(X)))
        t = _trainer("adam", 0.01, output="identity")
    t.fit(X, y, epochs=5)
    assert t.epoch == 5 and np.isfinite(t.history["loss"]).all()


def test_the_start_of_the_run_is_kept_by_checkpoints(tmp_path):
    X, y = _moons()
    t = _trainer("adam", 0.01)
    path = str(tmp_path / "ck.npz")
    t.fit(X, y, epochs=1, checkpoint_path=path)
    again = Trainer.from_checkpoint(path)
    assert again.loss_start == t.loss_start and again.explosion == 1e3
    assert Trainer(t.model, explosion=None).explosion is None  # the guard can be turned off
