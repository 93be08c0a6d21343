"""Each member of a population equals its single run (``experiment.run``) bit for bit: final
weights (their SHA-256), every history column but the clock, status, error, epochs, steps."""

from __future__ import annotations

import pytest

from adamlab.experiment import Settings, run
from adamlab.population import run_population
from tests.population._same import assert_same

ELEVEN = ["adam", "adamw", "amsgrad", "sgd", "momentum", "nesterov", "rmsprop", "adagrad",
          "nadam", "radam", "adamax"]


def small(**kw) -> Settings:
    base = dict(data="moons", n_samples=100, hidden=[8, 8], epochs=3, batch_size=16)
    base.update(kw)
    return Settings(**base)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_the_eleven_optimizers_two_lrs_two_seeds(dtype):
    grid = [small(optimizer=o, lr=lr, seed=s, dtype=dtype)
            for o in ELEVEN for lr in (3e-3, 3e-2) for s in (0, 1)]
    for got, s in zip(run_population(grid), grid, strict=True):
        assert_same(got, run(s))


@pytest.mark.parametrize("schedule", ["step", "exponential", "cosine", "plateau"])
def test_schedules(schedule):
    grid = [small(optimizer=o, lr=lr, seed=s, schedule=schedule, epochs=4)
            for o in ("adam", "momentum") for lr in (1e-2, 5e-2) for s in (0, 3)]
    for got, s in zip(run_population(grid), grid, strict=True):
        assert_same(got, run(s))


def test_hyperparameters_per_member_within_one_kind():
    """Members of one optimizer class with different betas, eps, weight decay (on weights only,
    and on the biases too), momentum, dampening and activations of one kind."""
    grid = [
        small(optimizer="adam", betas=[0.8, 0.99], eps=1e-6, seed=1),
        small(optimizer="adam", betas=[0.95, 0.9], seed=2),
        small(optimizer="adam", weight_decay=1e-2, seed=1),
        small(optimizer="adam", weight_decay=1e-2, decay_biases=True, seed=1),
        small(optimizer="adamw", weight_decay=0.1, lr=0.02, seed=4),
        small(optimizer="adam", eps_hat=True, seed=5),
        small(optimizer="sgd", momentum=0.5, optimizer_args={"dampening": 0.3}, lr=0.1),
        small(optimizer="sgd", momentum=0.7, weight_decay=1e-3, lr=0.05),
        small(optimizer="rmsprop", optimizer_args={"centered": True, "alpha": 0.9}, lr=1e-3),
        small(optimizer="rmsprop", momentum=0.5, lr=1e-3),
        small(optimizer="adagrad", optimizer_args={"lr_decay": 0.01,
                                                   "initial_accumulator_value": 0.1}),
        small(optimizer="nadam", optimizer_args={"momentum_decay": 8e-3}, seed=2),
        small(optimizer="radam", betas=[0.9, 0.9], seed=2),
        small(optimizer="adamax", betas=[0.7, 0.99], seed=3),
    ]
    for got, s in zip(run_population(grid), grid, strict=True):
        assert_same(got, run(s))


@pytest.mark.parametrize("arch", [
    dict(activation="relu", hidden=[16]),
    dict(activation="gelu", hidden=[4, 8, 4]),
    dict(activation="tanh", hidden=[]),
    dict(data="blobs", activation="tanh", hidden=[8]),  # softmax head
])
def test_architectures_and_heads(arch):
    grid = [small(optimizer=o, seed=s, **arch) for o in ("adam", "nesterov") for s in (0, 1)]
    for got, s in zip(run_population(grid), grid, strict=True):
        assert_same(got, run(s))


def test_full_batch_and_a_short_last_batch():
    grid = [small(batch_size=b, seed=s) for b in (None, 7) for s in (0, 1)]
    for got, s in zip(run_population(grid), grid, strict=True):
        assert_same(got, run(s))
