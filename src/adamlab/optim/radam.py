"""RAdam: Adam with the variance of the adaptive step rectified early in training."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from adamlab.optim._terms import direction_fma, ema_fma, ema_sq_fma
from adamlab.optim.base import Optimizer


class RAdam(Optimizer):
    r"""RAdam (Liu et al., 2020), as ``torch.optim.RAdam`` computes it.

    ::

        m_t, v_t as in Adam;  m̂_t = m_t/(1 − β1^t)
        ρ_∞ = 2/(1 − β2) − 1,   ρ_t = ρ_∞ − 2t·β2^t/(1 − β2^t)
        if ρ_t > 5:   r_t = √((ρ_t − 4)(ρ_t − 2)ρ_∞ / ((ρ_∞ − 4)(ρ_∞ − 2)ρ_t))
                      θ_t = θ_{t-1} − α·m̂_t·√(1 − β2^t)/(√v_t + ε)·r_t
        else:         θ_t = θ_{t-1} − α·m̂_t                 (plain momentum SGD)

    Note ε is added to √v_t *before* the bias correction here (PyTorch's RAdam, unlike its Adam).
    Weight decay: L2 by default, decoupled with decoupled_weight_decay=True.
    Defaults (PyTorch's): lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.
    With β2 = 0.999 the threshold ρ_t > 5 is first passed at t = 6.
    ε must have a finite reciprocal in the parameters' dtype (ε ≳ 2.9e-39 in float32, 5.6e-309
    in float64): below, where v_t = 0 the step is 0·∞ = NaN (in torch too); refused.
    """

    buffers = ("exp_avg", "exp_avg_sq")

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        *,
        decoupled_weight_decay: bool = False,
        maximize: bool = False,
    ) -> None:
        super().__init__(
            params,
            dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                 decoupled_weight_decay=decoupled_weight_decay, maximize=maximize),
        )

    def _eps_fault(self, eps: np.floating) -> str:
        # the step holds √(1 − β2^t)/(√v_t + ε): up to 1/ε where v is 0, which must be finite
        with np.errstate(over="ignore", divide="ignore"):
            reciprocal = eps.dtype.type(1) / eps
        return super()._eps_fault(eps) or ("" if np.isfinite(reciprocal) else (
            "has no finite reciprocal in {dtype}: RAdam multiplies the step by 1/(√v + eps), "
            "and a gradient that is exactly 0 (a dead ReLU unit) gives 0·∞ = NaN"))

    def _update(self, p, g, state, group) -> None:
        lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
        state["step"] += 1
        t = state["step"]
        g = direction_fma(p, g, group, self._scratch)
        m, v = state["exp_avg"], state["exp_avg_sq"]
        tmp = self._scratch(p, 1)
        ema_fma(m, g, beta1, tmp)  # m_t
        ema_sq_fma(v, g, beta2, tmp)  # v_t
        bias_correction1 = 1 - beta1**t
        bias_correction2 = 1 - beta2**t
        update = np.divide(m, bias_correction1, out=self._scratch(p, 2))  # m̂_t
        update *= lr  # α·m̂_t
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * t * (beta2**t) / bias_correction2
        if rho_t > 5.0:
            rect = (
                (rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)
            ) ** 0.5  # r_t
            adaptive = np.sqrt(v, out=tmp)
            adaptive += eps
            # √(1 − β2^t)/(√v_t + ε) as torch divides a number by a tensor: (1/x)·s, two roundings
            np.reciprocal(adaptive, out=adaptive)
            adaptive *= bias_correction2**0.5
            update *= adaptive
            update *= rect
        p -= update
