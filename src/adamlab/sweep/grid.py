"""The grid of a sweep: every (optimizer, learning rate, seed) as one run's Settings dict."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from adamlab.experiment import Settings
from adamlab.optim import OPTIMIZERS


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
