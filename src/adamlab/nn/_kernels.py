"""Compiled twins (numba) of the hottest elementwise steps of a training step.

Imported only when numba is available (see ``adamlab._jit``); the NumPy code in
``activations.py``, ``layers.py`` and ``losses.py`` is the reference. On a 256×64 batch a NumPy
ufunc spends more time being dispatched and broadcast than computing; these loops do the same
arithmetic in one compiled pass each, element by element and in the same order:

====================  ==========================================  ==========================
kernel                computes (reference)                        agreement with NumPy
====================  ==========================================  ==========================
``add_bias``          Z ← Z + b          (``z += b``)             bit for bit
``relu_forward``      A = max(Z, 0)      (``np.maximum``: NaN     bit for bit
                      propagated, +0 for −0)
``relu_backward``     dZ = 1[A > 0] · dA  (``np.greater``, then   bit for bit
                      ``*=``)
``bce``               ℓ = (max(z,0) − t·z) + log1p(e),            to the last bit or two: exp
                      ∂ = (σ(z) − t)·s,  e = exp(−|z|)            and log1p are libm's here,
                                                                  NumPy's own SIMD code there
``binary_correct``    Σ_i all_k 1[z > 0] = 1[t > ½]               exactly
``take_rows``         Xb = X[idx], tb = t[idx]  (two ``take``)    exactly (copies)
====================  ==========================================  ==========================
"""

from __future__ import annotations

import numba
import numpy as np

_JIT = dict(cache=True, nogil=True, error_model="numpy")


@numba.njit(**_JIT)
def add_bias(z, b):
    """Z ← Z + b, broadcasting b over the rows."""
    n, k = z.shape
    for i in range(n):
        for j in range(k):
            z[i, j] = z[i, j] + b[j]


@numba.njit(**_JIT)
def relu_forward(z, a):
    """A = max(Z, 0) as np.maximum gives it: a NaN in Z stays NaN, max(−0, 0) is +0."""
    n, k = z.shape
    zero = np.zeros(1, z.dtype)[0]
    for i in range(n):
        for j in range(k):
            x = z[i, j]
            a[i, j] = x if (x > zero or x != x) else zero


@numba.njit(**_JIT)
def relu_backward(a, da, dz):
    """dZ = 1[A > 0]·dA, the indicator taken as 1.0 or 0.0 in the arrays' dtype."""
    n, k = a.shape
    one, zero = np.ones(1, a.dtype)[0], np.zeros(1, a.dtype)[0]
    for i in range(n):
        for j in range(k):
            dz[i, j] = (one if a[i, j] > 0 else zero) * da[i, j]


@numba.njit(**_JIT)
def bce(z, t, grad, scale):
    """Binary cross-entropy on logits: writes ∂ℓ/∂z = (σ(z) − t)·scale into ``grad`` and
    returns the mean over the rows of ℓ_i = Σ_k softplus(z) − t·z (see
    ``losses.BinaryCrossEntropy``). Constants are typed like z, so float32 stays float32; the
    rows are summed in order (NumPy sums pairwise: the mean may differ in its last bit)."""
    n, k = z.shape
    one, zero = np.ones(1, z.dtype)[0], np.zeros(1, z.dtype)[0]
    scale = z.dtype.type(scale)  # a Python float, rounded as NumPy rounds it against z
    loss = zero
    for i in range(n):
        total = zero
        for j in range(k):
            x, y = z[i, j], t[i, j]
            e = np.exp(-np.abs(x))  # e^{−|z|} ∈ (0, 1]
            relu = x if (x > zero or x != x) else zero  # np.maximum(z, 0)
            term = (relu - y * x) + np.log1p(e)  # softplus(z) − y z
            total = term if j == 0 else total + term
            r = one / (one + e)
            s = r if x >= zero else e * r  # σ(z), relatively accurate at both ends
            grad[i, j] = (s - y) * scale
        loss = total if i == 0 else loss + total
    return loss / n


@numba.njit(**_JIT)
def binary_correct(z, t):
    """Rows whose every output is on the side of 0 its target is on of ½ (1[z > 0] = 1[t > ½])."""
    n, k = z.shape
    count = 0
    for i in range(n):
        hit = True
        for j in range(k):
            hit = hit and ((z[i, j] > 0) == (t[i, j] > 0.5))
        count += hit
    return count


@numba.njit(**_JIT)
def take_rows(X, t, idx, Xb, tb):
    """A mini-batch: rows ``idx`` of X into Xb and of the targets t into tb (t is 2-D, or 1-D
    class labels) — the two ``take`` calls of the trainer in one."""
    for r in range(idx.size):
        i = idx[r]
        for j in range(X.shape[1]):
            Xb[r, j] = X[i, j]
        if t.ndim == 1:
            tb[r] = t[i]
        else:
            for j in range(t.shape[1]):
                tb[r, j] = t[i, j]
