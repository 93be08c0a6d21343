"""A sweep's runs trained as populations (``adamlab.population``): one task per population.

The grid is split into ``parts`` populations (runs that can train together first: the same
data, architecture, dtype and batch size side by side), each one task that trains its runs
as one stacked computation and returns ``(index, result)`` for each, the results
``experiment.run`` gives (bit for bit: tests/population). So ``run_local_populations`` and
``run_dask_populations`` yield what ``tasks.run_local`` and ``cluster.run_dask`` yield, in fewer,
larger tasks: a grid of small networks is dominated by per-step overhead, which a population
pays once per step for all its members.

A population whose training raises (a run's bad settings) is run again run by run
(``tasks.run_task``), so that only the bad run is a failed result.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from adamlab.sweep.tasks import Result, failed, run_task

__all__ = ["populations", "run_population_task", "run_local_populations",
           "run_dask_populations"]

#: Settings that decide whether runs can share a population (``population.population_key``).
_SHAPE = ("data", "target", "n_samples", "hidden", "activation", "dtype", "batch_size",
          "val_fraction", "standardize")


def populations(tasks: Sequence[dict[str, Any]], parts: int) -> list[list[int]]:
    """The tasks' indices in ``parts`` groups of near-equal size, runs alike side by side."""
    if not tasks:
        return []
    order = sorted(range(len(tasks)), key=lambda i: repr(
        [tasks[i].get(k) for k in _SHAPE] + [tasks[i].get("optimizer")]))
    parts = max(1, min(parts, len(order)))
    size = -(-len(order) // parts)
    return [order[a:a + size] for a in range(0, len(order), size)]


def run_population_task(indices: Sequence[int], settings: Sequence[dict[str, Any]]
                        ) -> list[tuple[int, Result]]:
    """One population: ``[(index, result), ...]`` for its runs (one BLAS thread, as a task)."""
    from threadpoolctl import threadpool_limits

    from adamlab.population import run_population
    from adamlab.sweep.tasks import _worker_name

    try:
        with threadpool_limits(limits=1, user_api="blas"):
            results = run_population(list(settings))
    except Exception:  # noqa: BLE001 — find the bad run: each alone, as a sweep runs them
        return [run_task(i, s) for i, s in zip(indices, settings, strict=True)]
    worker = _worker_name()
    for r in results:
        r["worker"] = worker
    return list(zip(indices, results, strict=True))


def run_local_populations(tasks: Sequence[dict[str, Any]], workers: int = 1
                          ) -> Iterator[tuple[int, Result]]:
    """``tasks.run_local`` with one population per worker process (``workers=1``: here)."""
    groups = populations(tasks, workers)
    if workers <= 1:
        for g in groups:
            yield from run_population_task(g, [tasks[i] for i in g])
        return
    from joblib import Parallel, delayed

    for pairs in Parallel(n_jobs=workers, return_as="generator_unordered")(
            delayed(run_population_task)(g, [tasks[i] for i in g]) for g in groups):
        yield from pairs


def run_dask_populations(tasks: Sequence[dict[str, Any]], client: Any, parts: int | None = None
                         ) -> Iterator[tuple[int, Result]]:
    """``cluster.run_dask`` with one task per population: ``parts`` populations (default: one
    per worker thread of the cluster). A population lost on the cluster comes back as failed
    results for its runs."""
    from distributed import as_completed

    if parts is None:
        parts = max(1, sum(w.get("nthreads", 1)
                           for w in client.scheduler_info().get("workers", {}).values()))
    pending = {client.submit(run_population_task, g, [tasks[i] for i in g], pure=False): g
               for g in populations(tasks, parts)}
    for future in as_completed(list(pending), loop=client.loop):
        g = pending.pop(future)
        try:
            yield from future.result()
        except Exception as e:  # noqa: BLE001 — the task itself never raises
            for i in g:
                yield i, failed(tasks[i], f"{type(e).__name__} on the cluster: {e}")
        future.release()
