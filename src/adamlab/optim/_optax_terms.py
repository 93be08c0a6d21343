"""Pieces of the optimizers whose reference is optax, in optax's order of operations.

optax writes its moments as ``(1 − β)·g + β·m`` (two products, one sum) where torch writes
``m.lerp_(g, 1 − β)``; the same formula, different roundings. These terms repeat optax's, so
that float64 trajectories agree with ``optax`` to the last bits, as ``_terms`` does for torch.
"""

from __future__ import annotations

import numpy as np

__all__ = ["moment", "moment_sq", "norm", "trust_ratio"]


def moment(m: np.ndarray, g: np.ndarray, beta: float, tmp: np.ndarray) -> None:
    """m ← (1 − β)·g + β·m  (optax's ``tree.update_moment(g, m, β, 1)``)."""
    np.multiply(g, 1 - beta, out=tmp)
    m *= beta
    m += tmp


def moment_sq(v: np.ndarray, g: np.ndarray, beta: float, tmp: np.ndarray) -> None:
    """v ← (1 − β)·g² + β·v  (``update_moment_per_elem_norm(g, v, β, 2)``: g² = g·g first)."""
    np.multiply(g, g, out=tmp)
    tmp *= 1 - beta
    v *= beta
    v += tmp


def norm(x: np.ndarray) -> np.floating:
    """‖x‖₂ over all elements, in x's dtype (``jnp.linalg.norm``: √Σx²)."""
    return np.sqrt(np.sum(np.square(x)))


def trust_ratio(p: np.ndarray, u: np.ndarray, coefficient: float = 1.0,
                eps: float = 0.0) -> np.floating:
    """optax's ``scale_by_trust_ratio``: r = c·‖θ‖/(‖u‖ + ε), and 1 when ‖θ‖ or ‖u‖ is 0
    (a tensor at 0, or a zero update, is never stalled nor blown up)."""
    p_norm, u_norm = norm(p), norm(u)
    if p_norm == 0 or u_norm == 0:
        return p.dtype.type(1.0)
    return coefficient * p_norm / (u_norm + eps)  # r = c·‖θ‖/(‖u‖ + ε)
