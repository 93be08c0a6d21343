"""A sweep through ``--scheduler`` on a Dask LocalCluster (127.0.0.1, two worker processes):
the scheduler runs the tasks, and every run's weights equal the local run's bit for bit."""

import csv
import json

import pytest
from sweepdata import GRID

from adamlab import sweep
from adamlab.cli import main

distributed = pytest.importorskip(
    "distributed", reason="dask[distributed] is not installed (pip install 'adamlab[dask]')"
)


@pytest.fixture(scope="module")
def cluster():
    """Two single-threaded worker processes on the loopback address, no dashboard. (The
    scheduler's small HTTP server, which it starts even without a dashboard, takes a free port
    on 127.0.0.1 rather than 8787, so concurrent test runs do not collide.)"""
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                  host="127.0.0.1", dashboard_address=None, timeout=60,
                                  scheduler_kwargs={"dashboard_address": "127.0.0.1:0"}) as c:
        yield c
    # leaving the block closes the workers and the scheduler


def read_rows(out):
    return list(csv.DictReader((out / "sweep.csv").read_text().splitlines()))


def adamlab_keys(client):
    """Keys of adamlab's tasks that the scheduler saw finish (from its transition log)."""
    def finished(dask_scheduler):
        return sorted({str(entry[0]) for entry in dask_scheduler.transition_log
                       if str(entry[0]).startswith(sweep.TASK_PREFIX) and entry[2] == "memory"})
    return client.run_on_scheduler(finished)


def scheduled_keys(dask_scheduler):
    """Every task key in the scheduler's transition log."""
    return {str(entry[0]) for entry in dask_scheduler.transition_log}


