"""What happens to one member leaves the others alone: divergence, early stopping, the end of
a shorter run; chunking changes nothing; runs a population cannot train run alone."""

from __future__ import annotations

import pytest

from adamlab import _jit
from adamlab.experiment import Settings, run
from adamlab.population import member_bytes, run_population
from adamlab.population import steps as steps_module
from tests.population._same import assert_same, comparable


def small(**kw) -> Settings:
    base = dict(data="moons", n_samples=100, hidden=[8, 8], epochs=3, batch_size=16)
    base.update(kw)
    return Settings(**base)


def test_diverging_members_leave_the_others_as_their_single_runs():
    grid = [small(activation="relu", optimizer=o, lr=lr, seed=1, epochs=4)
            for o in ("sgd", "adam") for lr in (1e200, 1e30, 1e3, 1e-2)]
    got = run_population(grid)
    for g, s in zip(got, grid, strict=True):
        assert_same(g, run(s))
    statuses = {g["status"] for g in got}
    assert statuses == {"ok", "diverged"}  # both happened
    errors = [g["error"] or "" for g in got]
    assert any("training loss is nan" in e for e in errors)  # non-finite
    assert any("more than 1000× where it started" in e for e in errors)  # finite, exploded


def test_early_stopping_and_shorter_runs_leave_the_others_alone():
    grid = [small(optimizer="adam", lr=0.3, early_stopping=1, epochs=20, seed=0),
            small(optimizer="adam", lr=0.3, early_stopping=2, monitor="val_accuracy", epochs=20),
            small(optimizer="adam", lr=0.3, early_stopping=2, monitor="loss", epochs=20),
            small(optimizer="adam", lr=1e-3, epochs=12, seed=0),
            small(optimizer="adam", lr=1e-3, epochs=2, seed=3),
            small(optimizer="nesterov", lr=0.05, epochs=7, seed=2)]
    got = run_population(grid)
    for g, s in zip(got, grid, strict=True):
        assert_same(g, run(s))
    assert got[0]["epochs"] < 20 and got[1]["epochs"] < 20  # they did stop early
    assert [g["epochs"] for g in got[3:]] == [12, 2, 7]


def test_two_threads_give_the_results_of_one():
    grid = [small(optimizer=o, seed=s) for o in ("adam", "nesterov") for s in (0, 1, 2)]
    one, two = run_population(grid), run_population(grid, workers=2)
    assert [comparable(a) for a in two] == [comparable(b) for b in one]
    with pytest.raises(ValueError, match="workers must be an integer >= 1"):
        run_population(grid, workers=0)


def test_chunks_give_the_results_of_one_population():
    grid = [small(optimizer=o, lr=lr, seed=s) for o in ("adam", "rmsprop")
            for lr in (1e-3, 1e-2) for s in (0, 1, 2)]
    whole = run_population(grid)
    from adamlab.experiment import prepare
    one = member_bytes(prepare(grid[0])) / 2**20
    for mb in (one, 2.5 * one):  # chunks of 1 and of 2 members
        parts = run_population(grid, memory_mb=mb)
        assert [comparable(a) for a in parts] == [comparable(b) for b in whole]


def test_settings_a_population_cannot_train_run_alone():
    grid = [small(dropout=0.2), small(clip_norm=1.0), small(l2=1e-3), small(optimizer="lion"),
            small(optimizer="adam", seed=7)]
    got = run_population(grid)
    for g, s in zip(got, grid, strict=True):
        assert_same(g, run(s))


def test_an_optimizer_whose_twin_no_longer_matches_steps_alone(monkeypatch):
    """The safety net: a stacked update that does not step like the optimizer is never used."""
    def wrong(p, g, state, h, t, work):
        p -= 1e-3 * g  # not Adam

    monkeypatch.setitem(steps_module.UPDATES, steps_module.Adam,
                        (("exp_avg", "exp_avg_sq"), (wrong,)))
    grid = [small(optimizer="adam", seed=s) for s in (0, 1)]
    for g, s in zip(run_population(grid), grid, strict=True):
        assert_same(g, run(s))


def test_the_numpy_path_without_numba(monkeypatch):
    """ADAMLAB_JIT=0: no compiled kernels in the members' models or in the population."""
    monkeypatch.setenv("ADAMLAB_JIT", "0")
    _jit.numba_module.cache_clear()
    try:
        assert not _jit.available()
        grid = [small(optimizer=o, seed=s, dtype=d) for o in ("adam", "sgd")
                for s in (0, 1) for d in ("float64", "float32")]
        for g, s in zip(run_population(grid), grid, strict=True):
            assert_same(g, run(s))
    finally:
        monkeypatch.delenv("ADAMLAB_JIT")
        _jit.numba_module.cache_clear()


def test_a_population_of_different_shapes_is_split_by_shape():
    grid = [small(hidden=[8]), small(hidden=[4, 4]), small(n_samples=60), small(batch_size=5),
            small(dtype="float32"), small(val_fraction=0.0)]
    for g, s in zip(run_population(grid), grid, strict=True):
        assert_same(g, run(s))
