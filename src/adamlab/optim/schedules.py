"""Learning-rate schedules: pure functions of the step count, and one stateful plateau rule.

A schedule maps ``(t, base_lr) -> lr`` for ``t = 0, 1, 2, …`` (epochs or steps, as the caller
counts) and holds no state, so resuming only needs ``t``. ``LRScheduler`` applies one to an
optimizer's groups (each group from its own ``initial_lr``); ``ReduceLROnPlateau`` is the one
rule that depends on the metrics seen so far, and round-trips its state through ``state_dict``.

Both are *schedulers* with one interface, called once per epoch by a training loop that need
not know which it holds::

    scheduler = make_scheduler("plateau", optimizer, epochs=100)
    scheduler.step(val_loss)          # a rule of the epoch count alone ignores the metric

``SCHEDULES`` is the registry of the names a user types (one ``ScheduleSpec`` row each).

Values equal ``torch.optim.lr_scheduler``'s ``StepLR``, ``ExponentialLR`` and
``CosineAnnealingLR`` for the same arguments (PyTorch computes cosine recursively; the closed
form used here agrees with it to rounding).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from adamlab.optim.base import Optimizer

__all__ = [
    "Schedule", "Constant", "StepLR", "ExponentialLR", "CosineAnnealingLR",
    "Scheduler", "LRScheduler", "ReduceLROnPlateau", "ScheduleSpec", "SCHEDULES",
    "make_schedule", "make_scheduler",
]


class Schedule(Protocol):
    def __call__(self, t: int, base_lr: float) -> float: ...


class Scheduler(Protocol):
    """What a training loop calls: ``step(metric)`` once per epoch, and the state I/O.

    ``kind`` names the scheduler's entry in a trainer checkpoint (``schedule_state.<kind>``)."""

    kind: str

    def step(self, metric: float | None = None) -> None: ...
    def state_dict(self) -> dict[str, Any]: ...
    def load_state_dict(self, state: Mapping[str, Any]) -> None: ...


def _check(name: str, arg: str, value: Any, ok: Any, what: str, integer: bool = False) -> None:
    """Raise a ValueError naming ``arg`` unless ``value`` is a real number and ``ok(value)``."""
    kinds = (int,) if integer else (int, float)
    if (isinstance(value, bool) or not isinstance(value, kinds) or not math.isfinite(value)
            or not ok(value)):
        raise ValueError(f"{name}: {arg} must be {what}, got {value!r}")


@dataclass(frozen=True)
class Constant:
    """α_t = α."""

    def __call__(self, t: int, base_lr: float) -> float:
        return base_lr


@dataclass(frozen=True)
class StepLR:
    """α_t = α·γ^⌊t / step_size⌋ (PyTorch's ``StepLR``; default γ = 0.1)."""

    step_size: int
    gamma: float = 0.1

    def __post_init__(self) -> None:
        _check("StepLR", "step_size", self.step_size, lambda v: v >= 1, "an integer >= 1", True)
        _check("StepLR", "gamma", self.gamma, lambda v: 0 < v <= 1, "in (0, 1]")

    def __call__(self, t: int, base_lr: float) -> float:
        return base_lr * self.gamma ** (t // self.step_size)


@dataclass(frozen=True)
class ExponentialLR:
    """α_t = α·γ^t (PyTorch's ``ExponentialLR``)."""

    gamma: float

    def __post_init__(self) -> None:
        _check("ExponentialLR", "gamma", self.gamma, lambda v: 0 < v <= 1, "in (0, 1]")

    def __call__(self, t: int, base_lr: float) -> float:
        return base_lr * self.gamma**t


@dataclass(frozen=True)
class CosineAnnealingLR:
    """Cosine decay from α to η_min over ``T_max`` steps, after an optional linear warmup.

    * warmup (t < w):  α_t = α·(t + 1)/(w + 1)      — never 0, reaches α at t = w
    * then, with s = t − w and S = T_max − w:
                       α_t = η_min + (α − η_min)·(1 + cos(π·s/S))/2

    With ``warmup=0`` this is PyTorch's ``CosineAnnealingLR(T_max, eta_min)`` (which, like this,
    rises again past ``T_max``: set ``T_max`` to the length of training).
    """

    T_max: int
    eta_min: float = 0.0
    warmup: int = 0

    def __post_init__(self) -> None:
        name = "CosineAnnealingLR"
        _check(name, "T_max", self.T_max, lambda v: v >= 1, "an integer >= 1", True)
        _check(name, "warmup", self.warmup, lambda v: 0 <= v < self.T_max,
               f"an integer in [0, T_max={self.T_max})", True)
        _check(name, "eta_min", self.eta_min, lambda v: v >= 0, "a finite number >= 0")

    def __call__(self, t: int, base_lr: float) -> float:
        if t < self.warmup:
            return base_lr * (t + 1) / (self.warmup + 1)
        s, span = t - self.warmup, self.T_max - self.warmup
        return self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(s * math.pi / span)) / 2