def test_sweep_on_the_cluster_equals_the_local_sweep(cluster, tmp_path, capsys, reg_file, deadline):
    deadline(120)
    address = cluster.scheduler_address
    assert address.startswith("tcp://127.0.0.1:")
    workers = set(cluster.scheduler_info["workers"])
    assert len(workers) == 2
    with distributed.Client(address, set_as_default=False) as client:
        before = adamlab_keys(client)

    dask_out, local_out = tmp_path / "dask", tmp_path / "local"
    code = main(["sweep", "--data", str(reg_file), *GRID, "--scheduler", address,
                 "--out", str(dask_out), "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert json.loads(out)["where"] == f"dask {address}"
    code = main(["sweep", "--data", str(reg_file), *GRID, "--workers", "1", "--out",
                 str(local_out), "--quiet"])
    assert code == 0, capsys.readouterr().err

    on_cluster, local = read_rows(dask_out), read_rows(local_out)
    assert len(on_cluster) == len(local) == 12
    key = ("optimizer", "lr", "seed", "status", "epochs", "loss", "val_loss", "params_sha256")

    def numbers(rows):
        return [tuple(r[k] for k in key) for r in rows]

    assert numbers(on_cluster) == numbers(local)
    assert {r["status"] for r in on_cluster} == {"ok", "diverged"}  # sgd at lr 3

    # the scheduler ran them: each row names the Dask worker that ran it, and the scheduler's
    # log holds one finished adamlab task per population: two, one per worker thread
    assert {r["worker"] for r in on_cluster} <= workers
    assert not {r["worker"] for r in local} & workers
    with distributed.Client(address, set_as_default=False) as client:
        ran = sorted(set(adamlab_keys(client)) - set(before))
    assert sorted(k.rsplit("-", 1)[1] for k in ran) == ["p0", "p1"]
    assert json.loads((dask_out / "summary.json").read_text())["trained"] == (
        "12 in populations of 6, 6")


def test_single_runs_are_one_task_each(cluster, tmp_path, capsys, reg_file, deadline):
    deadline(120)
    address = cluster.scheduler_address
    with distributed.Client(address, set_as_default=False) as client:
        before = adamlab_keys(client)
    code = main(["sweep", "--data", str(reg_file), *GRID, "--scheduler", address,
                 "--out", str(tmp_path / "s"), "--single-runs", "--quiet"])
    assert code == 0, capsys.readouterr().err
    with distributed.Client(address, set_as_default=False) as client:
        ran = sorted(set(adamlab_keys(client)) - set(before))
    assert sorted(int(k.rsplit("-", 1)[1]) for k in ran) == list(range(12))


def test_the_same_numbers_through_the_library(cluster, deadline):
    deadline(120)
    tasks = sweep.grid({"data": "article", "epochs": 3, "hidden": [4]}, ["adam", "nadam"],
                       [0.01, 0.1], 2)
    client = sweep.connect(cluster.scheduler_address, timeout=30)
    try:
        remote = sweep.collect(sweep.run_dask(tasks, client), len(tasks))
    finally:
        client.close()
    here = sweep.collect(sweep.run_local(tasks), len(tasks))
    assert [r["params_sha256"] for r in remote] == [r["params_sha256"] for r in here]


def test_populations_on_the_cluster_chunked_under_a_tiny_budget(cluster, deadline):
    """Three populations (more than the workers), each trained in chunks of one or two members
    on its worker: the same weights and histories as the single runs here."""
    deadline(120)
    tasks = sweep.grid({"data": "moons", "n_samples": 60, "epochs": 3, "hidden": [4]},
                       ["adam", "rmsprop"], [0.01, 0.1], 2)
    client = sweep.connect(cluster.scheduler_address, timeout=30)
    try:
        remote = sweep.collect(sweep.run_dask_populations(tasks, client, parts=3,
                                                          memory_mb=0.003), len(tasks))
    finally:
        client.close()
    here = sweep.collect(sweep.run_local(tasks), len(tasks))
    assert [r["params_sha256"] for r in remote] == [r["params_sha256"] for r in here]
    assert [r["history"]["loss"] for r in remote] == [r["history"]["loss"] for r in here]
    sizes = [int(r["trained"].rsplit(" ", 1)[1]) for r in remote]
    assert max(sizes) <= 2 and all(r["trained"].startswith("population") for r in remote)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_gridsearchcv_under_the_dask_joblib_backend(cluster, deadline):
    """The other route of docs/scaling.md: scikit-learn's search, its fits run on the cluster."""
    import adamlab

    if not hasattr(adamlab, "MLPClassifier"):
        pytest.skip("adamlab.MLPClassifier is not there yet (src/adamlab/estimators)")
    import joblib
    from sklearn.model_selection import GridSearchCV

    from adamlab.data import load_data

    deadline(120)
    ds = load_data("article")
    model = adamlab.MLPClassifier(hidden_layer_sizes=(8,), max_iter=30, random_state=0)
    grid = {"optimizer": ["adam", "sgd"], "learning_rate_init": [1e-3, 1e-1]}
    local = GridSearchCV(model, grid, cv=2).fit(ds.X, ds.y)
    with distributed.Client(cluster.scheduler_address) as client:
        before = client.run_on_scheduler(scheduled_keys)
        with joblib.parallel_backend("dask"):
            remote = GridSearchCV(model, grid, cv=2).fit(ds.X, ds.y)
        ran = client.run_on_scheduler(scheduled_keys) - before
    assert any("fit_and_score" in key for key in ran), sorted(ran)[:5]  # the fits ran there
    assert remote.best_params_ == local.best_params_
    for key in ("mean_test_score", "split0_test_score", "split1_test_score"):
        assert list(remote.cv_results_[key]) == list(local.cv_results_[key]), key


def test_runs_left_without_a_worker_come_back_failed_instead_of_waiting(deadline):
    deadline(120)
    with distributed.LocalCluster(n_workers=1, processes=True, threads_per_worker=1,
                                  host="127.0.0.1", dashboard_address=None, timeout=60,
                                  scheduler_kwargs={"dashboard_address": "127.0.0.1:0"}) as lonely:
        tasks = sweep.grid({"data": "article", "epochs": 2, "hidden": [4]}, ["adam"], [0.01], 3)
        client = sweep.connect(lonely.scheduler_address, timeout=30)
        try:
            lonely.scale(0)  # its only worker leaves: nothing would ever run the tasks
            out = sweep.collect(sweep.run_dask(tasks, client, idle_timeout=1), len(tasks))
        finally:
            client.close()
    assert all(r["status"] == "failed" and "no worker for 1 s" in r["error"] for r in out)


def test_bench_on_the_cluster_equals_the_local_bench(cluster, tmp_path, capsys, deadline):
    """``adamlab bench --scheduler``: its populations run as the cluster's tasks, and the
    leaderboard's figures are the local run's."""
    deadline(240)
    argv = ["bench", "--suite", "quick", "--optimizers", "adam,sgd", "--budget", "2",
            "--seeds", "2", "--json", "--quiet"]
    assert main([*argv, "--out", str(tmp_path / "local")]) == 0
    local = json.loads(capsys.readouterr().out)
    with distributed.Client(cluster.scheduler_address) as client:
        before = set(adamlab_keys(client))
    assert main([*argv, "--scheduler", cluster.scheduler_address,
                 "--out", str(tmp_path / "remote")]) == 0
    remote = json.loads(capsys.readouterr().out)
    assert remote["entries"] == local["entries"] and remote["ranking"] == local["ranking"]
    with distributed.Client(cluster.scheduler_address) as client:
        assert set(adamlab_keys(client)) - before  # the populations ran on the cluster
