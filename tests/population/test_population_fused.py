"""The compiled stacked updates (``population.fused``) give the NumPy stacked updates'
numbers (``population.steps``, their reference) bit for bit: weights and every state array,
step after step, in float32 and float64, for each branch (amsgrad, ε-hat, maximize, coupled
and decoupled decay, torch's two lerp branches, momentum, dampening, Nesterov, centered),
members' hyperparameters differing within a kind."""

from __future__ import annotations

import functools

import numpy as np
import pytest

from adamlab import _jit
from adamlab.nn import MLP
from adamlab.optim import build_optimizer
from adamlab.population import fused, steps
from adamlab.population.kinds import Kind, matches
from adamlab.population.terms import ONCE

pytestmark = pytest.mark.skipif(not _jit.available(), reason="needs numba (ADAMLAB_JIT != 0)")

ADAM = functools.partial(steps.adam, ONCE)

# name -> (the NumPy reference, the compiled twin, three members' arguments: one kind)
CASES = {
    "adam": (ADAM, fused.adam, [dict(lr=1e-3), dict(lr=3e-2, betas=(0.8, 0.99)),
                                dict(lr=0.1, eps=1e-4)]),
    "adam-l2": (ADAM, fused.adam, [dict(weight_decay=0.1), dict(lr=1e-2, weight_decay=1e-3),
                                   dict(lr=0.3, weight_decay=0.5)]),
    "adamw": (ADAM, fused.adam, [dict(lr=1e-3), dict(lr=1e-2, weight_decay=0.1),
                                 dict(lr=0.1, betas=(0.9, 0.9))]),
    "amsgrad": (ADAM, fused.adam, [dict(lr=1e-3), dict(lr=1e-2, betas=(0.7, 0.95)),
                                   dict(lr=0.1)]),
    "adam-eps-hat": (ADAM, fused.adam, [dict(eps_hat=True), dict(eps_hat=True, lr=0.05),
                                        dict(eps_hat=True, eps=1e-3, betas=(0.8, 0.9))]),
    "adam-maximize-l2": (ADAM, fused.adam, [dict(maximize=True, weight_decay=0.1),
                                            dict(maximize=True, weight_decay=0.01, lr=0.1),
                                            dict(maximize=True, weight_decay=0.2, lr=1e-2)]),
    "adam-lerp-large": (ADAM, fused.adam, [dict(betas=(0.3, 0.9)), dict(betas=(0.1, 0.99)),
                                           dict(betas=(0.4, 0.5), lr=0.1)]),
    "sgd": (steps.sgd, fused.sgd, [dict(lr=1e-3), dict(lr=0.1), dict(lr=0.5)]),
    "sgd-l2-maximize": (steps.sgd, fused.sgd, [dict(weight_decay=0.1, maximize=True),
                                               dict(weight_decay=0.3, maximize=True, lr=0.1),
                                               dict(weight_decay=1e-3, maximize=True)]),
    "momentum": (steps.sgd, fused.sgd, [dict(lr=1e-3), dict(lr=0.1, momentum=0.5),
                                        dict(lr=0.5, dampening=0.2, weight_decay=0.1)]),
    "nesterov": (steps.sgd, fused.sgd, [dict(lr=1e-3), dict(lr=0.1, momentum=0.5),
                                        dict(lr=0.5, momentum=0.99)]),
    "rmsprop": (steps.rmsprop_fma, fused.rmsprop, [dict(lr=1e-3), dict(lr=1e-2, alpha=0.9),
                                                   dict(lr=0.1, eps=1e-3)]),
    "rmsprop-centered-momentum": (steps.rmsprop_fma, fused.rmsprop, [
        dict(centered=True, momentum=0.5), dict(centered=True, momentum=0.9, lr=0.1),
        dict(centered=True, momentum=0.3, weight_decay=0.1, maximize=False)]),
    "rmsprop-centered-lerp-large": (steps.rmsprop_fma, fused.rmsprop, [
        dict(centered=True, alpha=0.3), dict(centered=True, alpha=0.2, lr=0.1),
        dict(centered=True, alpha=0.4, eps=1e-4)]),
    "rmsprop-maximize-l2": (steps.rmsprop_fma, fused.rmsprop, [
        dict(maximize=True, weight_decay=0.1), dict(maximize=True, weight_decay=0.2),
        dict(maximize=True, weight_decay=1e-2, momentum=0.0)]),
}


