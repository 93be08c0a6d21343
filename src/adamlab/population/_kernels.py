"""Compiled loops over a population's members (numba; imported only when used).

``bce_stack`` and ``binary_correct_stack`` call, member by member, the single network's own
kernels from ``adamlab.nn._kernels``, so a member's loss and count are those of its single run
with the compiled kernels: the same compiled functions, on the same rows, in the same order
(ReLU's two kernels are the single network's too, over the stack's rows: ``relu_forward``,
``relu_backward``).
The others repeat the NumPy code of ``StackedMLP`` (their reference, and the path without
numba) element by element, each operation rounded as NumPy rounds it (no fast-math, no fused
multiply-add): one pass over the stack where NumPy's ufuncs take one per operation, each with
its dispatch and broadcasting.

=======================  ============================================  =====================
kernel                   computes (NumPy reference in ``stack.py``)    agreement
=======================  ============================================  =====================
``add_bias_stack``       Z[k] ← Z[k] + b[k]    (``z += b[:, None, :]``)  bit for bit
``tanh_backward``        dZ = (1 − A·A)·dA     (``Tanh._backward``'s    bit for bit
                         three ufuncs)
``outer_stack``          C[k] = 0 + a[k]·b[k] for a column a[k] and a  bit for bit
                         row b[k] (``np.matmul``'s column-@-row loop,
                         which calls no BLAS: ``op = 0; op += a·b``)
=======================  ============================================  =====================
"""

from __future__ import annotations

import numba
import numpy as np

from adamlab.nn._kernels import bce, binary_correct, relu_backward, relu_forward

__all__ = ["bce_stack", "binary_correct_stack", "add_bias_stack", "tanh_backward",
           "outer_stack", "relu_forward", "relu_backward"]

_JIT = dict(cache=True, nogil=True, error_model="numpy")


@numba.njit(**_JIT)
def bce_stack(z, t, grad, scale, out):
    """``out[k] = bce(z[k], t[k], grad[k], scale)`` for every member k (z, t, grad: (K, n, k))."""
    for k in range(z.shape[0]):
        out[k] = bce(z[k], t[k], grad[k], scale)


@numba.njit(**_JIT)
def binary_correct_stack(z, t, out):
    """``out[k] = binary_correct(z[k], t[k])``: each member's rows with every output on its
    target's side (the single network's count with kernels, ``BinaryCrossEntropy.correct``)."""
    for k in range(z.shape[0]):
        out[k] = binary_correct(z[k], t[k])


@numba.njit(**_JIT)
def add_bias_stack(z, b):
    """Z[k, i, j] ← Z[k, i, j] + b[k, j] (z: (K, n, f); b: (K, f), rows of the stack)."""
    K, n, f = z.shape
    row = np.empty(f, z.dtype)  # b[k] copied contiguous: strided reads would not vectorize
    for k in range(K):
        row[:] = b[k]
        for i in range(n):
            for j in range(f):
                z[k, i, j] = z[k, i, j] + row[j]


@numba.njit(**_JIT)
def tanh_backward(a, da, dz):
    """dZ = (1 − A·A)·dA over rows (2-D, like ``relu_backward``): ``np.multiply(a, a)``,
    ``np.subtract(1, ·)``, ``np.multiply(·, da)``, each rounded."""
    n, k = a.shape
    one = np.ones(1, a.dtype)[0]
    for i in range(n):
        for j in range(k):
            x = a[i, j]
            dz[i, j] = (one - x * x) * da[i, j]  # f'(z) = 1 − a²;  dz = da ⊙ f'(z)


@numba.njit(**_JIT)
def outer_stack(a, b, out):
    """out[k, i, j] = 0 + a[k, i, 0]·b[k, 0, j]: ``np.matmul`` of a column (K, m, 1) by a row
    (K, 1, p), as its inner loop for that case computes it (zero, then += the product; so a
    product of −0 is +0, as there)."""
    K, m, p = out.shape
    zero = np.zeros(1, out.dtype)[0]
    for k in range(K):
        for i in range(m):
            x = a[k, i, 0]
            for j in range(p):
                out[k, i, j] = zero + x * b[k, 0, j]

