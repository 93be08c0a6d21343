"""Adafactor: Adam's second moment kept as row and column factors, with relative step sizes."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from adamlab.optim._terms import add_scaled, direction, lerp_fma, norm
from adamlab.optim._tuples import TupleHyperparameters
from adamlab.optim.base import EPS_ZERO_NAN, Optimizer, _check_number
from adamlab.optim.internals import Internal, by_group, update_of


class Adafactor(TupleHyperparameters, Optimizer):
    r"""Adafactor (Shazeer & Stern 2018, arXiv:1804.04235), as ``torch.optim.Adafactor``.

    No first moment; for a matrix G (n×m, or the last two axes of a larger array) the second
    moment is kept as a row factor R (n×1) and a column factor C (1×m), for a vector in full::

        β̂_t = 1 − t^τ                                     (τ = beta2_decay; β̂_1 = 0)
        ρ_t = min(α, 1/√t)                                 (relative step size, lr α its cap)
        a_t = max(ε₂, RMS(θ_{t-1}))·ρ_t                    (the step is relative to θ's scale)
        θ ← θ·(1 − α·λ)                                    (decoupled weight decay)
        R_t = β̂_t·R_{t-1} + (1 − β̂_t)·mean_j(G²)          (matrix: row means of G²)
        C_t = β̂_t·C_{t-1} + (1 − β̂_t)·mean_i(G²)          (matrix: column means of G²)
        V̂_t = R_t·C_t / max(mean_i(R_t), ε₁)              (rank-1 estimate of E[G²])
        V̂_t = β̂_t·V̂_{t-1} + (1 − β̂_t)·G²                  (vector)
        U_t = G / √max(V̂_t, ε₁²)
        θ_t = θ − a_t · U_t / max(1, RMS(U_t)/d)          (update clipping at d)

    Defaults (PyTorch's): lr=1e-2, beta2_decay=-0.8, eps=(None, 1e-3), d=1.0,
    weight_decay=0. ε₁ = None means the parameters' machine epsilon (2.2e-16 in float64,
    1.2e-7 in float32). RMS(x) = ‖x‖₂/√numel. The paper's update also has no lr; torch uses
    lr as the cap of ρ_t (the paper's constant 0.01) and as the weight decay's scale.

    Conventions (torch's, from its docstring): ε₁ is applied to the estimate V̂ and to the
    row-factor mean, not added to G² as the paper and ``optax.adafactor`` do
    (R ← β̂R + (1 − β̂)·mean(G² + ε₁)); the factors hold means of G², not the paper's sums
    (equivalent). ``optax.adafactor`` differs further: it factors only matrices whose both
    sides are at least ``min_dim_size_to_factor`` = 128, has ``decay_rate`` 0.8 with
    β̂_t = 1 − t^(−0.8) (the same), ``multiply_by_parameter_scale``, an optional momentum,
    ``clipping_threshold`` 1 (d), ε₁ = 1e-30 and learning_rate scaling the update instead of
    capping ρ_t. Hugging Face's ``transformers.Adafactor`` follows the paper's ε placement.

    Rounded as torch rounds (``_single_tensor_adafactor``, float64): ``lerp_`` and
    ``add_(alpha=…)`` by fused multiply-adds, the norms summed in torch's order
    (``_terms.norm``): bit for bit equal on a feedback trajectory (tests/optim).

    Where adamlab differs from torch.optim: ε₁ must be > 0 in the parameters' dtype, also
    squared (torch accepts 0: a zero gradient then gives 0·∞ = NaN).
    """

    elementwise = False
    tuple_hyperparameters = ("eps",)

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        beta2_decay: float = -0.8,
        eps: tuple[float | None, float] = (None, 1e-3),
        d: float = 1.0,
        weight_decay: float = 0.0,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(
            params,
            dict(lr=lr, beta2_decay=beta2_decay, eps=eps, d=d, weight_decay=weight_decay,
                 maximize=maximize),
        )

    def _validate_hyperparameters(self, h: Mapping[str, Any], where: str) -> None:
        # eps is a pair (ε₁, ε₂) here, checked below rather than as the base's single eps
        super()._validate_hyperparameters({k: v for k, v in h.items() if k != "eps"}, where)
        name = self._name + where
        if "beta2_decay" in h:
            _check_number(name, "beta2_decay", h["beta2_decay"], low=-math.inf, high=0.0,
                          why="it is the power τ of 1 − β̂_t = t^τ; τ <= 0 lengthens the "
                          "average over time (the default -0.8)")
        if "d" in h:
            _check_number(name, "d", h["d"], low=1.0,
                          why="d is the RMS above which an update is scaled down (default 1)")
        if "eps" in h:
            eps = h["eps"]
            if isinstance(eps, str) or not isinstance(eps, Sequence) or len(eps) != 2:
                raise ValueError(f"{name}: eps must be a pair (eps1 or None, eps2), "
                                 f"got {eps!r}")
            if eps[0] is not None:
                _check_number(name, "eps[0]", eps[0], low=0.0, low_open=True,
                              why=EPS_ZERO_NAN + "; None takes the dtype's machine epsilon"
                              if eps[0] == 0 else "")
            _check_number(name, "eps[1]", eps[1], low=0.0)

    def _check_eps_in_dtype(self, h: Mapping[str, Any], params: Sequence[np.ndarray],
                            where: str, index0: int) -> None:
        eps1 = h["eps"][0]
        if eps1 is None:
            return
        for j, p in enumerate(params):
            if p.dtype.type(eps1 * eps1) == 0:
                raise ValueError(
                    f"{self._name}{where}: eps[0] = {eps1!r} squared is 0 in {p.dtype} "
                    f"(params[{index0 + j}]): {EPS_ZERO_NAN}. Use None (the dtype's machine "
                    f"epsilon) or at least {math.sqrt(np.finfo(p.dtype).tiny):.3g}"
                )

    def _init_state(self, p: np.ndarray, group: Mapping[str, Any]) -> dict[str, Any]:
        if p.ndim < 2:
            return {"variance": np.zeros_like(p)}
        return {"row_var": np.zeros(p.shape[:-1] + (1,), dtype=p.dtype),
                "col_var": np.zeros(p.shape[:-2] + (1,) + p.shape[-1:], dtype=p.dtype)}

    def _update(self, p, g, state, group) -> None:
        lr, wd, d = group["lr"], group["weight_decay"], group["d"]
        eps1, eps2 = group["eps"]
        if eps1 is None:
            eps1 = float(np.finfo(p.dtype).eps)
        g = direction(p, g, group, self._scratch, l2=False)  # −g for maximize (decay: below)
        state["step"] += 1
        t = float(state["step"])
        w = t ** group["beta2_decay"]  # 1 − β̂_t = t^τ
        rho = min(lr, 1 / (t**0.5))  # ρ_t = min(α, 1/√t)
        alpha = max(eps2, float(norm(p)[0]) / (p.size**0.5)) * rho  # a_t   (norm: torch's order)
        if wd != 0:
            p *= 1 - lr * wd  # θ ← θ·(1 − α·λ)
        v = self._scratch(p, 1)
        if p.ndim >= 2:
            r, c = state["row_var"], state["col_var"]
            row_mean = norm(g, axis=-1)
            row_mean *= row_mean
            row_mean /= g.shape[-1]  # mean_j(G²), as torch: ‖G_i‖²/m
            lerp_fma(r, row_mean, w, r, np.empty_like(r))  # R_t = β̂·R + (1 − β̂)·mean_j(G²)
            col_mean = norm(g, axis=-2)
            col_mean *= col_mean
            col_mean /= g.shape[-2]  # mean_i(G²)
            lerp_fma(c, col_mean, w, c, np.empty_like(c))  # C_t = β̂·C + (1 − β̂)·mean_i(G²)
            np.matmul(r, c, out=v)  # R_t·C_t
            v /= np.maximum(r.mean(axis=-2, keepdims=True), eps1)  # V̂_t = R·C/max(mean R, ε₁)
        else:
            var = state["variance"]
            sq = np.multiply(g, g, out=v)
            lerp_fma(var, sq, w, var, self._scratch(p, 2))  # V̂_t = β̂·V̂ + (1 − β̂)·G²
            np.copyto(v, var)
        np.maximum(v, eps1 * eps1, out=v)
        np.sqrt(v, out=v)
        np.divide(1, v, out=v)  # 1/√max(V̂_t, ε₁²)
        v *= g  # U_t
        denom = max(1.0, float(norm(v)[0]) / ((v.size**0.5) * d))  # max(1, RMS(U)/d)
        add_scaled(p, v, -alpha / denom, p)  # θ_t = θ − a_t·U_t/denom   (add_(U, alpha=…))

    # ------------------------------------------------------------------ internals
    #: How many entries of the first matrix's row and column factors the trace keeps.
    factor_entries = 8
    #: ``internals`` keeps an EMA in its memory: the trace calls it after every step.
    internals_every_step = True

    def declared_internals(self) -> dict[str, Internal]:
        full = "factored vs full second moment"
        first = next((n for n, p in zip(self.param_names, self.params, strict=True)
                      if p.ndim >= 2), None)
        out = {
            "grad": Internal("tracked", "gradient", "gradient $g_t$"),
            "v_factored": Internal("tracked", full, r"$\hat V_t = R_t C_t/\mathrm{mean}(R_t)$",
                                   True),
            "v_full": Internal("tracked", full, r"EMA of $g^2$ (kept by the trace)", True, "--"),
            "relative_error": Internal("scalar", "relative error of the factored estimate",
                                       r"$\|\hat V_t - V_t\|_F/\|V_t\|_F$ (matrices)", True),
            "|Δθ|": Internal("quantiles", "step |Δθ|, all parameters", r"$|\Delta\theta_t|$",
                             True),
        }
        if first is not None:
            out["row_factor"] = Internal("vector", f"factors of {first}", "rows $R_t$", True)
            out["col_factor"] = Internal("vector", f"factors of {first}", "columns $C_t$",
                                         True, "--")
        return out

    def internals(self, grads, previous, memory) -> dict[str, Any]:
        """The estimate V̂_t each parameter is normalised by (R·C/max(mean R, ε₁) for a
        matrix, the full EMA for a vector) against the full EMA of g² the factors stand for,
        V_t = β̂_t·V_{t−1} + (1 − β̂_t)·g² with the same β̂_t = 1 − t^τ, kept in ``memory``."""
        v_hat, v_full, err2, norm2 = [], [], 0.0, 0.0
        rows = cols = None
        i = 0
        for group, params, gs in by_group(self, grads):
            eps1 = group["eps"][0]
            for p, g in zip(params, gs, strict=True):
                s = self.state[i]
                e1 = float(np.finfo(p.dtype).eps) if eps1 is None else eps1
                w = float(s["step"]) ** group["beta2_decay"]  # 1 − β̂_t
                full = memory.get(f"v_full.{i}")
                full = np.zeros_like(p) if full is None else full
                full += w * (g * g - full)  # V_t = β̂·V + (1 − β̂)·g²
                memory[f"v_full.{i}"] = full
                if p.ndim >= 2:
                    r, c = s["row_var"], s["col_var"]
                    est = r @ c / np.maximum(r.mean(axis=-2, keepdims=True), e1)
                    err2 += float(np.sum((est - full) ** 2))
                    norm2 += float(np.sum(full**2))
                    if rows is None:
                        k = self.factor_entries
                        rows, cols = r.reshape(-1)[:k].copy(), c.reshape(-1)[:k].copy()
                else:
                    est = s["variance"].copy()
                v_hat.append(est)
                v_full.append(full.copy())
                i += 1
        out = {"grad": list(grads), "v_factored": v_hat, "v_full": v_full,
               "relative_error": (err2 / norm2) ** 0.5 if norm2 > 0 else 0.0,
               "|Δθ|": [np.abs(d) for d in update_of(self, previous)]}
        if rows is not None:
            out.update(row_factor=rows, col_factor=cols)
        return out
