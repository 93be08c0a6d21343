"""AdEMAMix: Adam with a second, slow momentum mixed in (Pagliardini, Ablin & Grangier 2024)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from adamlab.optim._optax_terms import moment, moment_sq
from adamlab.optim._terms import direction
from adamlab.optim.base import Optimizer, _check_number


class AdEMAMix(Optimizer):
    r"""AdEMAMix (Pagliardini, Ablin & Grangier 2024, "The AdEMAMix Optimizer: Better, Faster,
    Older", arXiv:2409.03137).

    Follows ``optax.contrib.ademamix`` step for step::

        g_t   = ∇f(θ_{t-1})                              (−∇f with maximize)
        m1_t  = (1 − β1)·g_t + β1·m1_{t-1}               (fast EMA, bias-corrected)
        m2_t  = (1 − β3)·g_t + β3·m2_{t-1}               (slow EMA, NOT bias-corrected)
        ν_t   = (1 − β2)·g_t² + β2·ν_{t-1}
        u_t   = (m1_t/(1 − β1^t) + α·m2_t) / (√(ν_t/(1 − β2^t) + ε_root) + ε)
        θ_t   = θ_{t-1} − η·(u_t + λ·θ_{t-1})            (decoupled decay, scaled by η)

    The slow EMA (β3 = 0.9999 remembers ~10⁴ steps) fills slowly from 0 on purpose, which is
    why it is not bias-corrected; α weighs it against the fast one.

    Defaults: optax's betas=(b1, b2, b3)=(0.9, 0.999, 0.9999), alpha=5.0, eps=1e-8,
    eps_root=0, weight_decay=0; lr=1e-3 (optax has no default learning rate).

    Conventions:

    * The paper warms α and β3 up over T_{α,β3} steps (linear α, β3 by its half-life rule);
      optax takes schedules for them, adamlab takes constants (its learning-rate schedules
      act on ``lr`` only): run with a warm-up of lr, or small α, early on.
    * Weight decay as AdamW in optax (η·λ·θ added to the step), the same as torch's
      θ·(1 − η·λ) up to rounding.
    """

    buffers = ("m1", "m2", "nu")

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float, float] = (0.9, 0.999, 0.9999),
        alpha: float = 5.0,
        eps: float = 1e-8,
        eps_root: float = 0.0,
        weight_decay: float = 0.0,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(
            params,
            dict(lr=lr, betas=betas, alpha=alpha, eps=eps, eps_root=eps_root,
                 weight_decay=weight_decay, maximize=maximize),
        )

    def _validate_hyperparameters(self, h: Mapping[str, Any], where: str) -> None:
        # three betas, and an alpha that is a weight (not RMSprop's smoothing constant in [0, 1))
        super()._validate_hyperparameters(
            {k: v for k, v in h.items() if k not in ("betas", "alpha")}, where)
        name = self._name + where
        if "betas" in h:
            betas = h["betas"]
            if not isinstance(betas, Sequence) or len(betas) != 3:
                raise ValueError(f"{name}: betas must be a triple (beta1, beta2, beta3), "
                                 f"got {betas!r}")
            for k, b in enumerate(betas):
                _check_number(name, f"betas[{k}]", b, low=0.0, high=1.0, high_open=True)
        if "alpha" in h:
            _check_number(name, "alpha", h["alpha"], low=0.0,
                          why="it weighs the slow momentum (5.0 is optax's default)")
        if "eps_root" in h:
            _check_number(name, "eps_root", h["eps_root"], low=0.0)

    def _update(self, p, g, state, group) -> None:
        lr, (beta1, beta2, beta3), wd = group["lr"], group["betas"], group["weight_decay"]
        g = direction(p, g, {"maximize": group["maximize"]}, self._scratch)  # −g with maximize
        m1, m2, nu = state["m1"], state["m2"], state["nu"]
        tmp = self._scratch(p, 1)
        moment(m1, g, beta1, tmp)  # m1_t = (1 − β1)·g + β1·m1
        moment(m2, g, beta3, tmp)  # m2_t = (1 − β3)·g + β3·m2
        moment_sq(nu, g, beta2, tmp)  # ν_t = (1 − β2)·g² + β2·ν
        state["step"] += 1
        t = state["step"]
        u = np.divide(m1, p.dtype.type(1 - beta1**t), out=self._scratch(p, 2))  # m̂1_t
        u += np.multiply(m2, group["alpha"], out=tmp)  # m̂1_t + α·m2_t
        denom = np.divide(nu, p.dtype.type(1 - beta2**t), out=tmp)  # ν̂_t
        denom += group["eps_root"]
        np.sqrt(denom, out=denom)
        denom += group["eps"]  # √(ν̂ + ε_root) + ε
        u /= denom
        if wd != 0:
            u += np.multiply(p, wd, out=tmp)  # u_t + λ·θ
        u *= -lr
        p += u  # θ_t = θ − η·(u_t + λ·θ)
