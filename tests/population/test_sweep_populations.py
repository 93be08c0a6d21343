"""A sweep run as populations yields the results a sweep of single runs yields: whole, in
chunks under a tiny memory budget, with a run the stack cannot train run alone, and with a
bad run failing alone."""

from __future__ import annotations

import pytest

from adamlab.experiment import Settings
from adamlab.sweep import collect, grid, run_local, trained_note
from adamlab.sweep.populations import populations, run_local_populations
from tests.population._same import comparable


def tasks():
    base = Settings(data="moons", n_samples=80, hidden=[6], epochs=2)
    return grid(base, ["adam", "momentum"], [1e-2, 1e-1], 2)


def same_as_single(pops, single):
    for a, b in zip(pops, single, strict=True):
        a, b = dict(a), dict(b)
        a.pop("worker"), b.pop("worker"), a.pop("trained")
        assert comparable(a) == comparable(b)


def test_populations_split_the_grid_in_near_equal_parts():
    t = tasks()
    parts = populations(t, 3)
    assert sorted(i for p in parts for i in p) == list(range(len(t)))
    assert [len(p) for p in parts] == [3, 3, 2]


def test_populations_keep_runs_of_other_shapes_apart():
    t = tasks() + grid(Settings(data="moons", n_samples=80, hidden=[5], epochs=2), ["adam"],
                       [1e-2], 2)
    parts = populations(t, 2)
    assert sorted(i for p in parts for i in p) == list(range(len(t)))
    hidden = [{tuple(t[i]["hidden"]) for i in p} for p in parts]
    assert all(len(h) == 1 for h in hidden) and {(6,), (5,)} == set().union(*hidden)


def test_run_local_populations_equals_run_local():
    t = tasks()
    single = collect(run_local(t), len(t))
    pops = collect(run_local_populations(t, workers=1), len(t))
    same_as_single(pops, single)
    assert {r["trained"] for r in pops} == {"population of 8"}
    assert trained_note(pops) == "8 in populations of 8"


@pytest.mark.parametrize("memory_mb", [0.004, 1e-9])  # a few members per chunk; one each
def test_chunks_under_a_tiny_budget_give_the_same_results(memory_mb):
    t = tasks()
    single = collect(run_local(t), len(t))
    pops = collect(run_local_populations(t, workers=1, memory_mb=memory_mb), len(t))
    same_as_single(pops, single)
    sizes = {int(r["trained"].rsplit(" ", 1)[1]) for r in pops}
    assert max(sizes) < len(t)  # chunked, really
    if memory_mb < 1e-6:
        assert sizes == {1}


def test_a_run_the_stack_cannot_train_runs_alone_and_says_why():
    t = tasks()
    t[2] = {**t[2], "dropout": 0.2}
    single = collect(run_local(t), len(t))
    pops = collect(run_local_populations(t, workers=1), len(t))
    same_as_single(pops, single)
    assert pops[2]["trained"].startswith("alone: dropout")
    assert trained_note(pops) == ("7 in populations of 7, "
                                  "1 alone (1: dropout (not stacked yet))")


def test_a_bad_run_fails_alone():
    t = tasks()
    t[1] = {**t[1], "lr": -1.0}
    out = collect(run_local_populations(t, workers=1), len(t))
    assert out[1]["status"] == "failed" and "lr must be" in out[1]["error"]
    assert all(r["status"] == "ok" for i, r in enumerate(out) if i != 1)
    single = collect(run_local(t), len(t))
    same_as_single([r for i, r in enumerate(out) if i != 1],
                   [r for i, r in enumerate(single) if i != 1])
