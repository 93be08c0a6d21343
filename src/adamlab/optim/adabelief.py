"""AdaBelief: Adam whose second moment is the variance of g around its mean (Zhuang et al. 2020)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from adamlab.optim._terms import direction, ema_sq
from adamlab.optim.base import Optimizer


class AdaBelief(Optimizer):
    r"""AdaBelief (Zhuang et al. 2020, arXiv:2010.07468), with its rectified (RAdam) form.

    Follows the authors' ``adabelief_pytorch.AdaBelief`` (0.2.x) step for step::

        g_t  = ∇f(θ_{t-1})                                  (−∇f with maximize)
        θ   ← θ·(1 − α·λ)                                    (weight_decouple=True, the default)
        θ   ← θ·(1 − λ)                                      (... with fixed_decay=True)
        g_t ← g_t + λ·θ                                      (weight_decouple=False: L2)
        m_t  = β1·m_{t-1} + (1 − β1)·g_t
        s_t  = β2·s_{t-1} + (1 − β2)·(g_t − m_t)² + ε        (ε added to the STATE each step)
        s_t^max = max(s_{t-1}^max, s_t)                      (amsgrad)
        θ_t  = θ − α/(1 − β1^t) · m_t / (√s_t / √(1 − β2^t) + ε)      (rectify=False)

    With ``rectify=True`` (the default) the step is RAdam's: with ρ_∞ = 2/(1 − β2) − 1 and
    ρ_t = ρ_∞ − 2t·β2^t/(1 − β2^t),

        ρ_t ≥ 5:  r_t = √((1 − β2^t)·(ρ_t − 4)/(ρ_∞ − 4)·(ρ_t − 2)/ρ_t·ρ_∞/(ρ_∞ − 2))
                  θ_t = θ − α·r_t/(1 − β1^t) · m_t/(√s_t + ε)       (s_t itself, no max)
        ρ_t < 5:  θ_t = θ − α/(1 − β1^t) · m_t        (degenerated_to_sgd=True, the default)
                  θ_t = θ                              (degenerated_to_sgd=False)

    Defaults (the authors' ≥ 0.1.0): lr=1e-3, betas=(0.9, 0.999), eps=1e-16, weight_decay=0,
    amsgrad=False, weight_decouple=True, fixed_decay=False, rectify=True,
    degenerated_to_sgd=True. (Version 0.0.5 had eps=1e-8, weight_decouple=False,
    rectify=False; the authors recommend eps=1e-8 where SGD beats Adam, 1e-16 where Adam wins.)

    Conventions of the reference, kept:

    * ε enters twice: added to s_t *in place* (so it accumulates in the state, which is what
      ``s`` holds here too), and again to the denominator, after the bias correction.
    * With amsgrad the max is of the ε-augmented s_t; the rectified branch (ρ_t ≥ 5) ignores
      the max and divides by √s_t (the authors' code: ``exp_avg_var.sqrt()``).
    * The rectified step has no √(1 − β2^t) in its denominator (it is inside r_t), and the
      un-rectified one divides √s_t by √(1 − β2^t) before adding ε, as torch's Adam does.
    * The reference keeps weight_decouple, fixed_decay, rectify and degenerated_to_sgd for the
      whole optimizer; here they are hyperparameters (per group, same defaults).
    * ``optax.adabelief`` is the un-rectified form without amsgrad; its ``eps_root`` is added
      to s each step like the authors' ε, its ``eps`` after the √.
    """

    buffers = ("exp_avg", "exp_avg_var")

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-16,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        weight_decouple: bool = True,
        fixed_decay: bool = False,
        rectify: bool = True,
        degenerated_to_sgd: bool = True,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(
            params,
            dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                 weight_decouple=weight_decouple, fixed_decay=fixed_decay, rectify=rectify,
                 degenerated_to_sgd=degenerated_to_sgd, maximize=maximize),
        )

    def _init_state(self, p: np.ndarray, group: Mapping[str, Any]) -> dict[str, Any]:
        state = super()._init_state(p, group)
        if group["amsgrad"]:
            state["max_exp_avg_var"] = np.zeros_like(p)
        return state

    def _update(self, p, g, state, group) -> None:
        lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
        wd = group["weight_decay"]
        if group["weight_decouple"]:
            # θ ← θ·(1 − α·λ), or θ·(1 − λ) with fixed_decay (applied even at λ = 0: ×1.0)
            p *= 1.0 - (wd if group["fixed_decay"] else lr * wd)
            g = direction(p, g, {"maximize": group["maximize"]}, self._scratch)
        else:
            g = direction(p, g, {"maximize": group["maximize"], "weight_decay": wd},
                          self._scratch)  # g ← g + λθ (L2)
        m, s = state["exp_avg"], state["exp_avg_var"]
        state["step"] += 1
        t = state["step"]
        bias_correction1 = 1 - beta1**t
        bias_correction2 = 1 - beta2**t
        m *= beta1
        m += np.multiply(g, 1 - beta1, out=self._scratch(p, 1))  # m_t = β1·m + (1 − β1)·g
        residual = np.subtract(g, m, out=self._scratch(p, 2))  # g_t − m_t
        ema_sq(s, residual, beta2, self._scratch(p, 1))  # s_t = β2·s + (1 − β2)·(g − m)²
        s += eps  # s_t ← s_t + ε (in place, as the reference)
        denom = self._scratch(p, 1)
        if group["amsgrad"]:
            vmax = np.maximum(state["max_exp_avg_var"], s, out=state["max_exp_avg_var"])
            np.sqrt(vmax, out=denom)
        else:
            np.sqrt(s, out=denom)
        if not group["rectify"]:
            denom /= math.sqrt(bias_correction2)  # √s_t / √(1 − β2^t)
            denom += eps
            self._step(p, m, denom, -(lr / bias_correction1))
            return
        beta2_t = beta2**t
        rho_inf = 2 / (1 - beta2) - 1  # ρ_∞
        rho_t = rho_inf - 2 * t * beta2_t / (1 - beta2_t)  # ρ_t
        if rho_t >= 5:
            step_size = math.sqrt(
                (1 - beta2_t) * (rho_t - 4) / (rho_inf - 4) * (rho_t - 2) / rho_t * rho_inf
                / (rho_inf - 2)) / (1 - beta1**t)  # r_t/(1 − β1^t)
            np.sqrt(s, out=denom)  # √s_t: the reference's exp_avg_var.sqrt(), max or not
            denom += eps
            self._step(p, m, denom, -step_size * lr)
        elif group["degenerated_to_sgd"]:
            step = np.multiply(m, -(1.0 / (1 - beta1**t)) * lr, out=denom)
            p += step  # θ_t = θ − α/(1 − β1^t)·m_t (SGD with momentum)

    def _step(self, p: np.ndarray, m: np.ndarray, denom: np.ndarray, value: float) -> None:
        """θ ← θ + value·m/denom, as torch's ``addcdiv_`` (the quotient first)."""
        np.divide(m, denom, out=denom)
        denom *= value
        p += denom
