"""Cautious masking (Liang et al. 2024, arXiv:2411.16085): step only where the update agrees
with the gradient.

For an update direction u (what is subtracted from θ, times the learning rate) and the
gradient g of the same tensor::

    φ   = 1[u ⊙ g > 0]                 (1 where the step goes downhill along that coordinate)
    u  ← u ⊙ φ · n / (nnz(φ) + 1)      (n = u.size: the mean step size is kept)

The ``+ 1`` is the authors' own code (C-Optim's ``mask * (mask.numel() / (mask.sum() + 1))``,
the implementation of the paper's results); timm's variant divides by ``max(mean(φ), 1e-3)``
instead. The rule needs the whole tensor (its count of agreeing coordinates), so an optimizer
that uses it is not elementwise. A term, not an optimizer: Lion (here) and Adam/AdamW (the
lead's adam.py) call :func:`cautious_` on their own update.
"""

from __future__ import annotations

import numpy as np

__all__ = ["cautious_", "CAUTIOUS_EPS"]

#: The additive constant of the count, n/(nnz + 1), as in the authors' code.
CAUTIOUS_EPS = 1.0


def cautious_(u: np.ndarray, g: np.ndarray, tmp: np.ndarray, eps: float = CAUTIOUS_EPS) -> None:
    """u ← u ⊙ 1[u ⊙ g > 0] · n/(nnz + eps), in place (``tmp``: a scratch array like ``u``)."""
    np.multiply(u, g, out=tmp)
    mask = np.greater(tmp, 0)  # φ = 1[u ⊙ g > 0]
    nnz = int(np.count_nonzero(mask))
    np.multiply(mask, u.dtype.type(u.size / (nnz + eps)), out=tmp)  # φ · n/(nnz + 1)
    u *= tmp  # u ← u ⊙ φ · n/(nnz + 1)
