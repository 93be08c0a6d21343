"""Prodigy: Adam whose learning rate d is estimated as it goes (Mishchenko & Defazio 2023)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from adamlab.optim._terms import direction
from adamlab.optim.base import Optimizer, _check_number
from adamlab.optim.internals import Internal, moments_declared, moments_internals


class Prodigy(Optimizer):
    r"""Prodigy (Mishchenko & Defazio 2023, "Prodigy: An Expeditiously Adaptive Parameter-Free
    Learner", arXiv:2306.06101): a learning-rate-free Adam.

    Follows the authors' ``prodigyopt.Prodigy`` (1.1.x) step for step. With k the steps taken,
    d the current estimate of the distance to the solution (d₀ at first), η = lr (a multiplier,
    1 by default) and β3 = √β2 unless given::

        ρ_k   = √(1 − β2^{k+1})/(1 − β1^{k+1})        (use_bias_correction, else 1)
        γ     = d·η·ρ_k                               (this step's rate: dlr)
        g    ← g + λ·θ                                (decouple=False: L2)
        r    ← β3·r + (d/d₀)·γ·⟨g, θ₀ − θ⟩             (the numerator, summed over the group)
        m    ← β1·m + d·(1 − β1)·g
        v    ← β2·v + d²·(1 − β2)·g²
        s    ← β3·s + (d/d₀)·γ·g                      ((d/d₀)·d·g with safeguard_warmup)
        d̂     = d_coef · r / Σ|s|                     (Σ over every element of the group)
        d    ← max(d, d̂) while d = d₀;   d_max ← max(d_max, d̂);   d ← min(d_max, d·growth_rate)
                                                     (growth_rate None: d ← d_max)
        θ    ← θ − λ·γ·θ                              (decouple=True, the default)
        θ    ← θ − γ·m/(√v + d·ε)                     (β1 = 0: θ − γ·d·g/(√v + d·ε))

    θ₀ is a copy of θ at the first step. When Σ|s| is 0 (every gradient so far exactly 0) the
    step stops after the moment updates, before counting, as the reference returns there.

    Defaults (the authors'): lr=1.0, betas=(0.9, 0.999), beta3=None (√β2), eps=1e-8,
    weight_decay=0, decouple=True, use_bias_correction=False, safeguard_warmup=False,
    d0=1e-6, d_coef=1.0, growth_rate=None (no limit: prodigyopt's ``float('inf')``, which is
    taken as None so that a checkpoint stays JSON), slice_p=1 (s and θ₀ keep every slice_p-th
    element of the flattened parameter, to save memory; slice_p > 1 makes the group per
    tensor).

    Conventions and differences:

    * d is state of the parameter **group** (``group["d"]``, ``d_max``, ``d_numerator``,
      ``d_hat``, ``d_denom``, ``k``, as the reference keeps them in its groups). prodigyopt
      estimates one d over *all* groups (group 0's d and the largest lr, and refuses groups
      whose lr differ unless 0); adamlab estimates d per group, so a single-group optimizer is
      the reference exactly, and groups with their own lr are each a Prodigy of their own.
    * ε is scaled by d (√v + d·ε: v carries d²). The moments carry d, so γ·m/√v is ~η·sign.
    * Not ported: ``fsdp_in_use`` (distributed sums). A group with lr = 0 is frozen (no
      moment, d or step update; prodigyopt moves such a group with the others' rate).
    """

    buffers = ("exp_avg", "exp_avg_sq")
    group_state = ("d", "d_max", "d_numerator", "d_hat", "d_denom", "k")

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1.0,
        betas: tuple[float, float] = (0.9, 0.999),
        beta3: float | None = None,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        decouple: bool = True,
        use_bias_correction: bool = False,
        safeguard_warmup: bool = False,
        d0: float = 1e-6,
        d_coef: float = 1.0,
        growth_rate: float | None = None,
        slice_p: int = 1,
        *,
        maximize: bool = False,
    ) -> None:
        if growth_rate == math.inf:
            growth_rate = None  # prodigyopt's "no limit", as JSON can hold it
        super().__init__(
            params,
            dict(lr=lr, betas=betas, beta3=beta3, eps=eps, weight_decay=weight_decay,
                 decouple=decouple, use_bias_correction=use_bias_correction,
                 safeguard_warmup=safeguard_warmup, d0=d0, d_coef=d_coef,
                 growth_rate=growth_rate, slice_p=slice_p, maximize=maximize),
        )

    def add_param_group(self, group: Mapping[str, Any]) -> None:
        if group.get("growth_rate") == math.inf:  # prodigyopt's "no limit", as JSON can hold it
            group = {**group, "growth_rate": None}
        super().add_param_group(group)

    def _init_group(self, group: Mapping[str, Any]) -> dict[str, Any]:
        d0 = float(group["d0"])
        return {"d": d0, "d_max": d0, "d_numerator": 0.0, "d_hat": 0.0, "d_denom": 0.0, "k": 0}

    def _init_state(self, p: np.ndarray, group: Mapping[str, Any]) -> dict[str, Any]:
        state = super()._init_state(p, group)
        shape = p.shape if group["slice_p"] == 1 else (-(-p.size // group["slice_p"]),)
        state["s"] = np.zeros(shape, dtype=p.dtype)  # like p, or p.ravel()[::slice_p]
        state["p0"] = np.zeros(shape, dtype=p.dtype)  # θ₀ (sliced), copied at the first step
        return state

    def _elementwise(self, group: Mapping[str, Any]) -> bool:
        return group["slice_p"] == 1  # slicing a merged run would take other elements

    def _validate_hyperparameters(self, h: Mapping[str, Any], where: str) -> None:
        super()._validate_hyperparameters(h, where)
        name = self._name + where
        if "d0" in h:
            _check_number(name, "d0", h["d0"], low=0.0, low_open=True,
                          why="the first estimate of d (1e-6, the default, is safe: d grows)")
        if "d_coef" in h:
            _check_number(name, "d_coef", h["d_coef"], low=0.0, low_open=True)
        if h.get("beta3") is not None:
            _check_number(name, "beta3", h["beta3"], low=0.0, high=1.0, high_open=True,
                          why="None means √beta2")
        if h.get("growth_rate") is not None and h["growth_rate"] != math.inf:
            _check_number(name, "growth_rate", h["growth_rate"], low=0.0, low_open=True,
                          why="the factor d may grow by per step (None, the default, or inf: "
                              "no limit)")
        if "slice_p" in h:
            s = h["slice_p"]
            if isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 1:
                raise ValueError(f"{name}: slice_p must be an integer >= 1 (1: every element), "
                                 f"got {s!r}")

    def _step_group(self, params, grads, states, group, previous) -> None:
        beta1, beta2 = group["betas"]
        beta3 = group["beta3"] if group["beta3"] is not None else math.sqrt(beta2)
        k, d, d_max, d0 = group["k"], group["d"], group["d_max"], group["d0"]
        lr, decay, sl = group["lr"], group["weight_decay"], group["slice_p"]
        if group["use_bias_correction"]:
            bias_correction = ((1 - beta2 ** (k + 1)) ** 0.5) / (1 - beta1 ** (k + 1))  # ρ_k
        else:
            bias_correction = 1
        dlr = d * lr * bias_correction  # γ = d·η·ρ_k
        d_numerator = group["d_numerator"] * beta3  # r ← β3·r
        delta_numerator, d_denom = 0.0, 0.0
        gs = []
        for j, (p, g, state) in enumerate(zip(params, grads, states, strict=True)):
            if previous is not None:
                np.copyto(previous[j], p)  # θ before the step (a loop may undo it)
            g = direction(p, g, {"maximize": group["maximize"], "weight_decay": 0.0
                                 if group["decouple"] else decay}, self._scratch)  # g + λθ (L2)
            gs.append(g)
            p_sliced = p if sl == 1 else p.reshape(-1)[::sl]
            if state["step"] == 0:
                np.copyto(state["p0"], p_sliced)  # θ₀
            if lr > 0.0:
                sliced_grad = g if sl == 1 else g.reshape(-1)[::sl]
                diff = np.subtract(state["p0"], p_sliced)
                dot = float(np.dot(sliced_grad.reshape(-1), diff.reshape(-1)))
                delta_numerator += (d / d0) * dlr * dot  # (d/d₀)·γ·⟨g, θ₀ − θ⟩
                m, v, s = state["exp_avg"], state["exp_avg_sq"], state["s"]
                tmp = self._scratch(p, 1)
                if beta1 > 0:
                    m *= beta1
                    m += np.multiply(g, d * (1 - beta1), out=tmp)  # m ← β1·m + d(1 − β1)·g
                v *= beta2
                np.multiply(g, d * d * (1 - beta2), out=tmp)
                tmp *= g
                v += tmp  # v ← β2·v + d²(1 − β2)·g²
                s *= beta3
                s += sliced_grad * ((d / d0) * (d if group["safeguard_warmup"] else dlr))
                d_denom += float(np.sum(np.abs(s)))  # Σ|s|
        if d_denom == 0:
            return  # no gradient yet: the reference returns before d, θ and the counts
        d_hat = d
        if lr > 0.0:
            d_numerator += delta_numerator
            d_hat = group["d_coef"] * d_numerator / d_denom  # d̂ = d_coef·r/Σ|s|
            if d == group["d0"]:
                d = max(d, d_hat)
            d_max = max(d_max, d_hat)
            growth = group["growth_rate"]
            d = d_max if growth is None else min(d_max, d * growth)  # min(d_max, d·inf) = d_max
        group.update(d_numerator=d_numerator, d_denom=d_denom, d=d, d_max=d_max, d_hat=d_hat)
        for p, g, state in zip(params, gs, states, strict=True):
            state["step"] += 1
            denom = np.sqrt(state["exp_avg_sq"], out=self._scratch(p, 2))
            denom += d * group["eps"]  # √v + d·ε
            if decay != 0 and group["decouple"]:
                p += np.multiply(p, -decay * dlr, out=self._scratch(p, 1))  # θ ← θ − λγθ
            if beta1 > 0:
                np.divide(state["exp_avg"], denom, out=denom)
                denom *= -dlr
            else:
                np.divide(g, denom, out=denom)
                denom *= -dlr * d
            p += denom  # θ ← θ − γ·m/(√v + dε)
        group["k"] = k + 1

    # ------------------------------------------------------------------ internals
    def declared_internals(self) -> dict[str, Internal]:
        out = moments_declared(("exp_avg", "exp_avg_sq"), {"exp_avg": "m (carries d)",
                                                           "exp_avg_sq": "v (carries d²)"},
                               log=("exp_avg_sq",))
        out.update({
            "d": Internal("scalar", "the learning rate it found", "$d$ (its estimate)", True),
            "d_lr": Internal("scalar", "the learning rate it found",
                             r"$\gamma = d\cdot\eta\cdot\rho_k$ (this step's rate)", True),
            "d_hat": Internal("scalar", "the learning rate it found",
                              r"$\hat d = r/\sum|s|$", True, ":"),
        })
        return out

    def internals(self, grads, previous, memory) -> dict[str, Any]:
        """Group 0's d after the step, its d̂, and γ = d·η·ρ_k at that d (the rate of the
        next step; ρ_k with k the steps taken, 1 without bias correction)."""
        g0 = self.param_groups[0]
        beta1, beta2 = g0["betas"]
        k = g0["k"]
        rho = (((1 - beta2 ** (k + 1)) ** 0.5) / (1 - beta1 ** (k + 1))
               if g0["use_bias_correction"] else 1.0)
        out = moments_internals(self, ("exp_avg", "exp_avg_sq"), grads, previous)
        out.update(d=float(g0["d"]), d_lr=float(g0["d"] * g0["lr"] * rho),
                   d_hat=float(g0["d_hat"]))
        return out
