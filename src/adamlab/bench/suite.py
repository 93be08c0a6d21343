"""The workloads of ``adamlab bench``, versioned: a result names the suite and its version.

Two kinds: a network trained by ``adamlab train``'s pipeline on a built-in data set (its
metric the final validation loss; its target a validation accuracy, or a loss for
regression), and a 2-D test function of known conditioning run by ``adamlab.landscape`` (its
metric the final f − f_min; its target a gap below which the run has converged). Targets are
fixed in the suite, not derived from the runs, so that steps-to-target means the same for every
optimizer and every release of the same suite version.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["SUITE_VERSION", "SUITES", "Workload"]

#: Bumped whenever a workload, its budget of steps or its target changes.
SUITE_VERSION = 1


@dataclass(frozen=True)
class Workload:
    """``kind`` "train": ``settings`` are ``experiment.Settings`` fields, ``target`` is reached
    at the first epoch whose ``target_metric`` is at or past it; "function": ``function`` is a
    ``landscape.FUNCTIONS`` name run for ``steps`` steps from its start (each seed moves the
    start by N(0, ``jitter``²)), ``target`` a gap f − f_min."""

    name: str
    kind: str
    target: float
    target_metric: str = "val_accuracy"
    settings: dict[str, Any] = field(default_factory=dict)
    function: str | None = None
    steps: int = 0
    jitter: float = 0.05
    summary: str = ""

    @property
    def higher_is_better(self) -> bool:
        return self.target_metric.endswith("accuracy")


def _net(name: str, target: float, epochs: int, metric: str = "val_accuracy",
         **settings: Any) -> Workload:
    base = {"data": name, "hidden": [16, 16], "epochs": epochs, "batch_size": 32,
            "activation": "tanh", **settings}
    return Workload(name, "train", target, metric, base,
                    summary=f"{name}: MLP {tuple(base['hidden'])}, {epochs} epochs, batch 32")


def _fn(name: str, steps: int, target: float, summary: str) -> Workload:
    return Workload(name, "function", target, "gap", function=name, steps=steps, summary=summary)


SUITES: dict[str, list[Workload]] = {
    "quick": [
        _net("moons", 0.95, 20),
        _net("circles", 0.95, 20),
        _net("wine", 0.95, 20),
        _fn("ill-conditioned", 300, 1e-6, "rotated quadratic, condition number 100"),
    ],
    "standard": [
        _net("moons", 0.95, 50),
        _net("circles", 0.97, 50),
        _net("xor", 0.90, 50),
        _net("spirals", 0.95, 100, hidden=[32, 32]),
        _net("digits", 0.95, 30, hidden=[32]),
        _net("breast-cancer", 0.96, 30),
        _net("wine", 0.97, 30),
        _net("diabetes", 1600.0, 100, "val_loss", hidden=[16]),
        _fn("ill-conditioned", 500, 1e-6, "rotated quadratic, condition number 100"),
        _fn("rosenbrock", 2000, 1e-4, "Rosenbrock's valley (Hessian condition ~2500 at (1, 1))"),
    ],
}
