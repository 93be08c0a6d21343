"""The protocol of ``adamlab bench`` (after DeepOBS and AlgoPerf, at CPU scale).

For each workload and optimizer:

1. **Tune with the same budget.** The learning rate is searched over the same log grid of
   ``budget`` points, 10^−4 … 10^0.5, for every optimizer (its other hyperparameters at their
   defaults), on seed 0; the best reaches the target in the fewest steps, ties (and runs that
   never reach it) broken by the lowest final validation loss (train) or gap f − f_min
   (function): what is tuned is what is reported. A diverged run is the worst.
2. **Rerun the best with fresh seeds** (1 … ``seeds``, at least 10 for a result worth citing):
   each seed its own weights and batch order (train) or a start jittered by N(0, σ²)
   (function).
3. **Report** per seed the steps to the workload's fixed target (∞ if never reached) and the
   final metric, each as a median with a bootstrap 95% interval; across workloads, performance
   profiles of the median steps to target (``bench.stats``).

Networks run as populations (``sweep.populations``: many small models as one stacked
computation), here in ``workers`` processes or on a Dask cluster (``client``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from adamlab.bench.stats import bootstrap_median
from adamlab.bench.suite import Workload

__all__ = ["lr_grid", "run_workload"]

Runner = Callable[[list[dict[str, Any]]], Iterator[tuple[int, dict[str, Any]]]]


def lr_grid(budget: int) -> list[float]:
    """The tuning grid: ``budget`` learning rates, log-spaced over 10^−4 … 10^0.5."""
    if isinstance(budget, bool) or not isinstance(budget, int) or not 2 <= budget <= 64:
        raise ValueError(f"budget must be an integer in [2, 64], got {budget!r} (e.g. 6)")
    return [float(v) for v in np.logspace(-4, 0.5, budget)]


def run_workload(w: Workload, optimizers: Sequence[str], budget: int, seeds: int,
                 runner: Runner) -> list[dict[str, Any]]:
    """The entries of one workload, one per optimizer."""
    grid = lr_grid(budget)
    if w.kind == "function":
        return [_function_entry(w, o, grid, seeds) for o in optimizers]
    return _train_entries(w, optimizers, grid, seeds, runner)


# ----------------------------------------------------------------------------- networks
def _settings(w: Workload, optimizer: str, lr: float, seed: int) -> dict[str, Any]:
    from adamlab.experiment import Settings

    return Settings.from_dict({**w.settings, "optimizer": optimizer, "lr": lr, "seed": seed,
                               "data_seed": 0}).to_dict()


def _run_all(tasks: list[dict[str, Any]], runner: Runner) -> list[dict[str, Any]]:
    out: list[Any] = [None] * len(tasks)
    for i, result in runner(tasks):
        out[i] = result
    return out


def _final(r: dict[str, Any], key: str, missing: float) -> float:
    """A run's final ``key``, or ``missing`` for a run that did not end ok (or lacks it)."""
    v = (r.get("final") or {}).get(key) if r.get("status") == "ok" else None
    return missing if v is None or not math.isfinite(v) else float(v)


def _steps_to_target(w: Workload, r: dict[str, Any]) -> float:
    values = (r.get("history") or {}).get(w.target_metric) or []
    per_epoch = r["steps"] / r["epochs"] if r.get("epochs") else 0
    for epoch, v in enumerate(values, 1):
        if v is not None and (v >= w.target if w.higher_is_better else v <= w.target):
            return float(round(epoch * per_epoch))
    return math.inf


def _train_entries(w: Workload, optimizers: Sequence[str], grid: list[float], seeds: int,
                   runner: Runner) -> list[dict[str, Any]]:
    tuning = [_settings(w, o, lr, 0) for o in optimizers for lr in grid]
    tuned = _run_all(tuning, runner)
    best: dict[str, float] = {}
    scores: dict[str, list[float]] = {}
    for k, o in enumerate(optimizers):
        runs = tuned[k * len(grid):(k + 1) * len(grid)]
        scores[o] = [_final(r, "val_loss", math.inf) for r in runs]
        best[o] = grid[_best([_steps_to_target(w, r) for r in runs], scores[o])]
    reruns = [_settings(w, o, best[o], s) for o in optimizers for s in range(1, seeds + 1)]
    done = _run_all(reruns, runner)
    entries = []
    for k, o in enumerate(optimizers):
        runs = done[k * seeds:(k + 1) * seeds]
        final = [_final(r, w.target_metric, math.nan) for r in runs]
        steps = [_steps_to_target(w, r) for r in runs]
        entries.append(_entry(w, o, grid, scores[o], best[o], final, steps,
                              statuses=[r.get("status") for r in runs]))
    return entries


# ----------------------------------------------------------------------------- functions
def _function_entry(w: Workload, optimizer: str, grid: list[float], seeds: int
                    ) -> dict[str, Any]:
    from adamlab.landscape import get_function, run_path
    from adamlab.optim import get_optimizer_spec

    if get_optimizer_spec(optimizer).matrices:  # a point (x, y) is not a matrix
        return {"optimizer": optimizer, "workload": w.name, "applicable": False,
                "reason": f"{optimizer} is defined on weight matrices only"}
    fn = get_function(w.function)

    def path(lr: float, seed: int) -> list[float]:
        start = np.asarray(fn.start, dtype=float)
        if seed:
            start = start + np.random.default_rng([seed, 7]).normal(0.0, w.jitter, 2)
        r = run_path(w.function, optimizer, lr=lr, steps=w.steps, start=tuple(start))
        gaps = [f - fn.f_min for f in r["f"]]
        return gaps if not r["diverged"] else gaps + [math.inf]

    paths = [path(lr, 0) for lr in grid]
    tuning = [g[-1] for g in paths]
    best = grid[_best([_first_below(g, w.target) for g in paths], tuning)]
    runs = [path(best, s) for s in range(1, seeds + 1)]
    final = [g[-1] for g in runs]
    steps = [_first_below(gaps, w.target) for gaps in runs]
    return _entry(w, optimizer, grid, tuning, best, final, steps,
                  statuses=["diverged" if math.isinf(g[-1]) else "ok" for g in runs])


def _first_below(gaps: list[float], target: float) -> float:
    return float(next((t for t, g in enumerate(gaps) if g <= target), math.inf))


# ----------------------------------------------------------------------------- one entry
def _best(steps: list[float], finals: list[float]) -> int:
    """The grid index with the fewest steps to the target, then the lowest final metric (a
    diverged run, ∞ on both, is last)."""
    return min(range(len(steps)), key=lambda i: (steps[i], finals[i]))


def _entry(w: Workload, optimizer: str, grid: list[float], tuning: list[float], best: float,
           final: list[float], steps: list[float], statuses: list[Any]) -> dict[str, Any]:
    def num(v: float) -> float | None:
        return float(v) if math.isfinite(v) else None

    return {"optimizer": optimizer, "workload": w.name, "applicable": True,
            "best_lr": best, "tuning": {"grid": grid, "metric": [num(v) for v in tuning]},
            "final": {"metric": w.target_metric, **bootstrap_median(final)},
            "steps_to_target": {"target": w.target, **bootstrap_median(steps),
                                "reached": int(sum(math.isfinite(s) for s in steps))},
            "seeds": len(steps), "diverged": int(sum(s == "diverged" for s in statuses))}