class LRScheduler:
    """Applies a ``Schedule`` to every group of an optimizer, counting ``t`` itself.

    On construction each group's ``initial_lr`` is recorded (once) and its ``lr`` set to
    ``schedule(0, initial_lr)``; every ``step()`` advances ``t`` and sets ``schedule(t, …)``.
    """

    kind = "lr_scheduler"

    def __init__(self, optimizer: Optimizer, schedule: Schedule) -> None:
        self.optimizer, self.schedule, self.t = optimizer, schedule, 0
        for group in optimizer.param_groups:
            group.setdefault("initial_lr", group["lr"])
        self._apply()

    def _apply(self) -> None:
        for group in self.optimizer.param_groups:
            group["lr"] = self.schedule(self.t, group["initial_lr"])

    def step(self, metric: float | None = None) -> None:
        """Advance one epoch (``metric`` is accepted for the common interface, and unused)."""
        self.t += 1
        self._apply()

    @property
    def lrs(self) -> list[float]:
        return [g["lr"] for g in self.optimizer.param_groups]

    def state_dict(self) -> dict[str, Any]:
        return {"t": self.t}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        t = state["t"]
        if isinstance(t, bool) or not isinstance(t, int) or t < 0:
            raise ValueError(f"LRScheduler.load_state_dict: t must be an integer >= 0, got {t!r}")
        self.t = t
        self._apply()


class ReduceLROnPlateau:
    """Multiply each group's lr by ``factor`` when a metric stops improving (PyTorch's rule).

    A value is an improvement when it beats ``best`` by more than ``threshold`` (relative:
    ``a < best·(1 − threshold)`` in mode "min"; absolute: ``a < best − threshold``). After
    ``patience`` epochs without one, lr ← max(lr·factor, min_lr), skipped when the change is
    below ``eps``; then ``cooldown`` epochs are ignored. Defaults are PyTorch's.
    """

    kind = "plateau"

    def __init__(
        self,
        optimizer: Optimizer,
        mode: str = "min",
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_mode: str = "rel",
        cooldown: int = 0,
        min_lr: float = 0.0,
        eps: float = 1e-8,
    ) -> None:
        name = "ReduceLROnPlateau"
        if mode not in ("min", "max"):
            raise ValueError(f"{name}: mode must be 'min' or 'max', got {mode!r}")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(
                f"{name}: threshold_mode must be 'rel' or 'abs', got {threshold_mode!r}")
        _check(name, "factor", factor, lambda v: 0 < v < 1, "in (0, 1)")
        _check(name, "patience", patience, lambda v: v >= 0, "an integer >= 0", True)
        _check(name, "cooldown", cooldown, lambda v: v >= 0, "an integer >= 0", True)
        _check(name, "threshold", threshold, lambda v: v >= 0, "a finite number >= 0")
        _check(name, "min_lr", min_lr, lambda v: v >= 0, "a finite number >= 0")
        self.optimizer = optimizer
        self.mode, self.factor, self.patience = mode, factor, patience
        self.threshold, self.threshold_mode = threshold, threshold_mode
        self.cooldown, self.min_lr, self.eps = cooldown, min_lr, eps
        self.best = self._worst
        self.num_bad_epochs = 0
        self.cooldown_counter = 0
        self.t = 0

    @property
    def _worst(self) -> float:
        return math.inf if self.mode == "min" else -math.inf

    def _is_better(self, a: float) -> bool:
        if self.mode == "min":
            return a < (self.best * (1 - self.threshold) if self.threshold_mode == "rel"
                        else self.best - self.threshold)
        return a > (self.best * (1 + self.threshold) if self.threshold_mode == "rel"
                    else self.best + self.threshold)

    def step(self, metric: float | None = None) -> None:
        if metric is None:
            raise ValueError("ReduceLROnPlateau.step needs the metric it follows "
                             "(e.g. the epoch's validation loss)")
        metric = float(metric)
        self.t += 1
        if self._is_better(metric):
            self.best, self.num_bad_epochs = metric, 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # bad epochs in cooldown do not count
        if self.num_bad_epochs > self.patience:
            for group in self.optimizer.param_groups:
                new_lr = max(group["lr"] * self.factor, self.min_lr)
                if group["lr"] - new_lr > self.eps:
                    group["lr"] = new_lr
            self.cooldown_counter, self.num_bad_epochs = self.cooldown, 0

    @property
    def lrs(self) -> list[float]:
        return [g["lr"] for g in self.optimizer.param_groups]

    _COUNTS = ("num_bad_epochs", "cooldown_counter", "t")

    def state_dict(self) -> dict[str, Any]:
        """JSON-able: ``best`` is None before the first finite metric (JSON has no infinity)."""
        best = None if math.isinf(self.best) else self.best
        return {"best": best, **{k: getattr(self, k) for k in self._COUNTS}, "lrs": self.lrs}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """The inverse of ``state_dict``, checked first (a checkpoint file may be hostile)."""
        name = "ReduceLROnPlateau.load_state_dict"
        best = state["best"]
        if best is not None:
            _check(name, "best", best, lambda v: True, "a finite number or null")
        for k in self._COUNTS:
            _check(name, k, state[k], lambda v: v >= 0, "an integer >= 0", True)
        lrs = state["lrs"]
        if not isinstance(lrs, list) or len(lrs) != len(self.optimizer.param_groups):
            raise ValueError(f"{name}: lrs must be a list of {len(self.optimizer.param_groups)} "
                             f"learning rate(s), one per group, got {lrs!r:.60}")
        for lr in lrs:
            _check(name, "lrs[...]", lr, lambda v: v >= 0, "a finite number >= 0")
        self.best = self._worst if best is None else float(best)
        self.num_bad_epochs, self.cooldown_counter, self.t = (int(state[k]) for k in self._COUNTS)
        for group, lr in zip(self.optimizer.param_groups, lrs, strict=True):
            group["lr"] = float(lr)


