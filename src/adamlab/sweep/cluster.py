"""Sweeps on a Dask cluster: connect to a scheduler (checked), submit the tasks, collect.

``pip install adamlab[dask]``. Task keys start with ``TASK_PREFIX``, so a cluster's dashboard
and logs name adamlab's runs; a task lost on the cluster comes back as a failed result. A task
is one run (``run_dask``) or one population of runs (``run_dask_populations``: the grid split
into populations sized for the workers, each trained in memory-bounded chunks on its worker).
"""

from __future__ import annotations

import socket
import time
import uuid
from collections.abc import Iterator, Sequence
from typing import Any

from adamlab.sweep.tasks import Result, failed, run_task

#: Dask task keys start with this, so a cluster's dashboard and logs name adamlab's runs.
TASK_PREFIX = "adamlab-run"


class DaskMissing(ImportError):
    """``--scheduler`` without ``dask[distributed]`` installed."""


class SchedulerError(RuntimeError):
    """The scheduler cannot be reached, has no workers, or its workers cannot run adamlab."""


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
    sweep_id = uuid.uuid4().hex[:12]
    pending = {
        client.submit(run_task, i, s, key=f"{TASK_PREFIX}-{sweep_id}-{i}", pure=False): [i]
        for i, s in enumerate(tasks)
    }
    return _gather(pending, tasks, client, idle_timeout, lambda pair: [pair])


def run_dask_populations(
    tasks: Sequence[dict[str, Any]], client: Any, idle_timeout: float = 30.0,
    parts: int | None = None, memory_mb: float | None = None,
) -> Iterator[tuple[int, Result]]:
    """``run_dask`` with one task per population (``sweep.populations``): ``parts``
    populations (default: one per worker thread of the cluster), each trained in chunks under
    ``memory_mb`` on its worker. Task keys are ``adamlab-run-<sweep id>-p<n>``; a population
    lost on the cluster comes back as failed results for its runs."""
    from adamlab.sweep.populations import MEMORY_MB, populations, run_population_task

    if parts is None:
        parts = max(1, sum(w.get("nthreads", 1)
                           for w in client.scheduler_info().get("workers", {}).values()))
    sweep_id = uuid.uuid4().hex[:12]
    pending = {
        client.submit(run_population_task, g, [tasks[i] for i in g],
                      MEMORY_MB if memory_mb is None else memory_mb,
                      key=f"{TASK_PREFIX}-{sweep_id}-p{n}", pure=False): g
        for n, g in enumerate(populations(tasks, parts))
    }
    return _gather(pending, tasks, client, idle_timeout, lambda pairs: pairs)


def _gather(pending: dict[Any, list[int]], tasks: Sequence[dict[str, Any]], client: Any,
            idle_timeout: float, pairs_of: Any) -> Iterator[tuple[int, Result]]:
    """Yield the ``(index, result)`` pairs of the futures in ``pending`` (each the runs
    ``pending[future]``) as they finish; ``pairs_of(future.result())`` lists a future's."""
    from distributed import as_completed

    finished = as_completed(list(pending), loop=client.loop)
    alone_since: float | None = None
    next_check = time.monotonic() + 1.0
    try:
        while pending:
            batch = finished.next_batch(block=False)
            for future in batch:
                indices = pending.pop(future)
                try:
                    yield from pairs_of(future.result())
                except Exception as e:  # noqa: BLE001 — the task itself never raises
                    for i in indices:
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
                for future, indices in list(pending.items()):
                    future.cancel()
                    del pending[future]
                    for i in indices:
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
