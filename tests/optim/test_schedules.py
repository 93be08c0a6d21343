"""Learning-rate schedules against the values torch.optim.lr_scheduler recorded
(scripts/make_torch_golden.py), the warmup by hand, and the ``make_schedule`` names."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from adamlab.optim import (
    SCHEDULES,
    SGD,
    Constant,
    CosineAnnealingLR,
    ExponentialLR,
    LRScheduler,
    ReduceLROnPlateau,
    StepLR,
    make_schedule,
)
from adamlab.optim.schedules import make_scheduler

DATA = Path(__file__).resolve().parent.parent / "fixtures"
RECORDED = json.loads((DATA / "torch_optim_golden.json").read_text())["schedules"]
BASE_LR = RECORDED["base_lr"]

STATELESS = {"step": StepLR, "exponential": ExponentialLR, "cosine": CosineAnnealingLR}


def sgd(lr=BASE_LR):
    return SGD([np.zeros(1)], lr=lr)


@pytest.mark.parametrize("kind", list(STATELESS))
def test_matches_torch_through_the_scheduler(kind):
    rec = RECORDED[kind]
    schedule = STATELESS[kind](**rec["args"])
    opt = sgd()
    sched = LRScheduler(opt, schedule)
    got = [opt.param_groups[0]["lr"]]
    for _ in range(len(rec["lrs"]) - 1):
        sched.step()
        got.append(opt.param_groups[0]["lr"])
    # torch multiplies (step, exponential) or recurses (cosine) from the previous value; the
    # closed forms here agree to rounding
    np.testing.assert_allclose(got, rec["lrs"], rtol=1e-12, atol=0)
    assert [schedule(t, BASE_LR) for t in range(len(got))] == got


def test_recorded_cosine_goes_past_t_max():
    rec = RECORDED["cosine"]
    T = rec["args"]["T_max"]
    assert len(rec["lrs"]) > 2 * T  # the check above covers the rise after T_max too
    assert rec["lrs"][T] == pytest.approx(rec["args"]["eta_min"], rel=1e-12)


def test_plateau_matches_torch():
    rec = RECORDED["plateau"]
    opt = sgd()
    plateau = ReduceLROnPlateau(opt, **rec["args"])
    got = [opt.param_groups[0]["lr"]]
    for metric in rec["metrics"]:
        plateau.step(metric)
        got.append(opt.param_groups[0]["lr"])
    np.testing.assert_allclose(got, rec["lrs"], rtol=1e-12, atol=0)
    assert len(set(rec["lrs"])) >= 3  # the recorded case does reduce, twice at least


def test_plateau_resumes_from_its_state_dict():
    rec = RECORDED["plateau"]
    opt = sgd()
    plateau = ReduceLROnPlateau(opt, **rec["args"])
    got = [opt.param_groups[0]["lr"]]
    for i, metric in enumerate(rec["metrics"]):
        if i == 8:  # mid-way, in a new optimizer and plateau object
            state = plateau.state_dict()
            opt = sgd(lr=0.7)
            plateau = ReduceLROnPlateau(opt, **rec["args"])
            plateau.load_state_dict(state)
        plateau.step(metric)
        got.append(opt.param_groups[0]["lr"])
    np.testing.assert_allclose(got, rec["lrs"], rtol=1e-12, atol=0)


@given(st.lists(st.floats(-10, 10), min_size=1, max_size=40), st.integers(0, 3),
       st.integers(0, 2), st.floats(0, 0.5))
def test_plateau_mode_max_mirrors_mode_min(metrics, patience, cooldown, threshold):
    """With an absolute threshold, maximising m is exactly minimising −m. (Not with a relative
    one: torch's rule best·(1 ± thr) is not symmetric under negation, and neither is this.)"""
    runs = []
    for mode, sign in (("min", 1.0), ("max", -1.0)):
        opt = sgd()
        plateau = ReduceLROnPlateau(opt, mode=mode, factor=0.5, patience=patience,
                                    cooldown=cooldown, threshold=threshold,
                                    threshold_mode="abs")
        lrs = []
        for m in metrics:
            plateau.step(sign * m)
            lrs.append(opt.param_groups[0]["lr"])
        runs.append(lrs)
    assert runs[0] == runs[1]


def test_warmup_then_cosine_by_hand():
    base, w, T, eta_min = 0.1, 3, 10, 0.001
    schedule = CosineAnnealingLR(T_max=T, eta_min=eta_min, warmup=w)
    # linear warmup α(t + 1)/(w + 1): never 0, reaches α at t = w
    assert [schedule(t, base) for t in range(w)] == pytest.approx(
        [0.025, 0.05, 0.075], rel=1e-15)
    assert schedule(w, base) == base
    for t in range(w, T + 1):
        s, S = t - w, T - w
        expected = eta_min + (base - eta_min) * (1 + math.cos(math.pi * s / S)) / 2
        assert schedule(t, base) == pytest.approx(expected, rel=1e-15)
    assert schedule(T, base) == pytest.approx(eta_min, rel=1e-12)
    lrs = [schedule(t, base) for t in range(T + 1)]
    assert lrs.index(max(lrs)) == w and all(lr > 0 for lr in lrs)


def test_constant():
    assert [Constant()(t, 0.3) for t in (0, 1, 1000)] == [0.3, 0.3, 0.3]


def test_make_schedule_names():
    assert set(SCHEDULES) == {"constant", "step", "exponential", "cosine", "plateau"}
    assert make_schedule("constant", 30) == Constant()
    assert make_schedule("step", 30) == StepLR(10, 0.1)  # a third of the run, γ = 0.1
    assert make_schedule("step", 30, step_size=4, gamma=0.5) == StepLR(4, 0.5)
    assert make_schedule("step", 2) == StepLR(1, 0.1)
    assert make_schedule("exponential", 30) == ExponentialLR(0.95)
    assert make_schedule("exponential", 30, gamma=0.9) == ExponentialLR(0.9)
    assert make_schedule(" Cosine ", 50, warmup=5, eta_min=1e-4) == CosineAnnealingLR(50, 1e-4, 5)
    assert make_schedule("plateau", 30) is None
    for name in SCHEDULES:
        assert make_schedule(name.upper(), 30) == make_schedule(name, 30)


@pytest.mark.parametrize("call, match", [
    (lambda: make_schedule("linear", 10), r"unknown schedule 'linear'; choose one of: constant"),
    (lambda: make_schedule("step", 10, warmup=2), r"warmup is supported by the 'cosine'"),
    (lambda: make_schedule("cosine", 5, warmup=5), r"warmup must be an integer in \[0, T_max=5\)"),
    (lambda: StepLR(0), r"step_size must be an integer >= 1"),
    (lambda: StepLR(2.0), r"step_size must be an integer"),
    (lambda: StepLR(2, gamma=0.0), r"gamma must be in \(0, 1\]"),
    (lambda: ExponentialLR(1.5), r"gamma must be in \(0, 1\]"),
    (lambda: ExponentialLR(math.nan), r"gamma"),
    (lambda: CosineAnnealingLR(0), r"T_max must be an integer >= 1"),
    (lambda: CosineAnnealingLR(10, eta_min=-1.0), r"eta_min must be"),
    (lambda: CosineAnnealingLR(10, warmup=-1), r"warmup must be"),
    (lambda: ReduceLROnPlateau(sgd(), mode="up"), r"mode must be 'min' or 'max'"),
    (lambda: ReduceLROnPlateau(sgd(), threshold_mode="pct"), r"threshold_mode must be"),
    (lambda: ReduceLROnPlateau(sgd(), factor=1.0), r"factor must be in \(0, 1\)"),
    (lambda: ReduceLROnPlateau(sgd(), patience=-1), r"patience must be"),
    (lambda: ReduceLROnPlateau(sgd(), cooldown=1.5), r"cooldown must be"),
    (lambda: ReduceLROnPlateau(sgd(), min_lr=-1.0), r"min_lr must be"),
    (lambda: LRScheduler(sgd(), Constant()).load_state_dict({"t": -1}), r"t must be an integer"),
])
def test_bad_schedule_arguments_raise(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# ------------------------------------------------------------- the one scheduler interface
@pytest.mark.parametrize("name", [n for n in SCHEDULES if not SCHEDULES[n].needs_metric])
def test_make_scheduler_applies_the_named_schedule_and_ignores_the_metric(name):
    opt = sgd()
    scheduler = make_scheduler(name, opt, 12)
    schedule = make_schedule(name, 12)
    got = [opt.param_groups[0]["lr"]]
    for metric in range(11):
        scheduler.step(float(metric))
        got.append(opt.param_groups[0]["lr"])
    assert got == [schedule(t, BASE_LR) for t in range(12)]
    assert scheduler.kind == "lr_scheduler"


def test_make_scheduler_plateau_follows_the_metric():
    """The trainer's plateau rule: factor 0.1 after 5 epochs without improvement."""
    opt = sgd()
    scheduler = make_scheduler("plateau", opt, 100)
    assert scheduler.kind == "plateau" and SCHEDULES["plateau"].needs_metric
    lrs = []
    for metric in [1.0] + [2.0] * 6:
        scheduler.step(metric)
        lrs.append(opt.param_groups[0]["lr"])
    assert lrs == [BASE_LR] * 6 + [pytest.approx(BASE_LR * 0.1, rel=1e-15)]
    with pytest.raises(ValueError, match="needs the metric it follows"):
        scheduler.step()


def test_warmup_is_refused_by_every_schedule_but_cosine():
    for name in SCHEDULES:
        if name == "cosine":
            make_scheduler(name, sgd(), 10, warmup=2)
        else:
            with pytest.raises(ValueError, match="warmup is supported by the 'cosine'"):
                make_scheduler(name, sgd(), 10, warmup=2)


def test_plateau_state_before_any_metric_is_json_and_round_trips():
    plateau = ReduceLROnPlateau(sgd(), mode="max")
    state = plateau.state_dict()
    assert state["best"] is None  # -inf has no JSON form
    back = ReduceLROnPlateau(sgd(), mode="max")
    back.load_state_dict(json.loads(json.dumps(state, allow_nan=False)))
    assert back.best == -math.inf and back.state_dict() == state


@pytest.mark.parametrize("edit, match", [
    ({"best": "0.5"}, "best must be a finite number or null"),
    ({"num_bad_epochs": -1}, "num_bad_epochs must be an integer >= 0"),
    ({"t": 1.5}, "t must be an integer >= 0"),
    ({"lrs": [0.1, 0.1]}, "lrs must be a list of 1 learning rate"),
    ({"lrs": [-0.1]}, r"lrs\[...\] must be a finite number >= 0"),
])
def test_plateau_refuses_a_bad_state(edit, match):
    plateau = ReduceLROnPlateau(sgd())
    plateau.step(1.0)
    with pytest.raises(ValueError, match=match):
        plateau.load_state_dict({**plateau.state_dict(), **edit})
