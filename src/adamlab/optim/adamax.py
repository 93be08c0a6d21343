"""Adamax: Adam with the infinity norm in place of the second moment."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from adamlab.optim._terms import direction_fma, ema_fma
from adamlab.optim.base import Optimizer


class Adamax(Optimizer):
    r"""Adamax (Kingma & Ba, 2015, section 7.1), as ``torch.optim.Adamax`` computes it.

    ::

        g_t ← g_t + λ·θ_{t-1}                  (L2 weight decay)
        m_t = β1·m_{t-1} + (1 − β1)·g_t
        u_t = max(β2·u_{t-1}, |g_t| + ε)        (ε inside the max, PyTorch's placement)
        θ_t = θ_{t-1} − α/(1 − β1^t) · m_t/u_t

    Defaults (PyTorch's): lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.
    """

    buffers = ("exp_avg", "exp_inf")

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(
            params,
            dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, maximize=maximize),
        )

    def _update(self, p, g, state, group) -> None:
        lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
        state["step"] += 1
        t = state["step"]
        g = direction_fma(p, g, group, self._scratch)
        m, u = state["exp_avg"], state["exp_inf"]
        tmp = self._scratch(p, 1)
        ema_fma(m, g, beta1, tmp)  # m_t
        u *= beta2
        np.abs(g, out=tmp)
        tmp += eps
        np.maximum(u, tmp, out=u)  # u_t = max(β2·u_{t-1}, |g_t| + ε)
        clr = lr / (1 - beta1**t)
        update = np.multiply(m, -clr, out=tmp)
        update /= u
        p += update  # θ_t = θ_{t-1} − α/(1 − β1^t)·m_t/u_t
