"""The learning-rate range test: which learning rate to train with.

Smith (2017, "Cyclical learning rates", §3.3) trains for a few hundred steps while the learning
rate grows exponentially, and reads the answer off the loss against the learning rate: too
small and the loss barely moves, too large and it blows up; good rates lie where it falls
fastest. fastai's ``lr_find`` and PyTorch Lightning's tuner implement it; their users' main
complaints are that the suggestion changes from run to run and that an early spike fools it.
adamlab's answer to both:

* **the real run.** Each step is a step of ``adamlab.train.Trainer`` with the chosen optimizer,
  model and data (the settings of ``adamlab train``), the learning rate at step i being

      lr_i = lr_min · (lr_max / lr_min)^(i / (n − 1)),   i = 0 … n − 1;

* **smoothing.** The batch losses ℓ_i are smoothed by a bias-corrected moving average (as
  fastai's): a_i = β·a_{i−1} + (1 − β)·ℓ_i, s_i = a_i / (1 − β^{i+1}), β = 0.98 by default; a
  run stops once s_i > ``diverge`` × min s (the loss has blown up: the rest says nothing);
* **several seeds, one population.** The test runs once per seed (weights, batch order), the
  seeds trained together as one population (``population.lrfind``: the same numbers as one
  after another, ``experiment.lr_find``); the curve read is the
  median of the seeds' smoothed curves, each relative to its own start (the seeds' losses sit
  at different levels; the shape is what matters), over the steps every seed reached;
* **a robust reading** ("valley", fastai ≥ 2.4): the longest stretch over which the curve keeps
  falling (a longest decreasing subsequence, so a single spike does not end it), and the point
  a little past its first half. An early spike cannot be a long fall, so it cannot be chosen;
* **a range, not just a point.** Each seed's curve gives its own reading; ``range`` spans them
  (and the suggestion), so a wide range says the answer is uncertain.

``adamlab.lr_find(...)`` (``population.lrfind``: the run ``adamlab train`` would make),
``adamlab lr-find`` on the command line and the estimators' ``lr_find(X, y)`` all return an
``LRFind``; this module is the test and its reading, for any ``fit(seed, callback)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from adamlab.smoothing import debiased_ema
from adamlab.train import Callback, DivergenceError

__all__ = ["LRFind", "LRRangeTest", "StopRangeTest", "TestEnd", "check_arguments", "read",
           "run_range_test", "smooth", "valley"]

METHOD = ("the median over seeds of each seed's bias-corrected moving average (beta {beta}) of "
          "the batch loss, read by fastai's 'valley' rule (the longest steady fall of the curve, "
          "a little past its first half); the range spans each seed's own reading")


# ----------------------------------------------------------------------------- the reading
def smooth(losses: Sequence[float], beta: float = 0.98) -> np.ndarray:
    """Bias-corrected moving average a_i = β a_{i−1} + (1−β) ℓ_i, s_i = a_i / (1 − β^{i+1})
    (``smoothing.debiased_ema``, the rule of every smoothed curve adamlab draws)."""
    return debiased_ema(losses, beta)


def valley(losses: Sequence[float]) -> int:
    """The index fastai's ``valley`` reads: over the longest decreasing subsequence of
    ``losses`` (from index ``start`` to ``end``), the point ``start + ⌊L/3⌋ + ⌊L/6⌋`` with
    ``L = end − start``, i.e. half-way through its middle third."""
    n = len(losses)
    if n == 0:
        raise ValueError("valley: no losses")
    longest = [1] * n  # longest[i]: the longest decreasing subsequence ending at i
    start = end = 0
    for i in range(1, n):
        for j in range(i):
            if losses[i] < losses[j] and longest[i] < longest[j] + 1:
                longest[i] = longest[j] + 1
        if longest[end] < longest[i]:
            end = i
            start = end - longest[end]
    third = (end - start) / 3
    return max(0, min(n - 1, start + int(third) + int(third / 2)))


# ----------------------------------------------------------------------------- the test
class TestEnd:
    """When a range test is over: after ``steps`` losses, or at the first whose smoothed
    value s_i (bias-corrected, ``beta``) is not finite or past ``diverge`` × min s so far."""

    def __init__(self, steps: int, beta: float, diverge: float) -> None:
        self.steps, self.beta, self.diverge = steps, beta, diverge
        self.seen, self._avg, self._best = 0, 0.0, math.inf

    def reached(self, loss: float) -> bool:
        """Take the next loss; True when the test ends with it (it still counts)."""
        self.seen += 1
        self._avg = self.beta * self._avg + (1 - self.beta) * loss
        s = self._avg / (1 - self.beta ** self.seen)
        self._best = min(self._best, s)
        return self.seen >= self.steps or not math.isfinite(s) or s > self.diverge * self._best


class LRRangeTest(Callback):
    """Sets lr_i before step i (exponentially from ``lr_min`` to ``lr_max`` over ``steps``),
    records each batch's loss, and stops the run (raising ``StopRangeTest`` out of ``fit``)
    when the test ends (``TestEnd``)."""

    def __init__(self, lr_min: float, lr_max: float, steps: int, beta: float = 0.98,
                 diverge: float = 4.0) -> None:
        self.lrs = np.geomspace(lr_min, lr_max, steps)
        self.losses: list[float] = []
        self._end = TestEnd(steps, beta, diverge)

    def _set(self) -> None:
        i = min(len(self.losses), len(self.lrs) - 1)
        for group in self.trainer.optimizer.param_groups:
            group["lr"] = float(self.lrs[i])

    def on_train_begin(self, logs: dict[str, Any]) -> None:
        self._set()

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any]) -> None:
        self._set()  # after the schedule's own step at the end of the last epoch

    def on_batch_end(self, step: int, logs: dict[str, Any]) -> None:
        loss = float(logs["loss"])
        self.losses.append(loss)
        if self._end.reached(loss):
            raise StopRangeTest  # now, not at the end of the epoch
        self._set()


class StopRangeTest(Exception):
    """Raised by ``LRRangeTest`` out of the training loop once the test is over."""


@dataclass
class LRFind:
    """What a range test found. ``losses``/``smoothed``: one row per seed (NaN after a seed
    stopped); ``relative``: each smoothed row divided by its value at the first step read;
    ``curve``: the median of the relative rows over the ``reached`` first steps; ``suggestion`` and
    ``range`` in units of the learning rate."""

    lrs: np.ndarray
    losses: np.ndarray
    smoothed: np.ndarray
    relative: np.ndarray
    curve: np.ndarray
    reached: int
    suggestion: float
    range: tuple[float, float]
    per_seed: list[float]
    seeds: list[int]
    method: str
    beta: float = 0.98
    settings: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        def num(a: np.ndarray) -> list[float | None]:
            return [float(x) if math.isfinite(x) else None for x in np.asarray(a).ravel()]

        return {"suggestion": self.suggestion, "range": list(self.range),
                "per_seed": self.per_seed, "seeds": self.seeds, "method": self.method,
                "beta": self.beta,
                "steps": len(self.lrs), "reached": self.reached, "lrs": num(self.lrs),
                "curve": num(self.curve), "losses": [num(r) for r in self.losses],
                "relative": [num(r) for r in self.relative],
                "settings": self.settings}


def read(lrs: np.ndarray, losses: Sequence[Sequence[float]], seeds: Sequence[int],
         beta: float = 0.98, skip_start: int | None = None,
         settings: dict[str, Any] | None = None) -> LRFind:
    """The reading of recorded range tests (one list of batch losses per seed)."""
    n = len(lrs)
    raw = np.full((len(losses), n), np.nan)
    sm = np.full((len(losses), n), np.nan)
    for k, row in enumerate(losses):
        raw[k, :len(row)] = row
        sm[k, :len(row)] = smooth(row, beta)
    reached = min(len(row) for row in losses)
    if reached < 8:
        raise ValueError(f"the range test stopped after {reached} steps: the loss blew up at "
                         f"once (lr {lrs[max(reached - 1, 0)]:.3g}); lower lr_min (now "
                         f"{lrs[0]:.3g})")
    skip = max(1, n // 10) if skip_start is None else skip_start
    skip = min(skip, reached // 2)  # the first steps: the average is still warming up

    def reading(curve: np.ndarray) -> float:
        return float(lrs[skip + valley(curve[skip:reached])])

    # Seeds start from different weights, so their losses sit at different levels: the shape
    # is what is read, so each curve is taken relative to its own value at the first step read.
    relative = sm / sm[:, skip:skip + 1]
    curve = np.median(relative[:, :reached], axis=0)
    suggestion = reading(curve)
    per_seed = [reading(row) for row in sm]
    span = (min(per_seed + [suggestion]), max(per_seed + [suggestion]))
    return LRFind(lrs, raw, sm, relative, curve, reached, suggestion, span, per_seed,
                  list(seeds), METHOD.format(beta=beta), beta, settings or {})


def run_range_test(fit: Callable[[int, LRRangeTest], None], seeds: Sequence[int],
                   lr_min: float, lr_max: float, steps: int, beta: float = 0.98,
                   diverge: float = 4.0, settings: dict[str, Any] | None = None) -> LRFind:
    """Run ``fit(seed, callback)`` once per seed (it trains with the callback until it stops
    the run) and read the results."""
    check_arguments(lr_min, lr_max, steps, beta, diverge, seeds)
    recorded = []
    for seed in seeds:
        test = LRRangeTest(lr_min, lr_max, steps, beta, diverge)
        try:
            fit(seed, test)
        except (StopRangeTest, DivergenceError):  # a blown-up loss ends it too, as meant
            pass
        recorded.append([x for x in test.losses if math.isfinite(x)])
    return read(np.geomspace(lr_min, lr_max, steps), recorded, seeds, beta, settings=settings)


def check_arguments(lr_min: float, lr_max: float, steps: int, beta: float, diverge: float,
           seeds: Sequence[int]) -> None:
    if not (math.isfinite(lr_min) and math.isfinite(lr_max) and 0 < lr_min < lr_max):
        raise ValueError(f"lr_min and lr_max must be finite with 0 < lr_min < lr_max; got "
                         f"{lr_min!r}, {lr_max!r} (e.g. 1e-6 and 1)")
    if isinstance(steps, bool) or not isinstance(steps, int) or not 20 <= steps <= 100_000:
        raise ValueError(f"steps must be an integer in [20, 100000], got {steps!r} (e.g. 100)")
    if not 0 <= beta < 1:
        raise ValueError(f"beta (the smoothing) must be in [0, 1), got {beta!r} (e.g. 0.98)")
    if not (math.isfinite(diverge) and diverge > 1):
        raise ValueError(f"diverge must be a finite number > 1, got {diverge!r} (e.g. 4)")
    if not seeds:
        raise ValueError("seeds: give at least one seed")
