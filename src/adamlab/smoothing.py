"""Debiased exponential smoothing of a noisy curve: Adam's first moment, applied to a plot.

    s_0 = 0
    s_t = β·s_{t−1} + (1 − β)·x_t          (the EMA, biased toward 0 early on)
    ŝ_t = s_t / (1 − β^t)                   (bias correction, as Adam's m̂_t)

ŝ_1 = x_1 exactly, and ŝ_t is a weighted mean of x_1..x_t with weights ∝ β^(t−k), so the
smoothed curve starts on the data instead of rising from 0 (TensorBoard's smoothing does the same).
Missing values (None, NaN, ±inf) are skipped: they neither update s nor advance t, and stay NaN.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np


def debiased_ema(values: Iterable[float | None], beta: float = 0.9) -> np.ndarray:
    """The bias-corrected exponential moving average ŝ_t of ``values`` (see the module doc)."""
    if isinstance(beta, bool) or not isinstance(beta, (int, float)) or not 0 <= beta < 1:
        raise ValueError(f"debiased_ema: beta must be in [0, 1), got {beta!r}")
    x = np.array([np.nan if v is None else float(v) for v in values], dtype=float)
    out = np.full_like(x, np.nan)
    s, t = 0.0, 0
    for i, xi in enumerate(x):
        if not math.isfinite(xi):
            continue
        t += 1
        s = beta * s + (1 - beta) * xi  # s_t = β·s_{t−1} + (1 − β)·x_t
        out[i] = s / (1 - beta**t)  # ŝ_t = s_t / (1 − β^t)
    return out


def auto_beta(n: int) -> float:
    """A β for ``n`` noisy points: an averaging window 1/(1 − β) of about n/20, at most 0.98."""
    return float(min(0.98, max(0.0, 1.0 - 20.0 / max(n, 1))))
