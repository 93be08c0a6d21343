"""Parameter groups: per-group hyperparameters, changing them mid-run, schedules per group."""

from __future__ import annotations

import numpy as np
import pytest

from adamlab import optim
from adamlab.optim import OPTIMIZERS, LRScheduler, StepLR, make_optimizer

# a matrix-only row (Muon) refuses these vectors: tests/optim/test_torch_family.py has its own
NAMES = [n for n, s in OPTIMIZERS.items() if not s.matrices]


def grads(n, shapes, seed=0):
    rng = np.random.default_rng(seed)
    return [[rng.normal(size=s) for s in shapes] for _ in range(n)]


@pytest.mark.parametrize("name", [n for n in NAMES if OPTIMIZERS[n].decay != "none"])
def test_bias_without_weight_decay_steps_as_if_alone(name):
    rng = np.random.default_rng(5)
    w0, b0 = rng.normal(size=(3, 2)), rng.normal(size=2)
    w, b = w0.copy(), b0.copy()
    opt = make_optimizer(name, [{"params": [w], "weight_decay": 0.1},
                                {"params": [b], "weight_decay": 0.0}], lr=0.01)
    w_alone, b_alone = w0.copy(), b0.copy()
    opt_w = make_optimizer(name, [w_alone], lr=0.01, weight_decay=0.1)
    opt_b = make_optimizer(name, [b_alone], lr=0.01, weight_decay=0.0)
    b_decayed = b0.copy()
    opt_bd = make_optimizer(name, [b_decayed], lr=0.01, weight_decay=0.1)
    for gw, gb in grads(20, [(3, 2), (2,)]):
        opt.step([gw, gb])
        opt_w.step([gw])
        opt_b.step([gb])
        opt_bd.step([gb])
    assert np.array_equal(w, w_alone)
    assert np.array_equal(b, b_alone)
    assert not np.allclose(b, b_decayed, rtol=1e-9, atol=0)  # the decay would have shown


def test_group_hyperparameters_override_defaults_and_the_rest_are_filled_in():
    a, b = np.ones(2), np.ones(3)
    opt = optim.Adam([{"params": [a], "lr": 0.5, "betas": (0.5, 0.9)}, {"params": b}],
                     lr=0.01, eps=1e-6)
    g0, g1 = opt.param_groups
    assert (g0["lr"], g0["betas"], g0["eps"]) == (0.5, (0.5, 0.9), 1e-6)
    assert (g1["lr"], g1["betas"], g1["eps"]) == (0.01, (0.9, 0.999), 1e-6)
    assert g1["params"] == [b] and opt.params[0] is a and opt.params[1] is b


def test_changing_lr_between_steps_takes_effect():
    p = np.array([1.0, -2.0])
    opt = optim.SGD([p], lr=0.1)
    g = np.array([0.5, 0.25])
    opt.step([g])
    np.testing.assert_array_equal(p, [1.0 - 0.1 * 0.5, -2.0 - 0.1 * 0.25])
    opt.param_groups[0]["lr"] = 0.01
    before = p.copy()
    opt.step([g])
    np.testing.assert_allclose(p, before - 0.01 * g, rtol=1e-15)


# Where lr only seeds the state, as in torch: Rprop's step sizes start at lr and then adapt
# (lr is not read again); ASGD steps with the η it computed a step earlier.
LR_SEEDS_STATE = {"rprop", "asgd"}


@pytest.mark.parametrize("name", [n for n in NAMES if n not in LR_SEEDS_STATE])
def test_lr_zero_freezes_the_group_but_the_other_moves(name):
    a, b = np.ones(3), np.ones(2)
    opt = make_optimizer(name, [{"params": [a]}, {"params": [b]}], lr=0.01, weight_decay=0.0)
    seq = grads(4, [(3,), (2,)])
    opt.step(seq[0])
    opt.param_groups[0]["lr"] = 0.0
    a_frozen = a.copy()
    for g in seq[1:]:
        b_before = b.copy()
        if name in COASTING:
            a_frozen = a + OPTIMIZERS[name].default("momentum") * opt.state[0][COASTING[name]]
        opt.step(g)
        assert np.array_equal(a, a_frozen)
        assert not np.array_equal(b, b_before)
    # the frozen group's state still advances, as in torch; a Prodigy group at lr 0 never
    # reaches its count (no gradient enters its d: prodigyopt returns before counting)
    assert opt.state[0]["step"] == (1 if name in UNCOUNTED_AT_LR_0 else 4)


