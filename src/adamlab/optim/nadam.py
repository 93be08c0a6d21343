"""NAdam: Adam with Nesterov momentum and Dozat's momentum schedule."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from adamlab.optim._terms import direction_fma, ema_fma, ema_sq_fma
from adamlab.optim.base import Optimizer


class NAdam(Optimizer):
    r"""NAdam (Dozat, 2016), as ``torch.optim.NAdam`` computes it.

    The momentum coefficient follows a schedule with momentum_decay ψ::

        μ_t = β1·(1 − ½·0.96^(t·ψ)),   Π_t = ∏_{i≤t} μ_i          (the "μ-product", in state)
        g_t ← g_t + λ·θ  (L2)   or   θ ← θ·(1 − α·λ)  (decoupled_weight_decay=True)
        m_t = β1·m_{t-1} + (1 − β1)·g_t
        v_t = β2·v_{t-1} + (1 − β2)·g_t²
        d_t = √(v_t / (1 − β2^t)) + ε
        θ_t = θ_{t-1} − α·(1 − μ_t)/(1 − Π_t) · g_t/d_t − α·μ_{t+1}/(1 − Π_t·μ_{t+1}) · m_t/d_t

    Defaults (PyTorch's): lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
    momentum_decay=4e-3, decoupled_weight_decay=False.
    """

    buffers = ("exp_avg", "exp_avg_sq")

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum_decay: float = 4e-3,
        *,
        decoupled_weight_decay: bool = False,
        maximize: bool = False,
    ) -> None:
        super().__init__(
            params,
            dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                 momentum_decay=momentum_decay, decoupled_weight_decay=decoupled_weight_decay,
                 maximize=maximize),
        )

    def _init_state(self, p: np.ndarray, group: Mapping[str, Any]) -> dict[str, Any]:
        return {"mu_product": 1.0, **super()._init_state(p, group)}

    def _update(self, p, g, state, group) -> None:
        lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
        psi = group["momentum_decay"]
        state["step"] += 1
        t = state["step"]
        bias_correction2 = 1 - beta2**t
        g = direction_fma(p, g, group, self._scratch)
        mu = beta1 * (1.0 - 0.5 * (0.96 ** (t * psi)))  # μ_t
        mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((t + 1) * psi)))  # μ_{t+1}
        state["mu_product"] *= mu  # Π_t = Π_{t-1}·μ_t
        mu_product = state["mu_product"]
        m, v = state["exp_avg"], state["exp_avg_sq"]
        tmp = self._scratch(p, 1)
        ema_fma(m, g, beta1, tmp)  # m_t
        ema_sq_fma(v, g, beta2, tmp)  # v_t
        denom = np.divide(v, bias_correction2, out=tmp)
        np.sqrt(denom, out=denom)
        denom += eps  # d_t = √(v_t/(1 − β2^t)) + ε
        update = self._scratch(p, 2)
        np.multiply(g, -lr * (1.0 - mu) / (1.0 - mu_product), out=update)
        update /= denom
        p += update  # the gradient's (Nesterov) part
        np.multiply(m, (-lr * mu_next) / (1.0 - mu_product * mu_next), out=update)
        update /= denom
        p += update  # the momentum's part
