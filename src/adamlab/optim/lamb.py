"""LAMB: Adam's direction, rescaled per tensor by a trust ratio (You et al. 2020)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from adamlab.optim._optax_terms import moment, moment_sq, trust_ratio
from adamlab.optim._terms import direction
from adamlab.optim.base import Optimizer, _check_number


class LAMB(Optimizer):
    r"""LAMB (You et al. 2020, "Large Batch Optimization for Deep Learning: Training BERT in
    76 minutes", arXiv:1904.00962).

    Follows ``optax.lamb`` step for step (``scale_by_adam → add_decayed_weights →
    scale_by_trust_ratio → scale_by_learning_rate``), for each parameter tensor::

        g_t  = ∇f(θ_{t-1})                                 (−∇f with maximize)
        m_t  = (1 − β1)·g_t + β1·m_{t-1}
        v_t  = (1 − β2)·g_t² + β2·v_{t-1}
        u_t  = m̂_t / (√(v̂_t + ε_root) + ε),   m̂ = m/(1 − β1^t), v̂ = v/(1 − β2^t)
        u_t ← u_t + λ·θ_{t-1}                              (decoupled decay, inside the ratio)
        r_t  = ‖θ_{t-1}‖ / ‖u_t‖                           (1 when either norm is 0)
        θ_t  = θ_{t-1} − α·r_t·u_t

    Norms are Frobenius norms over the whole tensor, so LAMB is not elementwise: each
    parameter (a layer's weight matrix, its bias) gets its own ratio.

    Defaults: optax's b1=0.9, b2=0.999, eps=1e-6, eps_root=0, weight_decay=0; lr=1e-3
    (optax has no default learning rate). Names: ``lr`` for optax's ``learning_rate``,
    ``betas=(b1, b2)``.

    Conventions:

    * optax's trust ratio has no clipping of ‖θ‖ (the paper's φ is the identity here) and no
      bias correction switch; the paper's Algorithm 2 and NVIDIA's FusedLAMB (its default)
      bias-correct as here; implementations that do not differ in the first steps.
    * optax's ``mask`` (which parameters are decayed) is the parameter groups here: a group with
      weight_decay=0 (adamlab's biases by default) is not decayed.
    * Weight decay enters the update before the trust ratio is taken (the paper's), unlike
      AdamW's θ·(1 − αλ): the decay is rescaled with the rest of the step.
    """

    buffers = ("mu", "nu")
    elementwise = False

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-6,
        eps_root: float = 0.0,
        weight_decay: float = 0.0,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(
            params,
            dict(lr=lr, betas=betas, eps=eps, eps_root=eps_root, weight_decay=weight_decay,
                 maximize=maximize),
        )

    def _validate_hyperparameters(self, h: Mapping[str, Any], where: str) -> None:
        super()._validate_hyperparameters(h, where)
        if "eps_root" in h:
            _check_number(self._name + where, "eps_root", h["eps_root"], low=0.0)

    def _update(self, p, g, state, group) -> None:
        lr, (beta1, beta2), wd = group["lr"], group["betas"], group["weight_decay"]
        g = direction(p, g, {"maximize": group["maximize"]}, self._scratch)  # −g with maximize
        m, v = state["mu"], state["nu"]
        tmp = self._scratch(p, 1)
        moment(m, g, beta1, tmp)  # m_t = (1 − β1)·g + β1·m
        moment_sq(v, g, beta2, tmp)  # v_t = (1 − β2)·g² + β2·v
        state["step"] += 1
        t = state["step"]
        u = np.divide(m, p.dtype.type(1 - beta1**t), out=self._scratch(p, 2))  # m̂_t
        denom = np.divide(v, p.dtype.type(1 - beta2**t), out=tmp)  # v̂_t
        denom += group["eps_root"]
        np.sqrt(denom, out=denom)
        denom += group["eps"]  # √(v̂ + ε_root) + ε
        u /= denom  # u_t = m̂/(√(v̂ + ε_root) + ε)
        if wd != 0:
            u += np.multiply(p, wd, out=tmp)  # u_t ← u_t + λ·θ
        u *= trust_ratio(p, u)  # u ← r_t·u_t
        u *= -lr
        p += u  # θ_t = θ − α·r_t·u_t
