"""adamlab.sweep as functions: the grid, one task, local execution, collection, the best setting."""

import math
import re

import pytest

from adamlab import sweep
from adamlab.experiment import Settings

BASE = Settings(data="article", epochs=3, hidden=[4])


def test_grid_is_every_combination_optimizer_major():
    tasks = sweep.grid(BASE, ["adam", "sgd"], [1e-3, 1e-1], 3)
    assert len(tasks) == 12
    assert [(t["optimizer"], t["lr"], t["seed"]) for t in tasks[:4]] == [
        ("adam", 1e-3, 0), ("adam", 1e-3, 1), ("adam", 1e-3, 2), ("adam", 1e-1, 0)]
    assert all(Settings.from_dict(t).epochs == 3 for t in tasks)  # each a valid Settings dict
    assert {t["data_seed"] for t in tasks} == {0}  # synthetic data drawn once for the grid
    assert [t["seed"] for t in sweep.grid(BASE, ["adam"], [0.1], [5, 7])] == [5, 7]


def test_grid_makes_data_paths_absolute(reg_file, monkeypatch):
    monkeypatch.chdir(reg_file.parent)
    (task,) = sweep.grid({**BASE.to_dict(), "data": reg_file.name}, ["adam"], [0.1], 1)
    assert task["data"] == str(reg_file)
    (task,) = sweep.grid(BASE, ["adam"], [0.1], 1)
    assert task["data"] == "article"  # a built-in name stays a name


@pytest.mark.parametrize(
    "optimizers, lrs, seeds, fragment",
    [
        (["adma"], [0.1], 1, "adma"),
        ([], [0.1], 1, "optimizer"),
        (["adam"], [0.0], 1, "learning rates"),
        (["adam"], [math.inf], 1, "learning rates"),
        (["adam"], [], 1, "learning rates"),
        (["adam"], [0.1], 0, "seeds"),
        (["adam"], [0.1], [-1], "seeds"),
    ],
)
def test_grid_refuses_bad_axes(optimizers, lrs, seeds, fragment):
    with pytest.raises(ValueError, match=fragment):
        sweep.grid(BASE, optimizers, lrs, seeds)


def test_a_task_returns_its_index_and_result():
    (task,) = sweep.grid(BASE, ["adam"], [0.05], 1)
    i, r = sweep.run_task(7, task)
    assert i == 7 and r["status"] == "ok" and r["epochs"] == 3
    assert len(r["params_sha256"]) == 64 and r["worker"]
    assert r["settings"] == task


def test_a_run_that_raises_is_a_failed_row_not_an_exception():
    (task,) = sweep.grid(BASE, ["adam"], [0.05], 1)
    i, r = sweep.run_task(0, {**task, "data": "/no/such/file.csv"})
    assert r["status"] == "failed" and "file.csv" in r["error"]
    assert r["params_sha256"] is None and r["final"]["val_loss"] is None
    (row,) = sweep.table([r])
    assert row["status"] == "failed" and set(row) == set(sweep.COLUMNS)


def test_a_diverged_run_is_a_row_marked_diverged(reg_file):
    (task,) = sweep.grid({**BASE.to_dict(), "data": str(reg_file), "epochs": 40}, ["sgd"], [3.0], 1)
    _, r = sweep.run_task(0, task)
    assert r["status"] == "diverged" and "diverged" in r["error"]


def test_local_processes_give_the_same_numbers_as_this_process():
    tasks = sweep.grid(BASE, ["adam", "sgd"], [0.01, 0.3], 2)
    here = sweep.collect(sweep.run_local(tasks, workers=1), len(tasks))
    there = sweep.collect(sweep.run_local(tasks, workers=2), len(tasks))
    assert [r["params_sha256"] for r in here] == [r["params_sha256"] for r in there]
    assert [untimed(r["history"]) for r in here] == [untimed(r["history"]) for r in there]
    assert len({r["worker"] for r in there} - {r["worker"] for r in here}) >= 1  # other processes


def untimed(history):
    return {k: v for k, v in history.items() if k != "time"}


def test_collect_restores_grid_order_and_reports_each_result():
    seen = []
    out = sweep.collect([(2, "c"), (0, "a"), (1, "b")], 3, lambda i, r: seen.append(i))
    assert out == ["a", "b", "c"] and seen == [2, 0, 1]
    with pytest.raises(RuntimeError, match="runs"):
        sweep.collect([(0, "a")], 2)


def row(opt, lr, seed, val_loss, status="ok"):
    return {"optimizer": opt, "lr": lr, "seed": seed, "status": status, "val_loss": val_loss,
            "loss": val_loss}


def test_best_is_the_lowest_mean_among_settings_whose_every_seed_finished():
    rows = [
        row("adam", 0.01, 0, 0.30), row("adam", 0.01, 1, 0.20),  # mean 0.25
        row("sgd", 0.1, 0, 0.10), row("sgd", 0.1, 1, None, "diverged"),  # one seed lost
        row("sgd", 0.01, 0, 0.28), row("sgd", 0.01, 1, 0.24),  # mean 0.26
    ]
    b = sweep.best(rows)
    assert (b["optimizer"], b["lr"], b["seed"], b["seeds"]) == ("adam", 0.01, 1, 2)
    assert b["mean"] == pytest.approx(0.25) and b["value"] == 0.20 and b["metric"] == "val_loss"
    assert sweep.best([row("sgd", 1.0, 0, None, "diverged")]) is None


def test_the_metric_is_the_training_loss_without_validation():
    rows = [{**row("adam", 0.1, 0, None), "loss": 0.5}]
    assert sweep.metric_of(rows) == "loss"
    assert sweep.best(rows)["value"] == 0.5


class FakeClient:
    """What connect() asks of a distributed.Client: workers joining, and adamlab's version."""

    def __init__(self, versions, joins=True):
        self.versions, self.joins = versions, joins

    def wait_for_workers(self, n, timeout):
        if not self.joins:
            raise TimeoutError

    def run(self, function, *args, on_error):
        return dict(self.versions)


@pytest.mark.parametrize(
    "client, fragment",
    [
        (FakeClient({}, joins=False), "has no workers"),
        (FakeClient({"tcp://w1": "0.1.0", "tcp://w2": ModuleNotFoundError("adamlab")}),
         "not installed on Dask worker(s) tcp://w2"),
        (FakeClient({"tcp://w1": "0.0.9"}), "adamlab 0.0.9"),
    ],
)
def test_workers_that_cannot_run_adamlab_are_refused_up_front(client, fragment, monkeypatch):
    import importlib.metadata

    monkeypatch.setattr(importlib.metadata, "version", lambda name: "0.1.0")
    with pytest.raises(sweep.SchedulerError, match=re.escape(fragment)):
        sweep._check_workers(client, "tcp://h:8786", timeout=1)
    sweep._check_workers(FakeClient({"tcp://w1": "0.1.0"}), "tcp://h:8786", timeout=1)