def _optimizer_name(case):
    return case.split("-")[0]  # the registry's name


def _gradients(rng, shape, dtype):
    """Magnitudes spread over decades, some exactly 0 (as kinds.matches probes)."""
    g = rng.normal(size=shape) * np.exp(rng.normal(scale=3.0, size=shape))
    g[:, ::7] = 0.0
    return g.astype(dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case", sorted(CASES))
def test_the_compiled_update_is_the_numpy_update_bit_for_bit(case, dtype):
    reference, compiled, members = CASES[case]
    ms = [MLP(2, (5, 4), 1, activation="tanh", dtype=dtype, rng=np.random.default_rng(k))
          for k in range(len(members))]
    opts = [build_optimizer(_optimizer_name(case), m.named_parameters(), **kw)
            for m, kw in zip(ms, members, strict=True)]
    kinds = [Kind(opts, ms[0].params, 0, np.dtype(dtype), u) for u in (reference, compiled)]
    P = np.stack([m.params for m in ms])
    Ps = [P.copy(), P.copy()]
    rng = np.random.default_rng(7)
    with np.errstate(all="ignore"):
        for t in range(1, 9):
            G = _gradients(rng, P.shape, dtype)
            for kind, Q in zip(kinds, Ps, strict=True):
                kind.step(Q, G.copy(), t)
            assert np.array_equal(Ps[0], Ps[1], equal_nan=True), f"{case} weights, step {t}"
            for (*_, ref, _), (*_, got, _) in zip(kinds[0].parts, kinds[1].parts, strict=True):
                assert ref.keys() == got.keys()
                for name in ref:
                    assert np.array_equal(ref[name], got[name], equal_nan=True), \
                        f"{case} {name}, step {t}"


def test_the_cases_cover_two_groups_and_are_the_chosen_updates():
    """Weight decay puts the biases in a second group (a strided column range of the rows);
    and ``kinds.matches`` picks the compiled update for each optimizer (so the population and
    these tests exercise the same code)."""
    m = MLP(2, (5, 4), 1, activation="tanh", rng=np.random.default_rng(0))
    opt = build_optimizer("adam", m.named_parameters(), weight_decay=0.1)
    kind = Kind([opt], m.params, 0, np.dtype(np.float64), fused.adam)
    assert len(kind.parts) == 2
    for case, (_, compiled, members) in CASES.items():
        opt = build_optimizer(_optimizer_name(case), m.named_parameters(), **members[-1])
        assert matches(opt, m) is compiled, case


def test_without_numba_the_numpy_updates_are_chosen(monkeypatch):
    m = MLP(2, (5, 4), 1, activation="tanh", rng=np.random.default_rng(0))
    monkeypatch.setattr(_jit, "available", lambda: False)
    for name, numpy_update in (("sgd", steps.sgd), ("rmsprop", steps.rmsprop_fma)):
        assert matches(build_optimizer(name, m.named_parameters()), m) is numpy_update
    chosen = matches(build_optimizer("adam", m.named_parameters()), m)
    assert chosen.func is steps.adam and chosen.args == (ONCE,)


def test_an_adam_built_with_fused_false_steps_by_numpy_in_the_population_too():
    """fused=False means the optimizer's NumPy code: its members take the NumPy stacked update
    (the same numbers; the contract is about which code runs)."""
    m = MLP(2, (5, 4), 1, activation="tanh", rng=np.random.default_rng(0))
    chosen = matches(build_optimizer("adam", m.named_parameters(), fused=False), m)
    assert chosen.func is steps.adam and chosen.args == (ONCE,)
    assert matches(build_optimizer("adam", m.named_parameters()), m) is fused.adam