# Momentum of the lr-scaled step (optax's trace, b ← −α·u + μ·b; θ ← θ + b): at lr 0 a group
# coasts on μ·b, exactly, as optax.lars does; torch-style momentum of g stops dead instead.
COASTING = {"lars": "trace"}
UNCOUNTED_AT_LR_0 = {"prodigy"}


def test_add_param_group_appends_to_the_gradient_order():
    a, b = np.zeros(2), np.zeros(3)
    opt = optim.SGD([a], lr=1.0)
    opt.add_param_group({"params": [b], "lr": 0.5})
    opt.step([np.ones(2), np.ones(3)])
    np.testing.assert_array_equal(a, [-1.0, -1.0])
    np.testing.assert_array_equal(b, [-0.5, -0.5, -0.5])


def test_scheduler_sets_every_group_from_its_own_initial_lr():
    a, b = np.zeros(1), np.zeros(1)
    opt = optim.SGD([{"params": [a], "lr": 0.1}, {"params": [b], "lr": 0.03}])
    sched = LRScheduler(opt, StepLR(step_size=2, gamma=0.5))
    assert [g["initial_lr"] for g in opt.param_groups] == [0.1, 0.03]
    g = np.array([1.0])
    for t in range(7):
        factor = 0.5 ** (t // 2)  # α_t = α_0·γ^⌊t/2⌋, each group from its own α_0
        assert sched.lrs == [0.1 * factor, 0.03 * factor]
        a0, b0 = a[0], b[0]
        opt.step([g, g])
        assert a[0] == pytest.approx(a0 - 0.1 * factor, rel=1e-14)
        assert b[0] == pytest.approx(b0 - 0.03 * factor, rel=1e-14)
        sched.step()


def test_scheduler_keeps_an_existing_initial_lr_and_resumes_from_t():
    opt = optim.SGD([{"params": [np.zeros(1)], "lr": 0.05, "initial_lr": 0.2}])
    sched = LRScheduler(opt, StepLR(step_size=1, gamma=0.5))
    assert sched.lrs == [0.2]  # t = 0 from the recorded initial lr, not the current one
    for _ in range(3):
        sched.step()
    again = LRScheduler(opt, StepLR(step_size=1, gamma=0.5))
    again.load_state_dict(sched.state_dict())
    assert again.t == 3 and again.lrs == [0.2 * 0.5**3]


def p(*shape):
    return np.zeros(shape or (2,))


GROUP_ERRORS = [
    ("unknown key", lambda: optim.Adam([{"params": [p()], "momentum": 0.9}]),
     r"unknown hyperparameter\(s\) \['momentum'\]"),
    ("typo", lambda: optim.SGD([{"params": [p()], "learning_rate": 0.1}]), r"'learning_rate'"),
    ("duplicate in one group", lambda: (lambda x: optim.SGD([x, x]))(p()),
     r"params\[1\] appears more than once"),
    ("duplicate across groups", lambda: (lambda x: optim.SGD([{"params": [x]},
                                                              {"params": [p(), x]}]))(p()),
     r"params\[2\] appears more than once"),
    ("empty params", lambda: optim.SGD([]), r"params is empty"),
    ("empty group", lambda: optim.SGD([{"params": [p()]}, {"params": []}]),
     r"empty 'params' list"),
    ("group without params", lambda: optim.SGD([{"lr": 0.1}]), r"'params' key"),
    ("bad group value", lambda: optim.SGD([{"params": [p()]}, {"params": [p()], "lr": -1.0}]),
     r"SGD \(group 1\): lr must be"),
    ("added duplicate", lambda: (lambda x: optim.SGD([x]).add_param_group({"params": [x]}))(p()),
     r"appears more than once"),
]


@pytest.mark.parametrize("make, match", [(m, r) for _, m, r in GROUP_ERRORS],
                         ids=[i for i, _, _ in GROUP_ERRORS])
def test_bad_groups_raise(make, match):
    with pytest.raises(ValueError, match=match):
        make()
