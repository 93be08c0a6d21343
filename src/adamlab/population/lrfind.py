"""The learning-rate range test with its seeds trained as one population.

``experiment.lr_find`` runs the test (``adamlab.lrfind``) once per seed, one after another;
here the seeds are the members of one population (``population.loop``), every member's
learning rate set before each step to lr_i = lr_min·(lr_max/lr_min)^(i/(n−1)) and its batch
loss recorded. Each member's numbers are its single run's, so the losses — and the reading —
are those of the sequential test, bit for bit (tests/population/test_population_lrfind.py);
a seed's test ends where the sequential one would (its smoothed loss past ``diverge`` × its
minimum, or a divergence), the population training on until every seed's test is over.
Settings that cannot train as a population fall back to the sequential test.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from adamlab.experiment import Settings
from adamlab.experiment import lr_find as sequential
from adamlab.lrfind import LRFind, StopRangeTest, TestEnd, check_arguments, read
from adamlab.population.run import train_with_hook

__all__ = ["lr_find"]


def lr_find(settings: Settings | dict[str, Any] | None = None, *,
            seeds: int | Sequence[int] = 3, lr_min: float = 1e-6, lr_max: float = 1.0,
            steps: int = 100, beta: float = 0.98, diverge: float = 4.0,
            **overrides: Any) -> LRFind:
    """``experiment.lr_find``'s test and reading, its seeds trained as one population."""
    base = Settings() if settings is None else (
        settings if isinstance(settings, Settings) else Settings.from_dict(dict(settings)))
    base = Settings.from_dict({**base.to_dict(), **overrides, "early_stopping": None,
                               "schedule": "constant", "warmup": 0, "lr": lr_min})
    seed_list = list(range(seeds)) if isinstance(seeds, int) else list(seeds)
    check_arguments(lr_min, lr_max, steps, beta, diverge, seed_list)
    data_seed = base.data_seed if base.data_seed is not None else base.seed
    # epochs enough for ``steps`` steps (an epoch has one batch at least): the test's own
    # StopRangeTest ends the training, as the sequential test's does
    runs = [Settings.from_dict({**base.to_dict(), "seed": s, "data_seed": data_seed,
                                "epochs": steps}) for s in seed_list]
    lrs = np.geomspace(lr_min, lr_max, steps)
    recorded: list[list[float]] = [[] for _ in seed_list]

    def on_step(step: int, members: Any, loss: np.ndarray, alive: np.ndarray) -> None:
        if step >= steps:
            raise StopRangeTest
        for k, m in enumerate(members):
            if alive[k]:
                recorded[m.index].append(float(loss[k]))
            for group in m.optimizer.param_groups:
                group["lr"] = float(lrs[step])

    try:
        why = train_with_hook(runs, on_step)
    except StopRangeTest:
        why = None
    if why is not None:  # cannot stack: the sequential test, seed after seed
        return sequential(base, seeds=seed_list, lr_min=lr_min, lr_max=lr_max, steps=steps,
                          beta=beta, diverge=diverge)
    kept = [_as_the_test_stops(r, beta, diverge, steps) for r in recorded]
    return read(lrs, kept, seed_list, beta, settings=base.to_dict())


def _as_the_test_stops(losses: list[float], beta: float, diverge: float, steps: int
                       ) -> list[float]:
    """The losses the sequential ``LRRangeTest`` would have recorded: up to and including the
    one its test ends with (``lrfind.TestEnd``), the finite ones."""
    end, out = TestEnd(steps, beta, diverge), []
    for loss in losses:
        out.append(loss)
        if end.reached(loss):
            break
    return [x for x in out if math.isfinite(x)]
