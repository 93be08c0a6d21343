"""AdEMAMix: Adam with a second, slow momentum mixed in (Pagliardini, Ablin & Grangier 2024)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from adamlab.optim._optax_terms import moment, moment_sq
from adamlab.optim._terms import direction
from adamlab.optim.base import Optimizer, _check_number
from adamlab.optim.internals import Internal, moments_declared, moments_internals


def alpha_at(group: Mapping[str, Any], c: int) -> float:
    """α(c) = α·min(1, c/T_α) (the authors' ``linear_warmup_scheduler`` from 0); α without
    a warm-up."""
    alpha, warmup = group["alpha"], group["alpha_warmup"]
    if warmup is None or c >= warmup:
        return alpha
    a = c / float(warmup)
    return (1.0 - a) * 0.0 + a * alpha


def _half_life(beta: float) -> float:
    return math.log(0.5) / math.log(beta + 1e-8) - 1  # f(β) = ln ½/ln(β + 10⁻⁸) − 1


def beta3_at(group: Mapping[str, Any], c: int) -> float:
    """β3(c) = f⁻¹((1 − a)·f(β1) + a·f(β3)), a = c/T_β3 (the authors'
    ``linear_hl_warmup_scheduler`` from β1); β3 without a warm-up."""
    beta1, _, beta3 = group["betas"]
    warmup = group["beta3_warmup"]
    if warmup is None or c >= warmup:
        return beta3
    a = c / float(warmup)
    return math.pow(0.5, 1 / ((1.0 - a) * _half_life(beta1) + a * _half_life(beta3) + 1))


class AdEMAMix(Optimizer):
    r"""AdEMAMix (Pagliardini, Ablin & Grangier 2024, "The AdEMAMix Optimizer: Better, Faster,
    Older", arXiv:2409.03137).

    Follows ``optax.contrib.ademamix`` step for step::

        g_t   = ∇f(θ_{t-1})                              (−∇f with maximize)
        m1_t  = (1 − β1)·g_t + β1·m1_{t-1}               (fast EMA, bias-corrected)
        m2_t  = (1 − β3)·g_t + β3·m2_{t-1}               (slow EMA, NOT bias-corrected)
        ν_t   = (1 − β2)·g_t² + β2·ν_{t-1}
        u_t   = (m1_t/(1 − β1^t) + α·m2_t) / (√(ν_t/(1 − β2^t) + ε_root) + ε)
        θ_t   = θ_{t-1} − η·(u_t + λ·θ_{t-1})            (decoupled decay, scaled by η)

    The slow EMA (β3 = 0.9999 remembers ~10⁴ steps) fills slowly from 0 on purpose, which is
    why it is not bias-corrected; α weighs it against the fast one.

    Defaults: optax's betas=(b1, b2, b3)=(0.9, 0.999, 0.9999), alpha=5.0, eps=1e-8,
    eps_root=0, weight_decay=0; lr=1e-3 (optax has no default learning rate);
    alpha_warmup=beta3_warmup=None (constant α and β3, as optax's scalars).

    Conventions:

    * Warm-ups (the paper's §3 and its code's ``alpha_scheduler``/``beta3_scheduler``, one
      T_{α,β3} there, ``alpha_warmup``/``beta3_warmup`` steps here; None: constant, optax's
      default). With c = t − 1 the steps taken before this one (optax's ``count_m2``, at
      which optax calls the schedules it is given)::

          α(c)  = α·min(1, c/T_α)                                   (linear from 0)
          β3(c) = f⁻¹((1 − a)·f(β1) + a·f(β3)),  a = min(1, c/T_β3)  (linear in half-life)
          f(β)  = ln ½ / ln(β + 10⁻⁸) − 1,   f⁻¹(h) = ½^{1/(h + 1)}

      (the authors' ``linear_warmup_scheduler`` and ``linear_hl_warmup_scheduler``, their
      10⁻⁸ included; β3 starts at β1, the fast EMA's). The golden data pass the same
      functions to ``optax.contrib.ademamix`` (α through ``optax.linear_schedule``).
    * Weight decay as AdamW in optax (η·λ·θ added to the step), the same as torch's
      θ·(1 − η·λ) up to rounding.
    """

    buffers = ("m1", "m2", "nu")
    added_later = {"alpha_warmup": None, "beta3_warmup": None}

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float, float] = (0.9, 0.999, 0.9999),
        alpha: float = 5.0,
        eps: float = 1e-8,
        eps_root: float = 0.0,
        weight_decay: float = 0.0,
        alpha_warmup: int | None = None,
        beta3_warmup: int | None = None,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(
            params,
            dict(lr=lr, betas=betas, alpha=alpha, eps=eps, eps_root=eps_root,
                 weight_decay=weight_decay, alpha_warmup=alpha_warmup,
                 beta3_warmup=beta3_warmup, maximize=maximize),
        )

    def _validate_hyperparameters(self, h: Mapping[str, Any], where: str) -> None:
        # three betas, and an alpha that is a weight (not RMSprop's smoothing constant in [0, 1))
        super()._validate_hyperparameters(
            {k: v for k, v in h.items() if k not in ("betas", "alpha")}, where)
        name = self._name + where
        if "betas" in h:
            betas = h["betas"]
            if not isinstance(betas, Sequence) or len(betas) != 3:
                raise ValueError(f"{name}: betas must be a triple (beta1, beta2, beta3), "
                                 f"got {betas!r}")
            for k, b in enumerate(betas):
                _check_number(name, f"betas[{k}]", b, low=0.0, high=1.0, high_open=True)
        if "alpha" in h:
            _check_number(name, "alpha", h["alpha"], low=0.0,
                          why="it weighs the slow momentum (5.0 is optax's default)")
        if "eps_root" in h:
            _check_number(name, "eps_root", h["eps_root"], low=0.0)
        for key in ("alpha_warmup", "beta3_warmup"):
            w = h.get(key)
            whole = isinstance(w, (int, np.integer)) or (isinstance(w, float) and w.is_integer())
            if w is not None and (isinstance(w, bool) or not whole or w < 1):  # 200.0 from a CLI
                raise ValueError(f"{name}: {key} must be None (no warm-up) or a number of "
                                 f"steps >= 1 (the paper's T_alpha_beta3), got {w!r}")

    def _update(self, p, g, state, group) -> None:
        lr, (beta1, beta2, beta3), wd = group["lr"], group["betas"], group["weight_decay"]
        g = direction(p, g, {"maximize": group["maximize"]}, self._scratch)  # −g with maximize
        m1, m2, nu = state["m1"], state["m2"], state["nu"]
        tmp = self._scratch(p, 1)
        c = state["step"]  # steps taken before this one: the schedules' argument
        alpha, beta3 = alpha_at(group, c), beta3_at(group, c)
        moment(m1, g, beta1, tmp)  # m1_t = (1 − β1)·g + β1·m1
        moment(m2, g, beta3, tmp)  # m2_t = (1 − β3)·g + β3·m2
        moment_sq(nu, g, beta2, tmp)  # ν_t = (1 − β2)·g² + β2·ν
        state["step"] += 1
        t = state["step"]
        u = np.divide(m1, p.dtype.type(1 - beta1**t), out=self._scratch(p, 2))  # m̂1_t
        u += np.multiply(m2, alpha, out=tmp)  # m̂1_t + α·m2_t
        denom = np.divide(nu, p.dtype.type(1 - beta2**t), out=tmp)  # ν̂_t
        denom += group["eps_root"]
        np.sqrt(denom, out=denom)
        denom += group["eps"]  # √(ν̂ + ε_root) + ε
        u /= denom
        if wd != 0:
            u += np.multiply(p, wd, out=tmp)  # u_t + λ·θ
        u *= -lr
        p += u  # θ_t = θ − η·(u_t + λ·θ)

    # ------------------------------------------------------------------ internals
    def declared_internals(self) -> dict[str, Internal]:
        ema = "fast and slow EMAs"
        out = moments_declared(("m1", "m2", "nu"), {"nu": "ν"}, log=("nu",))
        out.update({
            "m1": Internal("tracked", ema, "fast $m_1$"),
            "m2": Internal("tracked", ema, "slow $m_2$", style="--"),
            "|m1|": Internal("quantiles", "|fast| vs α·|slow|, all parameters", "$|m_1|$", True),
            "|m2|": Internal("quantiles", "|fast| vs α·|slow|, all parameters",
                             r"$\alpha\,|m_2|$", True),
            "alpha": Internal("scalar", "α, the slow EMA's weight (alpha_warmup)", r"$\alpha$"),
            "beta3": Internal("scalar", "β3, the slow EMA's decay (beta3_warmup)", r"$\beta_3$"),
        })
        return out

    def internals(self, grads, previous, memory) -> dict[str, Any]:
        """The EMAs, ν, and α and β3 of the step just taken (group 0, c = t − 1)."""
        g0 = self.param_groups[0]
        c = max(self.state[0]["step"] - 1, 0)
        alpha, beta3 = alpha_at(g0, c), beta3_at(g0, c)
        out = moments_internals(self, ("m1", "m2", "nu"), grads, previous)
        out["|m2|"] = [alpha * a for a in out["|m2|"]]
        out.update(alpha=alpha, beta3=beta3)
        return out
