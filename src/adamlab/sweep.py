"""Sweeps: optimizer × learning rate × seed grids of independent runs, here or on a Dask cluster.

A sweep is a list of ``experiment.Settings`` dicts (:func:`grid`). Each is one task,
``run_task(index, settings) -> (index, result)``, which is ``experiment.run(settings)``: a task
needs nothing but its settings, and loads its data itself (a built-in name, or a file path that
every worker can read at that same path). A diverged run is a result like any other; a task
that raises is a result too, with ``status="failed"`` and the error.

Where a task runs does not change its numbers. Everything random derives from the run's seed,
and every task runs with one BLAS thread (parallelism is across runs), so a grid gives
bit-identical weights (``params_sha256``) in this process, in joblib's processes and on Dask
workers, given the same adamlab, NumPy and BLAS on the same kind of CPU.

Execution, both yielding ``(index, result)`` as runs finish:

* :func:`run_local` — ``workers`` joblib processes (``workers=1``: this process, in order);
* :func:`run_dask` — an existing Dask scheduler through a ``distributed.Client``
  (:func:`connect`); ``pip install adamlab[dask]``.

:func:`collect` puts results back in grid order; :func:`table` flattens them into rows;
:func:`best` picks the best optimizer and learning rate.
"""

from __future__ import annotations

import math
import os
import socket
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from adamlab.experiment import Settings
from adamlab.optim import OPTIMIZERS

#: Columns of one row of a sweep (``table``), in the order ``sweep.csv`` writes them.
COLUMNS = (
    "optimizer",
    "lr",
    "seed",
    "status",
    "epochs",
    "loss",
    "accuracy",
    "val_loss",
    "val_accuracy",
    "seconds",
    "worker",
    "params_sha256",
    "error",
)

#: Dask task keys start with this, so a cluster's dashboard and logs name adamlab's runs.
TASK_PREFIX = "adamlab-run"

Result = dict[str, Any]


class DaskMissing(ImportError):
    """``--scheduler`` without ``dask[distributed]`` installed."""


class SchedulerError(RuntimeError):
    """The scheduler cannot be reached, has no workers, or its workers cannot run adamlab."""


# ---- the grid ---------------------------------------------------------------------------------


def grid(
    base: Settings | dict[str, Any],
    optimizers: Sequence[str],
    lrs: Sequence[float],
    seeds: int | Sequence[int],
) -> list[dict[str, Any]]:
    """Every (optimizer, lr, seed) combination as a Settings dict, optimizer-major.

    ``seeds`` is a count K (seeds 0..K-1) or the seeds themselves. As in ``adamlab compare``,
    synthetic data is drawn once for the whole grid (``data_seed``: the base's, else 0), so
    seeds differ in split, initial weights and shuffling, not in the data. A data file's path is
    made absolute, so workers started elsewhere find it.
    """
    b = (base if isinstance(base, Settings) else Settings.from_dict(base)).to_dict()
    seeds = list(range(seeds)) if isinstance(seeds, int) else list(seeds)
    unknown = [o for o in optimizers if o not in OPTIMIZERS]
    if unknown or not optimizers:
        raise ValueError(
            f"unknown optimizer(s) {', '.join(unknown) or '(none given)'}; "
            f"choose from: {', '.join(OPTIMIZERS)}"
        )
    bad = [lr for lr in lrs if not (isinstance(lr, (int, float)) and math.isfinite(lr) and lr > 0)]
    if bad or not lrs:
        raise ValueError(f"learning rates must be finite numbers > 0, got {list(lrs)!r}")
    if not seeds or any(not isinstance(s, int) or s < 0 for s in seeds):
        raise ValueError(f"seeds must be a count >= 1 or whole numbers >= 0, got {seeds!r}")
    b.update(_absolute_paths(b), data_seed=b["data_seed"] if b["data_seed"] is not None else 0)
    return [
        {**b, "optimizer": o, "lr": float(lr), "seed": s}
        for o in optimizers
        for lr in lrs
        for s in seeds
    ]


def _absolute_paths(s: dict[str, Any]) -> dict[str, Any]:
    from adamlab.data.files import is_file_source

    out: dict[str, Any] = {}
    if is_file_source(s["data"]):
        out["data"] = str(Path(s["data"]).expanduser().absolute())
        target = s.get("target")
        if target and Path(target).suffix.lower() == ".npy":  # the y.npy of an X.npy
            out["target"] = str(Path(target).expanduser().absolute())
    return out


# ---- one task ---------------------------------------------------------------------------------


