"""RMSprop, plain and centered, with optional momentum."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from adamlab.optim._terms import add_scaled, addcmul, direction_fma, ema_fma, ema_sq_fma
from adamlab.optim.base import Optimizer


class RMSprop(Optimizer):
    r"""RMSprop (Tieleman & Hinton, 2012; centered form: Graves, 2013), as ``torch.optim.RMSprop``.

    ::

        g_t ← g_t + λ·θ_{t-1}                         (L2 weight decay)
        v_t = a·v_{t-1} + (1 − a)·g_t²                 (smoothing constant ``alpha`` a)
        ḡ_t = a·ḡ_{t-1} + (1 − a)·g_t                  (centered only)
        d_t = √max(v_t − ḡ_t², 0) + ε   (centered)    or    √v_t + ε
        b_t = μ·b_{t-1} + g_t/d_t;  θ_t = θ_{t-1} − α·b_t      (momentum μ > 0)
        θ_t = θ_{t-1} − α·g_t/d_t                               (otherwise)

    There is no bias correction: v starts at 0, so early steps are large (unlike Adam).
    Where adamlab differs from torch (docs/optimizers.md §6): ``alpha`` must be < 1 (at 1, v
    stays 0), ``eps`` > 0 in the parameters' dtype, and the centered variance is clamped at 0
    where rounding makes it negative (torch: √ of a negative, NaN); the clamp changes only
    values torch makes NaN. Otherwise the steps are torch's operations rounded as torch rounds
    them: every ``x + s·y·z`` (torch's ``addcmul``, ``lerp`` and ``add(alpha=)``) once, as its
    fused multiply-add does, so also v_t − ḡ_t², where rounding twice was amplified by the
    cancellation. Bit for bit wherever torch's √ is correctly rounded (on x86 it is Intel MKL's,
    one ulp low for ~0.7% of inputs: docs/optimizers.md §6).
    Defaults (PyTorch's): lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False.
    (Keras' RMSprop defaults to rho=0.9, epsilon=1e-7, and puts ε inside the square root.)
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(
            params,
            dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                 centered=centered, maximize=maximize),
        )

    def _init_state(self, p: np.ndarray, group: Mapping[str, Any]) -> dict[str, Any]:
        state = {"square_avg": np.zeros_like(p)}
        if group["momentum"] > 0:
            state["momentum_buffer"] = np.zeros_like(p)
        if group["centered"]:
            state["grad_avg"] = np.zeros_like(p)
        return state

    def _update(self, p, g, state, group) -> None:
        lr, a, eps, mu = group["lr"], group["alpha"], group["eps"], group["momentum"]
        missing = [k for k, on in (("momentum_buffer", mu > 0), ("grad_avg", group["centered"]))
                   if on and k not in state]
        if missing:
            raise ValueError(f"{self._name}: {', '.join(missing)} did not exist when this "
                             "optimizer was built (momentum 0 or centered off); "
                             "build a new optimizer")
        state["step"] += 1
        g = direction_fma(p, g, group, self._scratch)
        tmp, avg = self._scratch(p, 1), self._scratch(p, 2)
        ema_sq_fma(state["square_avg"], g, a, tmp)  # v_t = a·v + (1 − a)·g²
        if group["centered"]:
            gbar = state["grad_avg"]
            ema_fma(gbar, g, a, tmp)  # ḡ_t = a·ḡ + (1 − a)·g
            addcmul(state["square_avg"], gbar, gbar, -1, avg, tmp)  # v_t − ḡ_t²
            # v_t − ḡ_t² is a variance (≥ 0), but once g stops changing it is a difference of
            # two equal numbers that rounding can make negative: torch takes √ of it (NaN);
            # adamlab takes it as 0. Where it is ≥ 0, max(x, 0) = x: the clamp changes nothing
            # else (the cancellation does magnify the last-bit differences from torch in v_t).
            np.maximum(avg, 0.0, out=avg)
            np.sqrt(avg, out=avg)  # √max(v_t − ḡ_t², 0)
        else:
            np.sqrt(state["square_avg"], out=avg)  # √v_t
        avg += eps
        if mu > 0:
            buf = state["momentum_buffer"]
            buf *= mu
            buf += np.divide(g, avg, out=tmp)  # b_t = μ·b + g/d
            add_scaled(p, buf, -lr, p)  # θ_t = θ − α·b_t
        else:
            update = np.multiply(g, -lr, out=tmp)
            update /= avg
            p += update  # θ_t = θ − α·g/d
