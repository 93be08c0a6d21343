"""Adadelta: steps scaled by the ratio of two running RMS, of past updates and of gradients."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from adamlab.optim._terms import add_scaled, direction_fma, ema_sq_fma
from adamlab.optim.base import Optimizer, _check_number


class Adadelta(Optimizer):
    r"""Adadelta (Zeiler 2012, arXiv:1212.5701), as ``torch.optim.Adadelta`` computes it.

    ::

        g_t ← g_t + λ·θ_{t-1}                               (L2 weight decay)
        v_t = ρ·v_{t-1} + (1 − ρ)·g_t²                      (square_avg)
        Δ_t = √(u_{t-1} + ε) / √(v_t + ε) · g_t             (the unit-corrected step)
        u_t = ρ·u_{t-1} + (1 − ρ)·Δ_t²                      (acc_delta)
        θ_t = θ_{t-1} − α·Δ_t

    Defaults (PyTorch's): lr=1.0, rho=0.9, eps=1e-6, weight_decay=0. The paper has no α (it is
    1) and uses ρ = 0.95, ε = 1e-6; Keras' Adadelta defaults to learning_rate=1e-3, rho=0.95,
    epsilon=1e-7. ε sits inside both square roots (torch, Keras and the paper alike); with u
    starting at 0 the first steps are about α·√ε·g/√(v + ε), so Adadelta starts slowly.

    Rounded as torch rounds (``_single_tensor_adadelta``): the ``addcmul_`` and
    ``add(alpha=…)`` multiply-adds once (``_terms``): bit for bit equal on a feedback trajectory.

    Where adamlab differs from torch.optim: ``eps`` must be > 0 (torch accepts 0, which makes
    Δ_1 = 0 forever and a zero gradient 0/0).
    """

    buffers = ("square_avg", "acc_delta")

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0.0,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(
            params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize)
        )

    def _validate_hyperparameters(self, h: Mapping[str, Any], where: str) -> None:
        super()._validate_hyperparameters(h, where)
        if "rho" in h:
            _check_number(self._name + where, "rho", h["rho"], low=0.0, high=1.0)

    def _update(self, p, g, state, group) -> None:
        rho, eps = group["rho"], group["eps"]
        state["step"] += 1
        g = direction_fma(p, g, group, self._scratch)  # −g for maximize, then g + λθ
        v, u = state["square_avg"], state["acc_delta"]
        tmp, std, delta = self._scratch(p, 1), self._scratch(p, 2), self._scratch(p, 3)
        ema_sq_fma(v, g, rho, tmp)  # v_t = ρ·v + (1 − ρ)·g²
        np.add(v, eps, out=std)
        np.sqrt(std, out=std)  # √(v_t + ε)
        np.add(u, eps, out=delta)
        np.sqrt(delta, out=delta)  # √(u_{t-1} + ε)
        delta /= std
        delta *= g  # Δ_t = √(u_{t-1} + ε)/√(v_t + ε)·g_t
        ema_sq_fma(u, delta, rho, tmp)  # u_t = ρ·u + (1 − ρ)·Δ_t²
        add_scaled(p, delta, -group["lr"], p)  # θ_t = θ_{t-1} − α·Δ_t   (add_(Δ, alpha=−α))