def run_task(index: int, settings: dict[str, Any]) -> tuple[int, Result]:
    """One run of the grid, wherever it executes: ``(index, experiment.run(settings))``.

    Runs with one BLAS thread, so its numbers do not depend on the machine's core count, and
    records ``worker`` (the Dask worker's address, else ``host:pid``). Never raises for a run's
    own failure: that is a result with ``status="failed"``.
    """
    from threadpoolctl import threadpool_limits

    from adamlab import experiment

    try:
        with threadpool_limits(limits=1, user_api="blas"):
            result = experiment.run(settings)
    except Exception as e:  # noqa: BLE001 — a failed run is a row, not a failed sweep
        result = failed(settings, f"{type(e).__name__}: {e}")
    result["worker"] = _worker_name()
    return index, result


def failed(settings: dict[str, Any], error: str) -> Result:
    """The result of a run that raised (or whose task was lost): no metrics, the error."""
    return {
        "status": "failed",
        "error": " ".join(error.split()),
        "settings": settings,
        "final": dict.fromkeys(("loss", "accuracy", "val_loss", "val_accuracy")),
        "epochs": 0,
        "steps": 0,
        "params_sha256": None,
        "seconds": 0.0,
        "history": {},
        "worker": None,
    }


def _worker_name() -> str:
    import sys

    if "distributed" in sys.modules:  # inside a Dask worker?
        try:
            return sys.modules["distributed"].get_worker().address
        except ValueError:
            pass
    return f"{socket.gethostname()}:{os.getpid()}"


# ---- execution --------------------------------------------------------------------------------


def run_local(tasks: Sequence[dict[str, Any]], workers: int = 1) -> Iterator[tuple[int, Result]]:
    """Run the tasks in ``workers`` joblib (loky) processes, yielding results as they finish."""
    if workers <= 1:
        return (run_task(i, s) for i, s in enumerate(tasks))
    from joblib import Parallel, delayed

    return iter(
        Parallel(n_jobs=workers, return_as="generator_unordered")(
            delayed(run_task)(i, s) for i, s in enumerate(tasks)
        )
    )


def connect(scheduler: str, timeout: float = 10.0) -> Any:
    """A ``distributed.Client`` on the scheduler at ``scheduler`` (``tcp://HOST:PORT``), checked.

    Fails within about ``timeout`` seconds with a :class:`SchedulerError` when nothing answers
    there, when no worker joins, or when a worker has no adamlab; :class:`DaskMissing` when
    ``distributed`` is not installed here.
    """
    try:
        import distributed
    except ImportError:
        raise DaskMissing("--scheduler needs Dask: pip install 'adamlab[dask]'") from None
    _reachable(scheduler, timeout)
    try:
        client = distributed.Client(scheduler, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError) as e:
        raise SchedulerError(f"cannot connect to the Dask scheduler at {scheduler}: {e}") from None
    try:
        _check_workers(client, scheduler, timeout)
    except BaseException:
        client.close()
        raise
    return client


def _reachable(scheduler: str, timeout: float) -> None:
    """Fail at once (not after the client's retries) when no TCP server listens there."""
    from urllib.parse import urlsplit

    parts = urlsplit(scheduler)
    if parts.scheme not in ("tcp", "tls") or parts.hostname is None:
        return
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is None:
        return
    try:
        with socket.create_connection((parts.hostname, port), timeout=min(timeout, 5.0)):
            pass
    except OSError as e:
        reason = e.strerror or type(e).__name__
        raise SchedulerError(
            f"cannot reach the Dask scheduler at {scheduler} ({reason}); "
            "is it running, and is the address right?"
        ) from None


def _check_workers(client: Any, scheduler: str, timeout: float) -> None:
    from importlib.metadata import version

    try:
        client.wait_for_workers(1, timeout=timeout)
    except (TimeoutError, OSError):
        raise SchedulerError(
            f"the Dask scheduler at {scheduler} has no workers "
            f"(none joined within {timeout:g} s); start some with "
            f"'dask worker {scheduler}'"
        ) from None
    ours = version("adamlab")
    theirs = client.run(version, "adamlab", on_error="return")
    missing = sorted(w for w, v in theirs.items() if isinstance(v, BaseException))
    if missing:
        raise SchedulerError(
            f"adamlab is not installed on Dask worker(s) {', '.join(missing)}; "
            f"install adamlab {ours} there (pip install 'adamlab[dask]')"
        )
    other = sorted({v for v in theirs.values() if v != ours})
    if other:
        raise SchedulerError(
            f"Dask workers run adamlab {', '.join(other)}, this machine {ours}; "
            "install the same version everywhere so runs agree"
        )


