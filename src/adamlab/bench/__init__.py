"""``adamlab bench``: a fair benchmark of optimizers (``bench.protocol`` says how).

::

    from adamlab.bench import run_bench
    board = run_bench("quick", ["adam", "sgd", "lion"], budget=6, seeds=10)
    board["ranking"]          # optimizers by the area under their performance profile

The leaderboard is plain JSON (its schema, ``adamlab.bench/1``, is in docs/bench.md).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from adamlab.bench.protocol import lr_grid, run_workload
from adamlab.bench.stats import bootstrap_median, performance_profiles
from adamlab.bench.suite import SUITE_VERSION, SUITES, Workload

__all__ = ["SCHEMA", "SUITES", "SUITE_VERSION", "Workload", "run_bench", "lr_grid",
           "bootstrap_median", "performance_profiles"]

SCHEMA = "adamlab.bench/1"


def run_bench(suite: str = "quick", optimizers: Sequence[str] = ("adam", "sgd"),
              budget: int = 6, seeds: int = 10, workers: int = 1, client: Any = None,
              progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Run every workload of ``suite`` for each optimizer; return the leaderboard."""
    from adamlab.optim import get_optimizer_spec
    from adamlab.sweep import run_dask_populations, run_local_populations

    if suite not in SUITES:
        raise ValueError(f"unknown suite {suite!r}; choose one of: {', '.join(SUITES)}")
    names = [get_optimizer_spec(o) and str(o).strip().lower() for o in optimizers]
    if not names or len(set(names)) != len(names):
        raise ValueError(f"optimizers: give one or more distinct names, got {list(optimizers)}")
    if isinstance(seeds, bool) or not isinstance(seeds, int) or not 1 <= seeds <= 1000:
        raise ValueError(f"seeds must be an integer in [1, 1000], got {seeds!r} (e.g. 10)")
    lr_grid(budget)  # checked before anything runs

    def runner(tasks: list[dict[str, Any]]):
        return (run_dask_populations(tasks, client) if client is not None
                else run_local_populations(tasks, workers))

    t0 = time.perf_counter()
    entries: list[dict[str, Any]] = []
    for w in SUITES[suite]:
        if progress:
            progress(f"{w.name}: {len(names)} optimizers × ({budget} lrs + {seeds} seeds)")
        entries.extend(run_workload(w, names, budget, seeds, runner))
    costs = {o: {e["workload"]: _cost(e) for e in entries if e["optimizer"] == o}
             for o in names}
    profiles = performance_profiles(costs)
    area = {o: float(np.mean(p["rho"])) for o, p in profiles.items()}
    return {"schema": SCHEMA, "suite": suite, "suite_version": SUITE_VERSION,
            "workloads": [{"name": w.name, "kind": w.kind, "summary": w.summary,
                           "target": w.target, "target_metric": w.target_metric}
                          for w in SUITES[suite]],
            "optimizers": names, "budget": budget, "lr_grid": lr_grid(budget), "seeds": seeds,
            "entries": entries, "profiles": profiles,
            "ranking": sorted(names, key=lambda o: -area[o]), "profile_area": area,
            "seconds": time.perf_counter() - t0}


def _cost(entry: dict[str, Any]) -> float:
    if not entry.get("applicable", True):
        return math.inf
    m = entry["steps_to_target"]["median"]
    return math.inf if m is None else float(m)


