"""Adagrad: per-parameter steps scaled by the root of the summed squared gradients."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from adamlab.optim._terms import addcmul, direction_fma
from adamlab.optim.base import Optimizer


class Adagrad(Optimizer):
    r"""Adagrad (Duchi, Hazan & Singer, 2011), as ``torch.optim.Adagrad`` computes it.

    ::

        g_t ← g_t + λ·θ_{t-1}                   (L2 weight decay)
        α_t = α / (1 + (t − 1)·η)                (lr_decay η)
        s_t = s_{t-1} + g_t²,   s_0 = initial_accumulator_value
        θ_t = θ_{t-1} − α_t · g_t / (√s_t + ε)

    Defaults (PyTorch's): lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
    eps=1e-10 (Keras: initial accumulator 0.1, ε 1e-7).
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(
            params,
            dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                 initial_accumulator_value=initial_accumulator_value, eps=eps, maximize=maximize),
        )

    def _init_state(self, p: np.ndarray, group: Mapping[str, Any]) -> dict[str, Any]:
        return {"sum": np.full_like(p, group["initial_accumulator_value"])}

    def _update(self, p, g, state, group) -> None:
        state["step"] += 1
        t = state["step"]
        g = direction_fma(p, g, group, self._scratch)
        clr = group["lr"] / (1 + (t - 1) * group["lr_decay"])  # α_t
        s = state["sum"]
        tmp, std = self._scratch(p, 1), self._scratch(p, 2)
        addcmul(s, g, g, 1, s, tmp)  # s_t = s_{t-1} + g_t²  (one rounding, torch's addcmul_)
        np.sqrt(s, out=std)
        std += group["eps"]
        update = np.multiply(g, -clr, out=tmp)
        update /= std
        p += update  # θ_t = θ_{t-1} − α_t·g_t/(√s_t + ε)
