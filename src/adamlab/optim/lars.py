"""LARS: SGD with momentum, each tensor's step rescaled by a trust ratio (You et al. 2017)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from adamlab.optim._optax_terms import trust_ratio
from adamlab.optim._terms import direction
from adamlab.optim.base import Optimizer, _check_number


class LARS(Optimizer):
    r"""LARS (You, Gitman & Ginsburg 2017, "Large Batch Training of Convolutional Networks",
    arXiv:1708.03888).

    Follows ``optax.lars`` step for step (``add_decayed_weights → scale_by_trust_ratio →
    scale_by_learning_rate → trace``), for each parameter tensor::

        g_t  = ∇f(θ_{t-1})                                  (−∇f with maximize)
        u_t  = g_t + λ·θ_{t-1}                              (L2, inside the ratio)
        r_t  = η·‖θ_{t-1}‖ / (‖u_t‖ + ε)                    (1 when either norm is 0)
        u_t ← −α·r_t·u_t
        b_t  = u_t + μ·b_{t-1}                              (the trace: momentum of the STEP)
        θ_t  = θ_{t-1} + b_t                                (+ u_t + μ·b_t with nesterov)

    The ratio makes every tensor's step about α·η·‖θ‖ long whatever the gradient's scale,
    so the learning rate is relative: α = 1 with η = 1e-3 moves each layer by ~0.1% a step.
    Norms are over the whole tensor: LARS is not elementwise.

    Defaults: optax's weight_decay=0, trust_coefficient η=1e-3, eps=0, momentum μ=0.9,
    nesterov=False; lr=1.0 (optax has no default learning rate; the paper's base rates are 2–
    30 for ImageNet with η = 1e-3).

    Conventions:

    * optax's momentum accumulates the learning-rate-scaled step (b = −α·r·u + μ·b), as the
      paper's Algorithm 1 does (v ← m·v + γ·λ·(∇L + βw)), so a learning-rate schedule acts on
      new steps only; apex's LARC around torch's SGD keeps the momentum of the ratio-scaled
      gradient and applies the global rate after it.
    * The trust ratio is applied to every tensor, biases included (optax's
      ``trust_ratio_mask=True``); optax's masks are the parameter groups here.
    """

    buffers = ("trace",)
    elementwise = False

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1.0,
        weight_decay: float = 0.0,
        trust_coefficient: float = 1e-3,
        eps: float = 0.0,
        momentum: float = 0.9,
        nesterov: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(
            params,
            dict(lr=lr, weight_decay=weight_decay, trust_coefficient=trust_coefficient,
                 eps=eps, momentum=momentum, nesterov=nesterov, maximize=maximize),
        )

    def _validate_hyperparameters(self, h: Mapping[str, Any], where: str) -> None:
        # eps may be 0 here (optax's default): the ratio is 1 where ‖u‖ = 0, never 0/0.
        super()._validate_hyperparameters({k: v for k, v in h.items() if k != "eps"}, where)
        name = self._name + where
        if "eps" in h:
            _check_number(name, "eps", h["eps"], low=0.0)
        if "trust_coefficient" in h:
            _check_number(name, "trust_coefficient", h["trust_coefficient"], low=0.0,
                          low_open=True, why="it scales every step (1e-3 is the paper's)")
        if "momentum" in h:
            _check_number(name, "momentum", h["momentum"], low=0.0, high=1.0, high_open=True,
                          why="the trace b = u + μ·b grows without bound for μ ≥ 1")

    def _check_eps_in_dtype(self, h, params, where, index0) -> None:
        """eps = 0 is LARS's default and safe (see above): nothing to check."""

    def _update(self, p, g, state, group) -> None:
        lr, wd, mu = group["lr"], group["weight_decay"], group["momentum"]
        g = direction(p, g, {"maximize": group["maximize"]}, self._scratch)  # −g with maximize
        u = self._scratch(p, 1)
        if wd != 0:
            np.multiply(p, wd, out=u)
            u += g  # u_t = g_t + λ·θ
        else:
            np.copyto(u, g)
        u *= trust_ratio(p, u, group["trust_coefficient"], group["eps"])  # u ← r_t·u_t
        u *= -lr  # u_t ← −α·r_t·u_t
        b = state["trace"]
        b *= mu
        b += u  # b_t = u_t + μ·b_{t-1}
        state["step"] += 1
        if group["nesterov"]:
            u += np.multiply(b, mu, out=self._scratch(p, 2))  # u_t + μ·b_t
            p += u
        else:
            p += b  # θ_t = θ + b_t
