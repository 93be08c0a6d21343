"""Stochastic gradient descent with momentum and Nesterov momentum."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from adamlab.optim._terms import add_scaled, direction_fma
from adamlab.optim.base import Optimizer


class SGD(Optimizer):
    r"""SGD with optional momentum (Polyak) and Nesterov momentum (Sutskever et al., 2013).

    Follows ``torch.optim.SGD`` step for step::

        g_t = ∇f(θ_{t-1})               (−∇f with maximize)
        g_t ← g_t + λ·θ_{t-1}           (weight_decay λ, added to the gradient: L2)
        b_1 = g_1                        (first step: the buffer is the gradient itself)
        b_t = μ·b_{t-1} + (1 − τ)·g_t    (momentum μ, dampening τ)
        g_t ← g_t + μ·b_t  if nesterov  else  g_t ← b_t
        θ_t = θ_{t-1} − α·g_t

    Each ``x + s·y`` above is rounded once, as torch's ``add(y, alpha=s)`` (a fused multiply-add on
    CPU), so that the steps are torch's bit for bit.
    Defaults (PyTorch's): lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False.
    Nesterov needs momentum > 0 and dampening = 0.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(
            params,
            dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                 nesterov=nesterov, maximize=maximize),
        )

    def _validate_hyperparameters(self, h: Mapping[str, Any], where: str) -> None:
        super()._validate_hyperparameters(h, where)
        if h.get("nesterov") and (h.get("momentum", 0) <= 0 or h.get("dampening", 0) != 0):
            raise ValueError(
                f"{self._name}{where}: nesterov=True requires momentum > 0 and dampening = 0, "
                f"got momentum={h.get('momentum')}, dampening={h.get('dampening')}"
            )

    def _init_state(self, p: np.ndarray, group: Mapping[str, Any]) -> dict[str, Any]:
        return {"momentum_buffer": np.zeros_like(p)} if group["momentum"] != 0 else {}

    def _update(self, p, g, state, group) -> None:
        lr, mu = group["lr"], group["momentum"]
        g = direction_fma(p, g, group, self._scratch)
        state["step"] += 1
        if mu != 0:
            if "momentum_buffer" not in state:
                raise ValueError(f"{self._name}: momentum was 0 when this optimizer was built; "
                                 "build a new optimizer to turn momentum on")
            buf = state["momentum_buffer"]
            if state["step"] == 1:
                buf[...] = g  # b_1 = g_1
            else:
                buf *= mu
                add_scaled(buf, g, 1 - group["dampening"], buf)  # b_t = μ·b_{t-1} + (1 − τ)·g_t
            if group["nesterov"]:
                g = add_scaled(g, buf, mu, self._scratch(p, 1))  # g ← g + μ·b_t
            else:
                g = buf
        add_scaled(p, g, -lr, p)  # θ_t = θ_{t-1} − α·g_t
