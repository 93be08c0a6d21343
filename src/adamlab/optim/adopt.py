"""ADOPT: Adam that normalises g by the second moment of the PAST gradients (Taniguchi et al.)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from adamlab.optim._optax_terms import moment, moment_sq
from adamlab.optim._terms import direction
from adamlab.optim.base import Optimizer
from adamlab.optim.internals import Internal, moments_declared, moments_internals


class ADOPT(Optimizer):
    r"""ADOPT (Taniguchi et al. 2024, "ADOPT: Modified Adam Can Converge with Any β2 with the
    Optimal Rate", NeurIPS 2024, arXiv:2411.02853).

    Follows ``optax.contrib.adopt`` step for step (its clipping default included). With
    c = t − 1 the number of steps already taken::

        g_t  = ∇f(θ_{t-1})                       (−∇f with maximize; + λ·θ with L2 decay)
        t = 1:  v_1 = g_1²,  m_1 = 0,  no step   (the first gradient only seeds v)
        t > 1:  x_t = clip(g_t / max(√v_{t-1}, ε), −c^{1/4}, c^{1/4})   (use_clipping=True)
                x_t = g_t / max(√v_{t-1}, ε)                           (use_clipping=False)
                m_t = (1 − β1)·x_t + β1·m_{t-1}
                v_t = (1 − β2)·g_t² + β2·v_{t-1}      (AFTER x_t: g_t is not in its own scale)
                u_t = m_t     (nesterov: (1 − β1)·x_t + β1·m_t)
        θ_t  = θ_{t-1} − α·u_t                    (− α·(u_t + λ·θ) with decoupled decay)

    Defaults: optax's betas=(0.9, 0.9999), eps=1e-6, nesterov=False, use_clipping=True (clip
    value c^{1/4}); lr=1e-3 (the authors' default; optax has none); weight_decay=0.

    Conventions:

    * ε placement: ε bounds √v from below, max(√v, ε), inside the normalisation of the
      *gradient* (before the momentum), where Adam adds ε to √v̂ after it; no bias correction
      (the paper's Algorithm 1 and the authors' code alike).
    * Clipping: optax clips the normalised gradient to ±c^{1/4} with c the steps taken before
      this one (its ``clip_value_fn`` default ``x**0.25``, fixed here), so the second step's
      clip is ±1. The first step's clip value 0 makes no difference: m_1 = 0 either way.
    * Weight decay: optax's ADOPT has none. ``weight_decay`` adds λ·θ to the gradient (L2, the
      authors' torch default, as ``optax.chain(add_decayed_weights, scale_by_adopt, ...)``);
      ``decoupled_weight_decay=True`` (the authors' ``decouple``) subtracts α·λ·θ from the
      step instead, as optax's AdamW chain does (decayed at t = 1 too).
    * optax's docstring links arXiv:2403.00855; the ADOPT paper is arXiv:2411.02853.
    """

    buffers = ("mu", "nu")

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.9999),
        eps: float = 1e-6,
        weight_decay: float = 0.0,
        decoupled_weight_decay: bool = False,
        nesterov: bool = False,
        use_clipping: bool = True,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(
            params,
            dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                 decoupled_weight_decay=decoupled_weight_decay, nesterov=nesterov,
                 use_clipping=use_clipping, maximize=maximize),
        )

    def _update(self, p, g, state, group) -> None:
        lr, (beta1, beta2), wd = group["lr"], group["betas"], group["weight_decay"]
        decoupled = group["decoupled_weight_decay"]
        g = direction(p, g, {"maximize": group["maximize"], "weight_decay": 0 if decoupled
                             else wd}, self._scratch)  # −g with maximize; g + λθ (L2)
        m, v = state["mu"], state["nu"]
        c = state["step"]
        state["step"] += 1
        u = self._scratch(p, 2)
        if c == 0:
            np.multiply(g, g, out=v)  # v_1 = g_1² (β2 is 0 at the first step)
            u.fill(0)  # m_1 = 0: no step (β1 is 1 at the first step)
        else:
            x = np.sqrt(v, out=u)
            np.maximum(x, group["eps"], out=x)
            np.divide(g, x, out=x)  # x_t = g_t / max(√v_{t-1}, ε)
            if group["use_clipping"]:
                clip = float(c**0.25)
                np.clip(x, -clip, clip, out=x)  # clip to ±c^{1/4}
            tmp = self._scratch(p, 1)
            moment(m, x, beta1, tmp)  # m_t = (1 − β1)·x_t + β1·m_{t-1}
            moment_sq(v, g, beta2, tmp)  # v_t = (1 − β2)·g² + β2·v_{t-1}
            if group["nesterov"]:
                x *= 1 - beta1
                x += np.multiply(m, beta1, out=tmp)  # u_t = (1 − β1)·x_t + β1·m_t
            else:
                np.copyto(u, m)  # u_t = m_t
        if decoupled and wd != 0:
            u += np.multiply(p, wd, out=self._scratch(p, 1))  # u_t + λ·θ
        u *= -lr
        p += u  # θ_t = θ − α·u_t

    # ------------------------------------------------------------------ internals
    LABELS = {"mu": "m (EMA of the normalised g)", "nu": "v (EMA of past g²)"}

    def declared_internals(self) -> dict[str, Internal]:
        return moments_declared(("mu", "nu"), self.LABELS, log=("nu",))

    def internals(self, grads, previous, memory) -> dict[str, Any]:
        """The default rule (its moments and the step), under ADOPT's names."""
        return moments_internals(self, ("mu", "nu"), grads, previous)