# ----------------------------------------------------------------------------- registry
@dataclass(frozen=True)
class ScheduleSpec:
    """One row of ``SCHEDULES``: what a name means, and how a run of ``epochs`` builds it.

    ``schedule(epochs, warmup, gamma, step_size, eta_min)`` builds a rule of the epoch count
    alone (a ``Schedule``); a rule that follows a metric has none and builds its scheduler from
    the optimizer with ``follows(optimizer)``. ``warmup``: whether the rule takes a warmup.
    """

    summary: str
    schedule: Callable[[int, int, float | None, int | None, float], Schedule] | None = None
    follows: Callable[[Optimizer], Scheduler] | None = None
    warmup: bool = False

    @property
    def needs_metric(self) -> bool:
        """True for a rule that cannot be drawn before training (it follows a metric)."""
        return self.schedule is None


#: Names a user types (``--schedule cosine``) -> how to build the schedule from the run's length.
SCHEDULES: dict[str, ScheduleSpec] = {
    "constant": ScheduleSpec(
        "the same learning rate throughout",
        schedule=lambda epochs, warmup, gamma, step_size, eta_min: Constant()),
    "step": ScheduleSpec(
        "multiply by gamma (0.1) every step_size epochs (default: a third of the run)",
        schedule=lambda epochs, warmup, gamma, step_size, eta_min: StepLR(
            step_size or max(1, epochs // 3), 0.1 if gamma is None else gamma)),
    "exponential": ScheduleSpec(
        "multiply by gamma (0.95) every epoch",
        schedule=lambda epochs, warmup, gamma, step_size, eta_min: ExponentialLR(
            0.95 if gamma is None else gamma)),
    "cosine": ScheduleSpec(
        "cosine decay to eta_min over the run, after an optional linear warmup",
        schedule=lambda epochs, warmup, gamma, step_size, eta_min: CosineAnnealingLR(
            max(1, epochs), eta_min, warmup),
        warmup=True),
    "plateau": ScheduleSpec(
        "multiply by factor (0.1) when the validation loss stops improving",
        follows=lambda optimizer: ReduceLROnPlateau(optimizer, factor=0.1, patience=5)),
}


def get_schedule_spec(name: str, warmup: int = 0) -> ScheduleSpec:
    """The row of ``name`` (case and spaces ignored); a ValueError naming the choices, or
    saying that ``warmup`` needs another schedule."""
    key = str(name).strip().lower()
    if key not in SCHEDULES:
        raise ValueError(f"unknown schedule {name!r}; choose one of: {', '.join(SCHEDULES)}")
    spec = SCHEDULES[key]
    if warmup and not spec.warmup:
        with_warmup = ", ".join(k for k, s in SCHEDULES.items() if s.warmup)
        raise ValueError(f"warmup is supported by the {with_warmup!r} schedule only, not {name!r}")
    return spec


def make_schedule(
    name: str,
    epochs: int,
    warmup: int = 0,
    gamma: float | None = None,
    step_size: int | None = None,
    eta_min: float = 0.0,
) -> Schedule | None:
    """Build the named stateless schedule for a run of ``epochs``; ``"plateau"`` returns None
    (it needs the optimizer and the metrics: use ``make_scheduler``)."""
    spec = get_schedule_spec(name, warmup)
    if spec.schedule is None:
        return None
    return spec.schedule(epochs, warmup, gamma, step_size, eta_min)


def make_scheduler(name: str, optimizer: Optimizer, epochs: int, warmup: int = 0) -> Scheduler:
    """The named rule applied to ``optimizer`` for a run of ``epochs``, behind the one
    ``step(metric)`` interface (an ``LRScheduler`` or a ``ReduceLROnPlateau``)."""
    spec = get_schedule_spec(name, warmup)
    if spec.schedule is None:
        return spec.follows(optimizer)
    return LRScheduler(optimizer, spec.schedule(epochs, warmup, None, None, 0.0))
