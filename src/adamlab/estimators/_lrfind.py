"""``est.lr_find(X, y)``: the learning-rate range test (``adamlab.lrfind``) of an estimator.

Each seed fits a clone of the estimator as it is configured (its optimizer, solver, network,
batch size, ``alpha``) with ``random_state=seed``, no early stopping and the range test's
learning rate, one step after another, until the test ends it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sklearn.base import clone

from adamlab.lrfind import LRFind, LRRangeTest, run_range_test


def lr_find(est: Any, X: Any, y: Any, sample_weight: Any = None, *,
            seeds: int | Sequence[int] = 3, lr_min: float = 1e-6, lr_max: float = 1.0,
            steps: int = 100, beta: float = 0.98, diverge: float = 4.0) -> LRFind:
    if est.solver == "lbfgs":
        raise ValueError("lr_find is for the stochastic solvers ('adam', 'sgd'); "
                         "solver='lbfgs' takes no learning rate")
    seed_list = list(range(seeds)) if isinstance(seeds, int) else list(seeds)

    def fit(seed: int, test: LRRangeTest) -> None:
        trial = clone(est).set_params(
            random_state=seed, early_stopping=False, warm_start=False, verbose=False,
            max_iter=steps, n_iter_no_change=steps + 1, learning_rate_init=lr_min,
            callbacks=[*(est.callbacks or ()), test])
        trial.fit(X, y, sample_weight=sample_weight)

    params = {k: v for k, v in est.get_params(deep=False).items()
              if isinstance(v, (str, int, float, bool, type(None), tuple, list))}
    return run_range_test(fit, seed_list, lr_min, lr_max, steps, beta, diverge,
                          settings={"estimator": type(est).__name__, **params})
