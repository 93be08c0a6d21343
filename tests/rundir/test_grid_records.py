"""rundir.grid with stand-in executors (no training): any iterator of (position, result) pairs
fits — one run at a time or a population at once, in any order — each pair is on disk the moment
it is yielded, an interrupted executor is closed, and records read back exactly."""

import math

import pytest

from adamlab.rundir.grid import Grid

TASKS = [{"data": "moons", "optimizer": "adam", "lr": lr, "seed": s}
         for lr in (0.01, 0.1) for s in (0, 1, 2)]


def result(task, status="ok", loss=0.1):
    return {"status": status, "settings": task, "final": {"loss": loss, "val_loss": None},
            "history": {"loss": [1.0, loss]}, "seconds": 0.5, "params_sha256": "x"}


def populations(tasks):
    """Two populations, finishing last one first, each yielding its runs together."""
    groups = [[0, 2, 4], [1, 3, 5]][::-1]
    for g in groups:
        yield from ((j, result(tasks[j], loss=0.1 * (j + 1))) for j in g if j < len(tasks))


def test_a_population_executor_keeps_every_run_as_it_comes(tmp_path):
    grid = Grid.start(tmp_path, "sweep", {"seeds": 3}, {"data": "moons"}, TASKS)
    seen = []
    grid.run(populations, lambda i, r: seen.append((i, len(list((tmp_path / "runs").glob("*"))))))
    assert [i for i, _ in seen] == [1, 3, 5, 0, 2, 4]
    assert [n for _, n in seen] == [1, 2, 3, 4, 5, 6]  # on disk before the next one is asked for
    again = Grid.load(tmp_path, "sweep")
    assert again.missing() == [] and again.results() == grid.results()
    assert [r["final"]["loss"] for r in again.results()] == [0.1 * (j + 1) for j in range(6)]


def test_an_interrupted_executor_is_closed_and_only_the_missing_runs_go_again(tmp_path):
    grid = Grid.start(tmp_path, "sweep", {}, {}, TASKS)
    closed = []

    def interrupted(tasks):
        try:
            for j in range(2):
                yield j, result(tasks[j])
            raise KeyboardInterrupt
        finally:
            closed.append(True)

    with pytest.raises(KeyboardInterrupt):
        grid.run(interrupted)
    assert closed and grid.recount() == 2
    asked = []

    def rest(tasks):
        asked.extend(t["seed"] for t in tasks)
        return ((j, result(t)) for j, t in enumerate(tasks))

    resumed = Grid.load(tmp_path, "sweep")
    assert resumed.missing() == [2, 3, 4, 5]
    resumed.run(rest)
    assert asked == [2, 0, 1, 2] and resumed.missing() == []


def test_failed_runs_are_recorded_but_run_again_and_non_finite_numbers_round_trip(tmp_path):
    grid = Grid.start(tmp_path, "sweep", {}, {}, TASKS[:3])
    grid.run(lambda tasks: iter([(0, result(tasks[0], loss=math.inf)),
                                 (1, result(tasks[1], "failed")),
                                 (2, result(tasks[2], loss=math.nan))]))
    loaded = Grid.load(tmp_path, "sweep")
    assert loaded.missing() == [1]
    losses = [r["final"]["loss"] for r in loaded.results()]
    assert losses[0] == math.inf and math.isnan(losses[2])
    assert loaded.results()[1]["status"] == "failed"
