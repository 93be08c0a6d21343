"""The pieces the optimizers are assembled from, each one line of math.

Every function works in place on NumPy arrays and reproduces the order of floating-point
operations of the matching ``torch`` kernel (``lerp_``, ``addcmul_``, ``add(alpha=)``), so that
trajectories agree with ``torch.optim`` to the last few bits, not just to the formula.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

Scratch = Callable[[np.ndarray, int], np.ndarray]


def direction(
    p: np.ndarray, g: np.ndarray, group: Mapping[str, Any], scratch: Scratch, l2: bool = True
) -> np.ndarray:
    """The gradient the moments see: sign for ``maximize``, then weight decay.

    * maximize:         g ← −g
    * L2 (coupled):     g ← g + λ·θ                 (PyTorch's ``weight_decay`` default)
    * decoupled:        θ ← θ·(1 − α·λ), g unchanged (AdamW; ``decoupled_weight_decay=True``)

    Returns ``g`` itself when nothing changes it, otherwise scratch array 0 (``g`` is never
    written: it usually is the model's gradient buffer). Uses scratch arrays 0 and 1.
    """
    maximize = group.get("maximize", False)
    wd = group.get("weight_decay", 0.0)
    decoupled = group.get("decoupled_weight_decay", False)
    if wd != 0 and decoupled:
        p *= 1 - group["lr"] * wd  # θ ← θ·(1 − αλ)
    coupled = l2 and wd != 0 and not decoupled
    if not (maximize or coupled):
        return g
    out = scratch(p, 0)
    if maximize:
        np.negative(g, out=out)  # g ← −g
        if coupled:
            out += np.multiply(p, wd, out=scratch(p, 1))  # g ← g + λθ
    else:
        np.multiply(p, wd, out=out)
        out += g  # g ← g + λθ
    return out


def lerp(a: np.ndarray, b: np.ndarray, w: float, out: np.ndarray, tmp: np.ndarray) -> None:
    """out ← a + w·(b − a), as torch's ``torch.lerp(a, b, w)`` (``out`` may be ``a``).

    torch computes ``a + w·(b − a)`` for ``|w| < 0.5`` and ``b − (b − a)·(1 − w)`` otherwise.
    """
    np.subtract(b, a, out=tmp)
    if abs(w) < 0.5:
        tmp *= w
        np.add(a, tmp, out=out)
    else:
        tmp *= 1 - w
        np.subtract(b, tmp, out=out)


def ema(m: np.ndarray, g: np.ndarray, beta: float, tmp: np.ndarray) -> None:
    """First moment, m ← β·m + (1 − β)·g, computed as torch's ``m.lerp_(g, 1 − β)``."""
    lerp(m, g, 1 - beta, m, tmp)


def ema_sq(v: np.ndarray, g: np.ndarray, beta: float, tmp: np.ndarray) -> None:
    """Second moment, v ← β·v + (1 − β)·g², as torch's ``v.mul_(β).addcmul_(g, g, 1 − β)``."""
    v *= beta
    np.multiply(g, 1 - beta, out=tmp)
    tmp *= g
    v += tmp
