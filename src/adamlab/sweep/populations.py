"""A sweep's runs trained as populations (``adamlab.population``): one task per population.

Runs that can train together (the same data, architecture, dtype and batch size: ``_SHAPE``)
are grouped, and each group split into populations sized for the workers (``populations``):
at least one per worker, so every worker is busy, and no larger than needed. A population is
one task (``run_population_task``) that trains its runs as one stacked computation, in chunks
under a memory budget (``population.iter_population``, ``memory_mb``), and returns
``(index, result)`` for each: the results ``experiment.run`` gives (bit for bit:
tests/population), each with ``trained`` saying how (``"population of K"``, or
``"alone: <why>"`` for a run the stack cannot train, which its task runs by ``experiment.run``).
So ``run_local_populations`` (and ``cluster.run_dask_populations``) yield what
``tasks.run_local`` (and ``cluster.run_dask``) yield, in fewer, larger tasks: a grid of small
networks is dominated by per-step overhead, which a population pays once per step for all.

A population whose training raises (a run's bad settings) runs its remaining runs one by one
(``tasks.run_task``), so that only the bad run is a failed result.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from adamlab.population.run import MEMORY_MB
from adamlab.sweep.tasks import Result, run_task

__all__ = ["populations", "run_population_task", "run_local_populations", "trained_note",
           "MEMORY_MB"]

#: Settings that decide whether runs can share a population (``population.population_key``).
_SHAPE = ("data", "target", "task", "n_samples", "noise", "data_seed", "hidden", "activation",
          "dtype", "batch_size", "val_fraction", "standardize", "mmap")


def populations(tasks: Sequence[dict[str, Any]], parts: int) -> list[list[int]]:
    """The tasks' indices as populations: runs alike (``_SHAPE``) together, each group in
    near-equal parts so that there are at least ``parts`` populations in all (when there are
    that many runs), kinds of optimizer side by side within each."""
    if not tasks:
        return []
    groups: dict[str, list[int]] = {}
    for i, t in enumerate(tasks):
        groups.setdefault(repr([t.get(k) for k in _SHAPE]), []).append(i)
    parts = max(1, min(parts, len(tasks)))
    out = []
    for members in groups.values():
        members.sort(key=lambda i: (str(tasks[i].get("optimizer")), i))
        share = max(1, round(parts * len(members) / len(tasks)))
        size = -(-len(members) // share)
        out += [members[a:a + size] for a in range(0, len(members), size)]
    return out


def run_population_task(indices: Sequence[int], settings: Sequence[dict[str, Any]],
                        memory_mb: float = MEMORY_MB) -> list[tuple[int, Result]]:
    """One population: ``[(index, result), ...]`` for its runs (one BLAS thread, as a task)."""
    return list(iter_population_task(indices, settings, memory_mb))


def iter_population_task(indices: Sequence[int], settings: Sequence[dict[str, Any]],
                         memory_mb: float = MEMORY_MB) -> Iterator[tuple[int, Result]]:
    """``run_population_task``, yielding each chunk's results as it finishes."""
    from threadpoolctl import threadpool_limits

    from adamlab.population import iter_population
    from adamlab.sweep.tasks import _worker_name

    worker = _worker_name()
    done: set[int] = set()
    try:
        with threadpool_limits(limits=1, user_api="blas"):
            for j, result, how in iter_population(list(settings), memory_mb=memory_mb):
                result["worker"], result["trained"] = worker, how
                done.add(j)
                yield indices[j], result
    except Exception as e:  # noqa: BLE001 — find the bad run: the rest alone, as a sweep runs them
        why = " ".join(f"{type(e).__name__}: {e}".split())
        for j, (i, s) in enumerate(zip(indices, settings, strict=True)):
            if j not in done:
                i, result = run_task(i, s)
                result["trained"] = f"alone: its population failed ({why[:200]})"
                yield i, result


def run_local_populations(tasks: Sequence[dict[str, Any]], workers: int = 1,
                          memory_mb: float = MEMORY_MB) -> Iterator[tuple[int, Result]]:
    """``tasks.run_local`` with populations: ``workers`` joblib processes, one population task
    at a time each (``workers=1``: here, each chunk's results yielded as it finishes)."""
    if workers <= 1:
        yield from iter_population_task(range(len(tasks)), list(tasks), memory_mb)
        return
    from joblib import Parallel, delayed

    for pairs in Parallel(n_jobs=workers, return_as="generator_unordered")(
            delayed(run_population_task)(g, [tasks[i] for i in g], memory_mb)
            for g in populations(tasks, workers)):
        yield from pairs


def trained_note(results: Iterable[Result]) -> str:
    """How a sweep's runs trained, in a few words: "120 runs in populations of 60, 60" or
    "10 in populations of 8, 2 alone (dropout (not stacked yet))"."""
    sizes: Counter[str] = Counter()
    alone: Counter[str] = Counter()
    single = 0
    for r in results:
        how = r.get("trained")
        if how is None:
            single += 1
        elif how.startswith("population of "):
            sizes[how[len("population of "):]] += 1
        else:
            alone[how.removeprefix("alone: ")] += 1
    parts = []
    if sizes:
        pops = sorted(((int(k), n // int(k)) for k, n in sizes.items()), reverse=True)
        listed = ", ".join(str(k) for k, c in pops for _ in range(c))
        parts.append(f"{sum(sizes.values())} in populations of {listed}")
    if alone:
        parts.append(f"{sum(alone.values())} alone ("
                     + "; ".join(f"{n}: {w}" for w, n in alone.items()) + ")")
    if single:
        parts.append(f"{single} as single runs")
    return ", ".join(parts) or "no runs"
