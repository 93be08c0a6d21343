"""scaling: how adamlab's training time grows, on three axes, against the slope it should have.

* rows (1k → 1M): one epoch of Adam on a 2-64-1 tanh network, batch 256, float64. The steps
  are proportional to the rows and each costs the same: time ∝ rows (log-log slope 1).
* width (16 → 1024): one epoch on 4096 rows of 32 features, hidden (w, w), batch 256. Its
  products take 6·rows·(32w + w² + w) FLOPs (forward 2, backward 4 per multiply-add), w² for
  w ≫ 32; time ∝ FLOPs is slope 1 against FLOPs (the axis reported). Per-step overhead at
  the narrow end, and BLAS running faster on larger products, flatten it; the slope is read
  over w = 256, 512, 1024, where every product runs on all the BLAS's threads
  (``train/threads.py``) and its rate is near the machine's GEMM rate.
* population size (1 → 512): ``run_population`` of K moons models (16-16 tanh, batch 16,
  2 epochs, float64; preparing each run included): time ∝ K once K is large (slope 1), about
  flat while the per-step overhead, paid once for all K, dominates.

The slope is fitted (least squares, log time against log size) over the largest sizes of
each axis, where the asymptotic rate should show. Judged: within ±0.25 of the expected slope.
"""

from __future__ import annotations

import math

import numpy as np
from common import Result, Settings, Target, median, timed

NAME = "scaling"


def _fit_epoch(n_rows: int, n_features: int, hidden: tuple[int, ...]):
    from adamlab.nn import MLP
    from adamlab.train import Trainer

    rng = np.random.default_rng(0)
    X = rng.normal(size=(n_rows, n_features))
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(float)

    def fit():
        model = MLP(n_features, hidden, 1, activation="tanh", rng=np.random.default_rng(1))
        Trainer(model, "adam", lr=1e-3, batch_size=256, seed=0).fit(X, y, epochs=1)
    return fit


def _population(k: int):
    from adamlab.experiment import Settings as Run
    from adamlab.population import run_population

    runs = [Run(data="moons", hidden=[16, 16], batch_size=16, epochs=2, lr=1e-2, seed=s)
            for s in range(k)]
    return lambda: run_population(runs)


def _flops(width: int, rows: int = 4096, features: int = 32) -> float:
    """The width axis' products per epoch: 6 FLOPs per multiply-add of each layer."""
    return 6.0 * rows * (features * width + width * width + width)


def axes(settings: Settings) -> dict[str, tuple[str, float, list[tuple[int, object]]]]:
    """axis -> (what its size is, the expected slope, [(size, fit function)])."""
    if settings.quick:
        rows, widths, pops = (1000, 4000, 16000), (16, 32, 64), (1, 4, 16)
    else:
        rows, widths, pops = (1000, 10_000, 100_000, 1_000_000), (16, 64, 256, 512, 1024), (
            1, 8, 64, 512)
    return {
        "rows": ("rows", 1.0, [(n, _fit_epoch(n, 2, (64,))) for n in rows]),
        "width": ("FLOPs", 1.0, [(w, _fit_epoch(4096, 32, (w, w))) for w in widths]),
        "population": ("members", 1.0, [(k, _population(k)) for k in pops]),
    }


def slope(points: list[tuple[int, float]]) -> float:
    """Least-squares slope of log(time) on log(size) over the largest sizes (the last three
    of four or more points, else the last two)."""
    upper = points[-3:] if len(points) >= 4 else points[-2:]
    xs = np.log([p[0] for p in upper])
    ys = np.log([p[1] for p in upper])
    return float(np.polyfit(xs, ys, 1)[0])


def run(settings: Settings) -> tuple[list[Result], list[Target]]:
    results, targets = [], []
    for axis, (unit, expected, points) in axes(settings).items():
        measured = []
        for size, fit in points:
            fit()  # warm-up: compilation and imports are not the workload
            runs = [timed(fit)[0] for _ in range(settings.repeat)]
            x = _flops(size) if axis == "width" else size
            measured.append((x, median(runs)))
            per = (f"{x / median(runs) / 1e9:.1f} GFLOP/s" if axis == "width"
                   else f"{median(runs) / size * 1e9:,.0f} ns per {unit[:-1]}")
            results.append(Result(NAME, f"{axis} {size:,}", median(runs), runs, info=per))
        s = slope(measured)
        contender = f"{axis} {points[-1][0]:,}"
        targets.append(Target(NAME, contender, f"slope {expected:g} in {unit} (log-log, largest)",
                              abs(s - expected) <= 0.25 and math.isfinite(s),
                              f"measured slope {s:.2f}"))
    return results, targets


def adamlab_fit(settings: Settings):
    return axes(settings)["rows"][2][-1][1]
