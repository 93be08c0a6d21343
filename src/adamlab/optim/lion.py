"""Lion: the sign of an interpolated momentum (Chen et al. 2023, arXiv:2302.06675)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from adamlab.optim._terms import direction
from adamlab.optim.base import Optimizer, _check_number
from adamlab.optim.cautious import cautious_
from adamlab.optim.internals import Internal, by_group


class Lion(Optimizer):
    r"""Lion ("EvoLved Sign Momentum", Chen et al. 2023, arXiv:2302.06675).

    Follows ``lion_pytorch.Lion`` (lucidrains' lion-pytorch, the common PyTorch port) step for
    step::

        g_t  = ∇f(θ_{t-1})                          (−∇f with maximize)
        θ   ← θ·(1 − α·λ)                            (decoupled decay, scaled by the lr)
        c_t  = β1·m_{t-1} + (1 − β1)·g_t             (the interpolation the sign is taken of)
        u_t  = sign(c_t)
        u_t ← u_t ⊙ 1[u_t ⊙ g_t > 0] · n/(nnz + 1)   (cautious=True: Liang et al. 2024)
        θ_t  = θ − α·u_t
        m_t  = β2·m_{t-1} + (1 − β2)·g_t             (the momentum, updated after the step)

    Every coordinate moves by exactly ±α (or 0), so Lion wants a learning rate 3–10× smaller
    than AdamW's and a weight decay 3–10× larger for the same α·λ.

    Defaults (lion_pytorch's): lr=1e-4, betas=(0.9, 0.99), weight_decay=0,
    decoupled_weight_decay=False, cautious=False.

    Conventions:

    * Decay scale: θ·(1 − α·λ), as in the paper's Program 1 and AdamW in PyTorch.
      ``decoupled_weight_decay=True`` is lion_pytorch's flag of that name: λ is divided by the
      learning rate the optimizer was built with, θ·(1 − (α/α₀)·λ), so the decay follows a
      schedule's multiplier only (Loshchilov & Hutter's form; θ·(1 − λ) at a constant lr).
    * ``optax.lion`` computes θ − α·(sign(c) + λ·θ): the same numbers up to rounding, but its
      defaults differ (weight_decay=1e-3, lr required). The golden script checks it agrees.
    * lion_pytorch asserts lr > 0 and 0 ≤ β ≤ 1; adamlab takes lr ≥ 0 and β in [0, 1) like
      every other optimizer here (β2 = 1 leaves m at 0: no step ever).
    * ``cautious=True`` masks u with the gradient before the step (the authors' C-Lion):
      see :mod:`adamlab.optim.cautious`. The mask needs the whole tensor, so a cautious Lion
      steps each parameter on its own (``elementwise`` is then False for its groups).
    """

    buffers = ("exp_avg",)

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-4,
        betas: tuple[float, float] = (0.9, 0.99),
        weight_decay: float = 0.0,
        decoupled_weight_decay: bool = False,
        *,
        maximize: bool = False,
        cautious: bool = False,
    ) -> None:
        self._init_lr = lr
        super().__init__(
            params,
            dict(lr=lr, betas=betas, weight_decay=weight_decay,
                 decoupled_weight_decay=decoupled_weight_decay, maximize=maximize,
                 cautious=cautious),
        )

    def _elementwise(self, group: Mapping[str, Any]) -> bool:
        return not group["cautious"]  # the cautious mask counts over each whole tensor

    def _validate_hyperparameters(self, h: Mapping[str, Any], where: str) -> None:
        super()._validate_hyperparameters(h, where)
        if h.get("decoupled_weight_decay") and h.get("weight_decay", 0) != 0:
            _check_number(self._name + where, "lr", self._init_lr, low=0.0, low_open=True,
                          why="decoupled_weight_decay=True divides weight_decay by the initial lr")

    def _update(self, p, g, state, group) -> None:
        lr, (beta1, beta2), wd = group["lr"], group["betas"], group["weight_decay"]
        g = direction(p, g, {"maximize": group["maximize"]}, self._scratch)  # −g with maximize
        if group["decoupled_weight_decay"]:
            wd /= self._init_lr  # lion_pytorch: wd /= init_lr
        state["step"] += 1
        m = state["exp_avg"]
        p *= 1.0 - lr * wd  # θ ← θ·(1 − α·λ)
        u = np.multiply(m, beta1, out=self._scratch(p, 1))
        u += np.multiply(g, 1.0 - beta1, out=self._scratch(p, 2))  # c_t = β1·m + (1 − β1)·g
        np.sign(u, out=u)  # u_t = sign(c_t)
        if group["cautious"]:
            cautious_(u, g, self._scratch(p, 2))  # u ← u ⊙ φ·n/(nnz + 1)
        u *= -lr
        p += u  # θ_t = θ − α·u_t
        m *= beta2
        m += np.multiply(g, 1.0 - beta2, out=self._scratch(p, 2))  # m_t = β2·m + (1 − β2)·g

    # ------------------------------------------------------------------ internals
    def declared_internals(self) -> dict[str, Internal]:
        return {
            "update": Internal("tracked", "sign updates",
                               r"$u_t$ ($\theta_t=\theta-\alpha u_t$)", style=":"),
            "grad": Internal("tracked", "gradient and momentum", "gradient $g_t$"),
            "exp_avg": Internal("tracked", "gradient and momentum", "$m_t$"),
            "|exp_avg|": Internal("quantiles", "|m|, all parameters", "$|m_t|$", True),
            "agreement": Internal("scalar", "sign agreement",
                                  r"fraction with $\mathrm{sign}\,u_t=\mathrm{sign}\,g_t$"),
            "nonzero": Internal("scalar", "sign agreement", r"fraction with $u_t\neq0$"),
        }

    def internals(self, grads, previous, memory) -> dict[str, Any]:
        """u_t from the step itself, u_t = (θ_{t−1}·(1 − α·λ) − θ_t)/α: every element is ±1
        (or 0, or ± the cautious scale), so it is read as sign(u)·1[|u| > ½] (the cautious
        value as it is); and the fraction of all coordinates where u_t·g_t > 0 (the update
        points along the gradient), and where u_t ≠ 0."""
        updates, agree, nonzero, n = [], 0, 0, 0
        for group, params, gs, qs in by_group(self, grads, previous):
            lr, wd = group["lr"], group["weight_decay"]
            if group["decoupled_weight_decay"]:
                wd /= self._init_lr
            for p, g, q in zip(params, gs, qs, strict=True):
                g = -g if group["maximize"] else g
                u = (q * (1.0 - lr * wd) - p) / lr if lr > 0 else np.zeros_like(p)
                kept = np.abs(u) > 0.5  # ±1, or the cautious scale n/(nnz + 1) >= 1
                u = np.where(kept, u if group["cautious"] else np.sign(u), 0.0).astype(p.dtype)
                updates.append(u)
                agree += int(np.count_nonzero(u * g > 0))
                nonzero += int(np.count_nonzero(u))
                n += u.size
        m = [s["exp_avg"] for s in self.state]
        return {"grad": list(grads), "update": updates, "exp_avg": m,
                "|exp_avg|": [np.abs(a) for a in m], "agreement": agree / n,
                "nonzero": nonzero / n}
