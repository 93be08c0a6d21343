"""A sweep run as populations yields the results a sweep of single runs yields."""

from __future__ import annotations

from adamlab.experiment import Settings
from adamlab.sweep import collect, grid, run_local
from adamlab.sweep.populations import populations, run_local_populations
from tests.population._same import comparable


def tasks():
    base = Settings(data="moons", n_samples=80, hidden=[6], epochs=2)
    return grid(base, ["adam", "momentum"], [1e-2, 1e-1], 2)


def test_populations_split_the_grid_in_near_equal_parts():
    t = tasks()
    parts = populations(t, 3)
    assert sorted(i for p in parts for i in p) == list(range(len(t)))
    assert [len(p) for p in parts] == [3, 3, 2]


def test_run_local_populations_equals_run_local():
    t = tasks()
    single = collect(run_local(t), len(t))
    pops = collect(run_local_populations(t, workers=1), len(t))
    for a, b in zip(pops, single, strict=True):
        a, b = dict(a), dict(b)
        a.pop("worker"), b.pop("worker")
        assert comparable(a) == comparable(b)


def test_a_bad_run_fails_alone():
    t = tasks()
    t[1] = {**t[1], "lr": -1.0}
    out = collect(run_local_populations(t, workers=1), len(t))
    assert out[1]["status"] == "failed" and "lr must be" in out[1]["error"]
    assert all(r["status"] == "ok" for i, r in enumerate(out) if i != 1)
