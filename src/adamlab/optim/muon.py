"""Muon: momentum orthogonalised by a Newton–Schulz iteration, for 2-D weight matrices."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from adamlab.optim._terms import add_scaled, direction, lerp_fma, norm
from adamlab.optim._tuples import TupleHyperparameters
from adamlab.optim.base import Optimizer, _check_number
from adamlab.optim.internals import Internal, moments_declared, moments_internals

#: Keller Jordan's quintic Newton–Schulz coefficients (a, b, c), torch's defaults.
NS_COEFFICIENTS = (3.4445, -4.7750, 2.0315)
ADJUST_LR_FNS = (None, "original", "match_rms_adamw")


def newton_schulz(
    m: np.ndarray, coefficients: tuple[float, float, float], steps: int, eps: float
) -> np.ndarray:
    """≈ U·Vᵀ of m = U·S·Vᵀ: ``steps`` quintic Newton–Schulz iterations, as torch's
    ``_zeropower_via_newtonschulz`` but in ``m``'s dtype (torch: bfloat16). A new array.

    ::

        X_0 = M / max(‖M‖_F, ε)                (Mᵀ first when M is tall: X is wide)
        A = X·Xᵀ;  B = b·A + c·A·A;  X ← a·X + B·X      (each step)

    Each singular value σ ∈ (0, 1] goes through p(σ) = aσ + bσ³ + cσ⁵; these coefficients
    push every σ to roughly (0.7, 1.2) in 5 steps rather than exactly 1 (Jordan's post).
    """
    a, b, c = coefficients
    tall = m.shape[0] > m.shape[1]
    x = m.T.copy() if tall else m.copy()
    x /= max(float(norm(m)[0]), eps)  # X_0 = M/max(‖M‖_F, ε): spectral norm <= 1
    for _ in range(steps):
        gram = x @ x.T  # A = X·Xᵀ
        update = gram @ gram
        update *= c
        update += b * gram  # B = b·A + c·A·A (torch.addmm(A, A, A, beta=b, alpha=c))
        x_next = update @ x
        x_next += a * x  # X ← a·X + B·X (torch.addmm(X, B, X, beta=a))
        x = x_next
    return x.T if tall else x


def adjusted_lr(lr: float, adjust_lr_fn: str | None, shape: tuple[int, ...]) -> float:
    """The learning rate applied to the orthogonalised update of an (A, B) matrix:
    ``original`` (Jordan) α·√max(1, A/B); ``match_rms_adamw`` (Moonshot) 0.2·α·√max(A, B)."""
    rows, cols = shape[:2]
    if adjust_lr_fn is None or adjust_lr_fn == "original":
        return lr * math.sqrt(max(1, rows / cols))
    return lr * (0.2 * math.sqrt(max(rows, cols)))


class Muon(TupleHyperparameters, Optimizer):
    r"""Muon (Jordan et al. 2024, kellerjordan.github.io/posts/muon; at scale: Liu et al. 2025,
    arXiv:2502.16982), as ``torch.optim.Muon`` computes it, for 2-D parameters only::

        B_t = μ·B_{t-1} + (1 − μ)·g_t                 (momentum_buffer, torch's lerp_)
        M_t = (1 − μ)·g_t + μ·B_t   (nesterov)   or   B_t
        O_t = NS_k^{(a,b,c)}(M_t; ε)                   (≈ the orthogonal factor U·Vᵀ of M_t)
        θ ← θ·(1 − α·λ)                                (decoupled weight decay)
        θ_t = θ − α'·O_t,   α' = α·√max(1, A/B)        (adjust_lr_fn "original"/None)
                            α' = 0.2·α·√max(A, B)      (adjust_lr_fn "match_rms_adamw")

    for a parameter of shape (A, B); ``newton_schulz`` has the iteration. Defaults (PyTorch's):
    lr=1e-3, weight_decay=0.1, momentum=0.95, nesterov=True, ns_coefficients=(3.4445,
    -4.7750, 2.0315), eps=1e-7, ns_steps=5, adjust_lr_fn=None. ``maximize`` (g ← −g) is
    adamlab's, as on every other optimizer; torch's Muon has none.

    Precision: torch runs the Newton–Schulz iteration in bfloat16 (8 significant bits), which
    NumPy lacks; adamlab runs it in the parameters' dtype (float64 or float32). So adamlab's
    steps are torch's with the iteration done exactly (tests: equal to 1e-10 to a torch run
    patched to iterate in float64) and differ from stock torch's by bfloat16 rounding
    (a relative ~1e-2 per update).

    Conventions: torch's docstring writes B_t = μB + g and M_t = g + μB_t, its code (and
    Jordan's) the lerp forms above. Jordan's ``muon.py`` normalises by ‖M‖ + 1e-7 (torch:
    max(‖M‖, ε)), has lr 0.02 and weight_decay 0, and applies the same √max(1, A/B) with
    (A, B) = (out, in) of torch's Linear weight. adamlab's dense weights are (fan_in, fan_out),
    the transpose: the orthogonalisation does not care (NS(Mᵀ) = NS(M)ᵀ), but "original"
    scales by √max(1, fan_in/fan_out) here. Every non-2-D parameter (biases) belongs to
    another optimizer: the registry row's fallback (AdamW), as Muon's authors recommend.
    """

    elementwise = False
    tuple_hyperparameters = ("ns_coefficients",)
    matrices = True
    buffers = ("momentum_buffer",)

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        weight_decay: float = 0.1,
        momentum: float = 0.95,
        nesterov: bool = True,
        ns_coefficients: tuple[float, float, float] = NS_COEFFICIENTS,
        eps: float = 1e-7,
        ns_steps: int = 5,
        adjust_lr_fn: str | None = None,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(
            params,
            dict(lr=lr, weight_decay=weight_decay, momentum=momentum, nesterov=nesterov,
                 ns_coefficients=ns_coefficients, eps=eps, ns_steps=ns_steps,
                 adjust_lr_fn=adjust_lr_fn, maximize=maximize),
        )

    def _validate_hyperparameters(self, h: Mapping[str, Any], where: str) -> None:
        super()._validate_hyperparameters(h, where)
        name = self._name + where
        if "momentum" in h:
            _check_number(name, "momentum", h["momentum"], low=0.0, high=1.0, high_open=True,
                          why="at momentum 1 the buffer never leaves 0 and nothing is learnt; "
                          "use e.g. 0.95, the default" if h["momentum"] == 1 else "")
        if "ns_coefficients" in h:
            abc = h["ns_coefficients"]
            if isinstance(abc, str) or not isinstance(abc, Sequence) or len(abc) != 3:
                raise ValueError(f"{name}: ns_coefficients must be three numbers (a, b, c), "
                                 f"got {abc!r}")
            for k, x in enumerate(abc):
                _check_number(name, f"ns_coefficients[{k}]", x, low=-math.inf)
        if "ns_steps" in h:
            k = h["ns_steps"]
            if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 0 <= k < 100:
                raise ValueError(f"{name}: ns_steps must be an integer in [0, 100) (torch's "
                                 f"limit; the default is 5), got {k!r}")
        if "adjust_lr_fn" in h and h["adjust_lr_fn"] not in ADJUST_LR_FNS:
            raise ValueError(f"{name}: adjust_lr_fn must be one of {ADJUST_LR_FNS}, "
                             f"got {h['adjust_lr_fn']!r}")

    def _update(self, p, g, state, group) -> None:
        mu, lr = group["momentum"], group["lr"]
        state["step"] += 1
        g = direction(p, g, group, self._scratch, l2=False)  # −g for maximize (decay: below)
        buf = state["momentum_buffer"]
        tmp = self._scratch(p, 1)
        lerp_fma(buf, g, 1 - mu, buf, tmp)  # B_t = μ·B + (1 − μ)·g
        if group["nesterov"]:
            m = self._scratch(p, 2)
            lerp_fma(g, buf, mu, m, tmp)  # M_t = (1 − μ)·g + μ·B_t
        else:
            m = buf  # M_t = B_t
        o = newton_schulz(m, group["ns_coefficients"], group["ns_steps"], group["eps"])  # O_t
        p *= 1 - lr * group["weight_decay"]  # θ ← θ·(1 − α·λ)
        add_scaled(p, o, -adjusted_lr(lr, group["adjust_lr_fn"], p.shape), p)  # θ_t = θ − α'·O_t

    # ------------------------------------------------------------------ internals
    #: How many of the largest singular values the trace keeps.
    top_singular_values = 8

    def declared_internals(self) -> dict[str, Internal]:
        out = moments_declared(("momentum_buffer",), {"momentum_buffer": "momentum B"})
        panel = f"singular values of {self.param_names[self._traced_matrix()]}'s update"
        out.update({
            "sv_before": Internal("vector", panel, r"$\sigma(M_t/\|M_t\|_F)$ before", True, ":"),
            "sv_after": Internal("vector", panel, r"$\sigma(O_t)$ after Newton–Schulz", True),
        })
        return out

    def _traced_matrix(self) -> int:
        """The parameter whose singular values are traced: the one with the most (the first
        of those)."""
        sizes = [min(p.shape) for p in self.params]
        return sizes.index(max(sizes))

    def internals(self, grads, previous, memory) -> dict[str, Any]:
        """For the matrix with the most singular values: the top singular values of
        M_t/‖M_t‖_F (what the iteration starts from, all ≤ 1) and of O_t = NS(M_t), recomputed
        from the gradient and the momentum buffer B_t (M_t = (1 − μ)·g + μ·B_t with nesterov,
        else B_t)."""
        i = self._traced_matrix()
        p, s = self.params[i], self.state[i]
        group = next(g for g in self.param_groups if any(q is p for q in g["params"]))
        mu, g = group["momentum"], -grads[i] if group["maximize"] else grads[i]
        m = (1 - mu) * g + mu * s["momentum_buffer"] if group["nesterov"] \
            else s["momentum_buffer"]
        o = newton_schulz(m, group["ns_coefficients"], group["ns_steps"], group["eps"])
        k = min(self.top_singular_values, *p.shape)
        before = np.linalg.svd(m / max(float(np.linalg.norm(m)), group["eps"]),
                               compute_uv=False)[:k]
        out = moments_internals(self, ("momentum_buffer",), grads, previous)
        out.update(sv_before=before, sv_after=np.linalg.svd(o, compute_uv=False)[:k])
        return out
