"""scikit-learn's ``solver="sgd"``: its velocity form of momentum and its learning-rate schedules.

scikit-learn's ``SGDOptimizer`` (``sklearn/neural_network/_stochastic_optimizers.py``) keeps a
velocity that already carries the learning rate::

    v_t = μ·v_{t-1} − η_t·g_t                 (v_0 = 0)
    θ_t = θ_{t-1} + v_t                        (nesterovs_momentum=False)
    θ_t = θ_{t-1} + μ·v_t − η_t·g_t            (nesterovs_momentum=True, the default)

PyTorch's SGD (``adamlab.optim.SGD``) keeps ``b_t = μ·b_{t-1} + g_t`` and steps ``θ − η_t·b_t``:
the same path while η is constant (``v = −η·b``), a different one once η changes, because
scikit-learn's velocity keeps the old rates (``invscaling``/``adaptive`` change η between
epochs). So the "sgd" solver is this optimizer, computed in scikit-learn's order of operations
(``μ·v − η·g``, then ``θ += update``): float64 trajectories equal scikit-learn's bit for bit
(tests/estimators/test_solvers.py). ``momentum=0`` is plain SGD, ``θ ← θ − η·g``.

``LearningRate`` is scikit-learn's schedule of η (its ``iteration_ends`` and ``trigger_stopping``)::

    constant     η = learning_rate_init
    invscaling   η = learning_rate_init / (t + 1)**power_t  after each epoch, t = samples seen
    adaptive     η ← η / 5 each time the stopping rule fires (the count is reset instead of
                 stopping), and training stops once η ≤ 1e-6
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from adamlab.optim.base import Optimizer

__all__ = ["SklearnSGD", "LearningRate"]


class SklearnSGD(Optimizer):
    """scikit-learn's SGD with (Nesterov) momentum in velocity form (equations above).

    Defaults are scikit-learn's: lr=0.1 (its ``learning_rate_init`` is the estimator's, 1e-3),
    momentum=0.9, nesterov=True. Reference: ``sklearn.neural_network._stochastic_optimizers.
    SGDOptimizer``.
    """

    buffers = ("velocity",)

    def __init__(self, params: Iterable[Any], lr: float = 0.1, momentum: float = 0.9,
                 nesterov: bool = True) -> None:
        super().__init__(params, dict(lr=lr, momentum=momentum, nesterov=nesterov))

    def _update(self, p: np.ndarray, g: np.ndarray, state: dict[str, Any],
                group: Mapping[str, Any]) -> None:
        lr, mu = group["lr"], group["momentum"]
        v = state["velocity"]
        state["step"] += 1
        v *= mu
        v -= np.multiply(g, lr, out=self._scratch(p, 0))  # v_t = μ·v_{t-1} − η·g_t
        if group["nesterov"]:
            update = np.multiply(v, mu, out=self._scratch(p, 1))
            update -= self._scratch(p, 0)  # μ·v_t − η·g_t
            p += update  # θ_t = θ_{t-1} + μ·v_t − η·g_t
        else:
            p += v  # θ_t = θ_{t-1} + v_t


class LearningRate:
    """scikit-learn's η for the "sgd" solver (``constant``, ``invscaling``, ``adaptive``);
    for the other solvers η stays ``learning_rate_init`` and the stopping rule just stops.

    ``learning_rate`` is the current η, also what ``estimator._optimizer.learning_rate`` reads
    (the name scikit-learn's tests use).
    """

    def __init__(self, schedule: str, learning_rate_init: float, power_t: float) -> None:
        self.schedule, self.power_t = schedule, float(power_t)
        self.learning_rate_init = float(learning_rate_init)
        self.learning_rate = float(learning_rate_init)

    def iteration_ends(self, time_step: int) -> None:
        """After each epoch; ``time_step`` is the number of samples seen so far (``t_``)."""
        if self.schedule == "invscaling":
            self.learning_rate = float(self.learning_rate_init) / (time_step + 1) ** self.power_t

    def trigger_stopping(self, msg: str, verbose: bool) -> bool:
        """The stopping rule fired: stop (True), or for "adaptive" divide η by 5 (False)."""
        if self.schedule != "adaptive":
            if verbose:
                print(msg + " Stopping.")
            return True
        if self.learning_rate <= 1e-6:
            if verbose:
                print(msg + " Learning rate too small. Stopping.")
            return True
        self.learning_rate /= 5.0
        if verbose:
            print(f"{msg} Setting learning rate to {self.learning_rate:f}")
        return False

    def restart(self, schedule: str, learning_rate_init: float, power_t: float) -> None:
        """New settings (a warm start): a changed ``learning_rate_init`` or schedule restarts
        η from it, as scikit-learn's new optimizer would; unchanged ones continue."""
        if (schedule, float(learning_rate_init)) != (self.schedule, self.learning_rate_init):
            self.__init__(schedule, learning_rate_init, power_t)
        self.power_t = float(power_t)

    def state(self) -> dict[str, Any]:
        return {"schedule": self.schedule, "learning_rate_init": self.learning_rate_init,
                "power_t": self.power_t, "learning_rate": self.learning_rate}

    @classmethod
    def from_state(cls, meta: Mapping[str, Any]) -> LearningRate:
        lr = cls(str(meta["schedule"]), float(meta["learning_rate_init"]), float(meta["power_t"]))
        lr.learning_rate = float(meta["learning_rate"])
        return lr
