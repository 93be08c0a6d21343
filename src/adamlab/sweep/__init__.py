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
  (:func:`connect`); ``pip install adamlab[dask]``;
* :func:`run_local_populations`, :func:`run_dask_populations` — the same results, with runs
  that can train together (same data and architecture) trained as stacked populations
  (``adamlab.population``), one task per population, the rest run alone;
  :func:`trained_note` says which (what ``sweep`` and ``compare`` do by default).

:func:`collect` puts results back in grid order; :func:`table` flattens them into rows;
:func:`best` picks the best optimizer and learning rate; :func:`csv_text` writes rows.

The modules: ``grid`` (the grid), ``tasks`` (one task, local processes, collecting), ``cluster``
(Dask), ``populations`` (populations as tasks), ``summary`` (rows, best, CSV). ``adamlab
compare`` is a sweep with one learning rate.
"""

from adamlab.sweep.cluster import (
    TASK_PREFIX,
    DaskMissing,
    SchedulerError,
    _check_workers,  # noqa: F401 — tests drive it with a fake client
    connect,
    run_dask,
    run_dask_populations,
)
from adamlab.sweep.grid import grid
from adamlab.sweep.populations import run_local_populations, trained_note
from adamlab.sweep.summary import COLUMNS, best, csv_text, metric_of, plain, table
from adamlab.sweep.tasks import Result, collect, failed, run_local, run_task

__all__ = ["COLUMNS", "TASK_PREFIX", "DaskMissing", "Result", "SchedulerError", "best", "collect",
           "connect", "csv_text", "failed", "grid", "metric_of", "plain", "run_dask",
           "run_dask_populations", "run_local", "run_local_populations", "run_task", "table",
           "trained_note"]
