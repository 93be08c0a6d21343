"""One task of a sweep (one run, wherever it executes), and running tasks in local processes.

A task needs nothing but its settings and loads its data itself; it runs with one BLAS thread
(parallelism is across runs), so its numbers do not depend on where it runs. A run that raises
is a result too, with ``status="failed"`` and the error.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

Result = dict[str, Any]


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