def run_dask(
    tasks: Sequence[dict[str, Any]], client: Any, idle_timeout: float = 30.0
) -> Iterator[tuple[int, Result]]:
    """Submit each task to the cluster behind ``client``; yield results as they finish.

    Task keys are ``adamlab-run-<sweep id>-<index>``. A task lost on the cluster (a worker
    killed, adamlab unimportable there) comes back as a failed result; so do the runs still
    pending once the cluster has had no worker (or no scheduler) for ``idle_timeout`` seconds,
    rather than waiting for ever.
    """
    from distributed import as_completed

    sweep_id = uuid.uuid4().hex[:12]
    pending = {
        client.submit(run_task, i, s, key=f"{TASK_PREFIX}-{sweep_id}-{i}", pure=False): i
        for i, s in enumerate(tasks)
    }
    finished = as_completed(list(pending), loop=client.loop)
    alone_since: float | None = None
    next_check = time.monotonic() + 1.0
    try:
        while pending:
            batch = finished.next_batch(block=False)
            for future in batch:
                i = pending.pop(future)
                try:
                    yield future.result()
                except Exception as e:  # noqa: BLE001 — the task itself never raises
                    yield i, failed(tasks[i], f"{type(e).__name__} on the cluster: {e}")
                future.release()
            if batch or time.monotonic() < next_check:
                time.sleep(0 if batch else 0.05)
                continue
            next_check = time.monotonic() + 1.0
            if _has_workers(client):
                alone_since = None
            elif alone_since is None:
                alone_since = time.monotonic()
            elif time.monotonic() - alone_since > idle_timeout:
                why = f"the cluster had no worker for {idle_timeout:g} s; the run never finished"
                for future, i in list(pending.items()):
                    future.cancel()
                    del pending[future]
                    yield i, failed(tasks[i], why)
    finally:
        for future in pending:
            future.cancel()


def _has_workers(client: Any) -> bool:
    """Whether the scheduler answers and has at least one worker."""
    if client.status != "running":
        return False
    try:
        info = client.scheduler_info()
    except Exception:  # noqa: BLE001 — no answer is no worker
        return False
    return bool(info.get("n_workers") or info.get("workers"))


def collect(
    results: Iterable[tuple[int, Result]],
    n: int,
    on_result: Callable[[int, Result], None] | None = None,
) -> list[Result]:
    """Results in grid order from ``(index, result)`` pairs in any order; ``on_result`` sees
    each as it comes."""
    out: list[Result | None] = [None] * n
    for i, r in results:
        out[i] = r
        if on_result is not None:
            on_result(i, r)
    missing = [i for i, r in enumerate(out) if r is None]
    if missing:
        raise RuntimeError(f"sweep ended without the results of runs {missing[:10]}")
    return out  # type: ignore[return-value]


# ---- summaries --------------------------------------------------------------------------------


def table(results: Sequence[Result]) -> list[dict[str, Any]]:
    """One flat row per run (``COLUMNS``): what ``sweep.csv`` holds and ``plot.sweep`` draws."""
    rows = []
    for r in results:
        s = r["settings"]
        rows.append(
            {
                "optimizer": s["optimizer"],
                "lr": s["lr"],
                "seed": s["seed"],
                "status": r["status"],
                "epochs": r["epochs"],
                **r["final"],
                "seconds": r["seconds"],
                "worker": r.get("worker"),
                "params_sha256": r["params_sha256"],
                "error": r.get("error"),
            }
        )
    return rows


def metric_of(rows: Sequence[dict[str, Any]]) -> str:
    """``val_loss`` when the runs have validation data, else the training ``loss``."""
    return "val_loss" if any(r.get("val_loss") is not None for r in rows) else "loss"


def best(rows: Sequence[dict[str, Any]], metric: str | None = None) -> dict[str, Any] | None:
    """The (optimizer, lr) with the lowest mean ``metric`` over seeds, and its best seed.

    Only settings whose every seed finished ("ok", finite metric) compete: a learning rate that
    diverges for one seed in three is not the best one. None when no setting qualifies.
    """
    metric = metric or metric_of(rows)
    groups: dict[tuple[str, float], list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault((r["optimizer"], r["lr"]), []).append(r)
    scored = []
    for (opt, lr), rs in groups.items():
        values = [r.get(metric) for r in rs]
        if all(r["status"] == "ok" for r in rs) and all(
            v is not None and math.isfinite(v) for v in values
        ):
            scored.append((sum(values) / len(values), opt, lr, rs))
    if not scored:
        return None
    mean, opt, lr, rs = min(scored, key=lambda t: t[0])
    run = min(rs, key=lambda r: r[metric])
    return {
        "optimizer": opt,
        "lr": lr,
        "metric": metric,
        "mean": mean,
        "seeds": len(rs),
        "seed": run["seed"],
        "value": run[metric],
    }
