"""Gradient clipping, in place, as ``torch.nn.utils.clip_grad_norm_`` / ``clip_grad_value_``."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def global_norm(grads: Sequence[np.ndarray], norm_type: float = 2.0) -> float:
    """‖(g_1, …, g_k)‖_p over all arrays together (p = inf: the largest |g|)."""
    if norm_type == math.inf:
        return max((float(np.max(np.abs(g))) if g.size else 0.0) for g in grads)
    norms = [float(np.linalg.norm(g.ravel(), ord=norm_type)) for g in grads]
    return float(np.linalg.norm(np.asarray(norms), ord=norm_type))


def clip_grad_norm_(
    grads: Sequence[np.ndarray], max_norm: float, norm_type: float = 2.0
) -> float:
    """Scale all gradients by min(1, max_norm/(‖g‖ + 1e-6)) in place; return the norm before.

    The 1e-6 and the clamp at 1 are PyTorch's. Non-finite norms are returned unchanged (the
    gradients are then left alone: the trainer's divergence guard reports them).
    """
    if not (isinstance(max_norm, (int, float)) and max_norm > 0 and math.isfinite(max_norm)):
        raise ValueError(f"clip_grad_norm_: max_norm must be a finite number > 0, got {max_norm!r}")
    grads = [grads] if isinstance(grads, np.ndarray) else list(grads)
    total = global_norm(grads, norm_type)
    coef = max_norm / (total + 1e-6)
    if math.isfinite(total) and coef < 1.0:
        for g in grads:
            g *= coef
    return total


def clip_grad_value_(grads: Sequence[np.ndarray], clip_value: float) -> None:
    """Clamp every gradient entry to [−clip_value, clip_value] in place."""
    if not (isinstance(clip_value, (int, float)) and clip_value > 0 and math.isfinite(clip_value)):
        raise ValueError(
            f"clip_grad_value_: clip_value must be a finite number > 0, got {clip_value!r}")
    grads = [grads] if isinstance(grads, np.ndarray) else list(grads)
    for g in grads:
        np.clip(g, -clip_value, clip_value, out=g)
