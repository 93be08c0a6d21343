"""The stacked updates step each member exactly as its own optimizer would, hyperparameters
differing member by member; and the eleven elementwise optimizers are stacked, not alone."""

from __future__ import annotations

import numpy as np
import pytest

from adamlab.nn import MLP
from adamlab.optim import build_optimizer
from adamlab.population.kinds import Kind, matches

# Per optimizer: three members' arguments, alike in their branches, different in their numbers.
MEMBERS = {
    "adam": [dict(lr=1e-3), dict(lr=3e-2, betas=(0.8, 0.99)), dict(lr=0.1, eps=1e-4)],
    "adamw": [dict(lr=1e-3), dict(lr=1e-2, weight_decay=0.1), dict(lr=0.1, betas=(0.9, 0.9))],
    "amsgrad": [dict(lr=1e-3), dict(lr=1e-2, betas=(0.7, 0.95)), dict(lr=0.1)],
    "sgd": [dict(lr=1e-3), dict(lr=0.1), dict(lr=0.5)],
    "momentum": [dict(lr=1e-3), dict(lr=0.1, momentum=0.5), dict(lr=0.5, dampening=0.2)],
    "nesterov": [dict(lr=1e-3), dict(lr=0.1, momentum=0.5), dict(lr=0.5, momentum=0.99)],
    "rmsprop": [dict(lr=1e-3), dict(lr=1e-2, alpha=0.9), dict(lr=0.1, eps=1e-3)],
    "adagrad": [dict(lr=1e-2), dict(lr=0.1, lr_decay=0.1), dict(initial_accumulator_value=0.5)],
    "nadam": [dict(lr=1e-3), dict(lr=1e-2, momentum_decay=1e-2), dict(betas=(0.8, 0.9))],
    "radam": [dict(lr=1e-3), dict(lr=1e-2, betas=(0.8, 0.999)), dict(lr=0.1, eps=1e-6)],
    "adamax": [dict(lr=1e-3), dict(lr=1e-2, betas=(0.7, 0.99)), dict(lr=0.1, eps=1e-4)],
}


def models(dtype, n=3):
    return [MLP(2, (5, 4), 1, activation="tanh", dtype=dtype, rng=np.random.default_rng(k))
            for k in range(n)]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", sorted(MEMBERS))
def test_a_kind_steps_each_member_as_its_optimizer(name, dtype):
    ms = models(dtype)
    opts = [build_optimizer(name, m.named_parameters(), **kw)
            for m, kw in zip(ms, MEMBERS[name], strict=True)]
    update = matches(opts[0], ms[0])
    assert update is not None, f"{name}: no stacked update steps like the optimizer"
    P = np.stack([m.params for m in ms])
    kind = Kind(opts, ms[0].params, 0, np.dtype(dtype), update)
    rng = np.random.default_rng(1)
    for t in range(1, 13):  # RAdam rectifies from step 5 on
        G = rng.normal(scale=0.2, size=P.shape).astype(dtype)
        for m, o, g in zip(ms, opts, G, strict=True):
            m.grads[...] = g
            o.step(m.gradients_for(o.params))
        kind.step(P, G, t)
        for k, m in enumerate(ms):
            assert np.array_equal(P[k], m.params), f"{name} member {k}, step {t}"


def test_weight_decay_on_weights_only_is_two_groups_stepped_apart():
    ms = models(np.float64, 2)
    opts = [build_optimizer("adam", m.named_parameters(), lr=1e-2, weight_decay=wd)
            for m, wd in zip(ms, (0.1, 0.3), strict=True)]
    assert len(opts[0].param_groups) == 2
    kind = Kind(opts, ms[0].params, 0, np.dtype(np.float64), matches(opts[0], ms[0]))
    assert len(kind.parts) == 2
    P = np.stack([m.params for m in ms])
    G = np.random.default_rng(2).normal(size=P.shape)
    for m, o, g in zip(ms, opts, G, strict=True):
        m.grads[...] = g
        o.step(m.gradients_for(o.params))
    kind.step(P, G, 1)
    assert all(np.array_equal(P[k], m.params) for k, m in enumerate(ms))


def test_matches_refuses_a_wrong_update():
    m = models(np.float64, 1)[0]
    opt = build_optimizer("adam", m.named_parameters())
    from adamlab.population import steps

    def wrong(p, g, state, h, t, work):
        p -= 1e-3 * g

    steps.UPDATES[type(opt)], saved = (("exp_avg", "exp_avg_sq"), (wrong,)), steps.UPDATES[
        type(opt)]
    try:
        assert matches(opt, m) is None
    finally:
        steps.UPDATES[type(opt)] = saved
