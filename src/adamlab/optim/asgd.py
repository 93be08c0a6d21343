"""ASGD: SGD with a decaying step size and a running (Polyak–Ruppert) average of the iterates."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from adamlab.optim._terms import add_scaled, direction_fma
from adamlab.optim.base import Optimizer, _check_number


class ASGD(Optimizer):
    r"""Averaged SGD (Polyak & Juditsky 1992, SIAM J. Control Optim. 30(4); the decaying step
    η_t of Xu 2011, arXiv:1107.2490), as ``torch.optim.ASGD`` computes it::

        g_t ← g_t + λ_wd·θ_{t-1}                         (L2 weight decay)
        θ_t = θ_{t-1}·(1 − λ·η_{t-1}) − η_{t-1}·g_t      (η_0 = α; the decay term first)
        ā_t = θ_t                         where μ_{t-1} = 1  (ax, before averaging starts)
        ā_t = ā_{t-1} + μ_{t-1}·(θ_t − ā_{t-1})          otherwise (the running average)
        η_t = α / (1 + λ·α·t)^a                           (``alpha`` a: the decay's power)
        μ_t = 1 / max(1, t − t₀)                           (averaging starts after t₀ steps)

    The parameters follow θ (the SGD iterates); the average ā is kept in the state as
    ``ax`` (torch's name) with the scalars ``eta`` (η) and ``mu`` (μ): like torch, nothing
    swaps ā into the parameters, read it from ``opt.state[i]["ax"]``.
    Defaults (PyTorch's): lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0 (so with
    the defaults the average is the last iterate for the first million steps).
    Convention: η and μ are Python floats (float64); torch keeps them as tensors in its
    default dtype (float32 unless ``torch.set_default_dtype(torch.float64)``), and fills η
    from the lr at the first step, as here.
    """

    buffers = ("ax",)
    scalars = ("eta", "mu")

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        lambd: float = 1e-4,
        alpha: float = 0.75,
        t0: float = 1e6,
        weight_decay: float = 0.0,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(
            params,
            dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay,
                 maximize=maximize),
        )

    def _validate_hyperparameters(self, h: Mapping[str, Any], where: str) -> None:
        # ASGD's alpha is a power (any a >= 0), not RMSprop's smoothing constant in [0, 1)
        super()._validate_hyperparameters({k: v for k, v in h.items() if k != "alpha"}, where)
        name = self._name + where
        for key in ("lambd", "alpha", "t0"):
            if key in h:
                _check_number(name, key, h[key], low=0.0)

    def _init_state(self, p: np.ndarray, group: Mapping[str, Any]) -> dict[str, Any]:
        return {"ax": np.zeros_like(p), "eta": float(group["lr"]), "mu": 1.0}

    def _update(self, p, g, state, group) -> None:
        lr, lambd = group["lr"], group["lambd"]
        if state["step"] == 0:
            state["eta"] = float(lr)  # η_0 = α, from the lr at the first step (as torch)
        state["step"] += 1
        t, eta, mu = state["step"], state["eta"], state["mu"]
        g = direction_fma(p, g, group, self._scratch)  # −g for maximize, then g + λ_wd·θ
        p *= 1 - lambd * eta  # θ ← θ·(1 − λ·η_{t-1})
        add_scaled(p, g, -eta, p)  # θ_t = θ − η_{t-1}·g_t   (add_(g, alpha=−η), rounded once)
        ax = state["ax"]
        if mu != 1:
            d = np.subtract(p, ax, out=self._scratch(p, 1))
            d *= mu
            ax += d  # ā_t = ā_{t-1} + μ_{t-1}·(θ_t − ā_{t-1})
        else:
            np.copyto(ax, p)  # ā_t = θ_t
        state["eta"] = lr / ((1 + lambd * lr * t) ** group["alpha"])  # η_t = α/(1 + λαt)^a
        state["mu"] = 1 / max(1, t - group["t0"])  # μ_t = 1/max(1, t − t₀)
