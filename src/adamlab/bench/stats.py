"""Medians with bootstrap confidence intervals, and performance profiles.

* **Bootstrap** (Efron 1979): the median of B resamples (with replacement) of the seeds'
  values; the interval is their 2.5 and 97.5 percentiles. The resampling generator is seeded,
  so a leaderboard is reproducible.
* **Performance profiles** (Dolan & Moré 2002, as AlgoPerf reports them): for optimizer o on
  workload w, the ratio r_{o,w} = cost_{o,w} / min_o' cost_{o',w} (cost: the median steps to
  the target; ∞ where the target is never reached); the profile ρ_o(τ) is the fraction of
  workloads with r_{o,w} ≤ τ. ρ_o(1) is how often o is the fastest; ρ_o(∞) how often it
  reaches the target at all.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

__all__ = ["bootstrap_median", "performance_profiles"]


def bootstrap_median(values: Sequence[float], resamples: int = 2000, seed: int = 0
                     ) -> dict[str, float | list[float] | None]:
    """``{"median", "ci": [lo, hi]}`` of the finite ``values`` (None when there are none);
    infinities (a target never reached) count in the median and the resamples."""
    x = np.asarray([v for v in values if not math.isnan(v)], dtype=float)
    if x.size == 0:
        return {"median": None, "ci": None}
    rng = np.random.default_rng(seed)
    meds = np.median(x[rng.integers(0, x.size, size=(resamples, x.size))], axis=1)
    with np.errstate(invalid="ignore"):  # ∞ − ∞ between two unreached resamples
        lo, hi = np.percentile(meds, [2.5, 97.5])

    def num(v: float) -> float | None:
        return float(v) if math.isfinite(v) else None

    return {"median": num(float(np.median(x))), "ci": [num(lo), num(hi)]}


def performance_profiles(costs: Mapping[str, Mapping[str, float]],
                         taus: Sequence[float] | None = None) -> dict[str, dict[str, list]]:
    """``costs[optimizer][workload]`` -> ``{optimizer: {"tau": [...], "rho": [...]}}``."""
    names = list(costs)
    workloads = sorted({w for c in costs.values() for w in c})
    taus = list(np.geomspace(1, 100, 41)) if taus is None else list(taus)
    ratios: dict[str, list[float]] = {o: [] for o in names}
    for w in workloads:
        best = min(costs[o].get(w, math.inf) for o in names)
        for o in names:
            c = costs[o].get(w, math.inf)
            ratios[o].append(math.inf if not math.isfinite(c) or not math.isfinite(best)
                             else c / best)
    n = max(len(workloads), 1)
    return {o: {"tau": [float(t) for t in taus],
                "rho": [sum(r <= t for r in ratios[o]) / n for t in taus]} for o in names}
