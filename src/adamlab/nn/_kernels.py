"""Compiled twins (numba) of the hottest elementwise steps of a training step.

Imported only when numba is available (see ``adamlab._jit``); the NumPy code in
``activations.py``, ``layers.py`` and ``losses.py`` is the reference. On a 256×64 batch a NumPy
ufunc spends more time being dispatched and broadcast than computing; these loops do the same
arithmetic in one compiled pass each, element by element and in the same order:

=======================  =========================================  =========================
kernel                   computes (reference)                       agreement with NumPy
=======================  =========================================  =========================
``add_bias``             Z ← Z + b          (``z += b``)            bit for bit
``bias_relu``            A ← max(A + b, 0)  (``add_bias``, then     bit for bit
                         ``relu_forward``, in place)
``relu_forward``         A = max(Z, 0)      (``np.maximum``: NaN    bit for bit
                         propagated, +0 for −0)
``relu_backward``        dZ = 1[A > 0] · dA  (``np.greater``, then  bit for bit
                         ``*=``; ``relu_backward_inplace``: dZ is dA)
``outer_relu_backward``  dZ = 1[A > 0] · (d wᵀ), d (n, 1) and       bit for bit: the product
                         w (m, 1)  (``np.dot(d, w.T)``, then        has no sum, d_i·w_j (a
                         ``relu_backward``)                         zero is +0, as in OpenBLAS)
``bce``                  ℓ = (max(z,0) − t·z) + log1p(e),           to the last bit or two:
                         ∂ = (σ(z) − t)·s,  e = exp(−|z|)           exp and log1p are libm's
                                                                    here, NumPy's SIMD there
``binary_correct``       Σ_i all_k 1[z > 0] = 1[t > ½]              exactly
``take_rows``            Xb = X[idx], tb = t[idx]  (two ``take``)   exactly (copies)
=======================  =========================================  =========================

``take_rows`` asks the processor for the rows ``PREFETCH`` rows ahead (``prefetch``, LLVM's
``llvm.prefetch``: a hint that loads nothing into the program and cannot fault): rows drawn at
random from a training set larger than the caches each miss them, and without the hint the
copy waits for one row after another.
"""

from __future__ import annotations

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

_JIT = dict(cache=True, nogil=True, error_model="numpy")


@numba.njit(**_JIT)
def add_bias(z, b):
    """Z ← Z + b, broadcasting b over the rows."""
    n, k = z.shape
    for i in range(n):
        for j in range(k):
            z[i, j] = z[i, j] + b[j]


@numba.njit(**_JIT)
def bias_relu(a, b):
    """A ← max(A + b, 0) in place: ``add_bias`` then ``relu_forward``, one pass over one array
    (two names for one array would make LLVM give up its vector loop)."""
    n, k = a.shape
    zero = np.zeros(1, a.dtype)[0]
    for i in range(n):
        for j in range(k):
            x = a[i, j] + b[j]
            a[i, j] = x if (x > zero or x != x) else zero


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
def relu_backward_inplace(a, d):
    """D ← 1[A > 0]·D: ``relu_backward`` with dA and dZ one array."""
    n, k = a.shape
    one, zero = np.ones(1, a.dtype)[0], np.zeros(1, a.dtype)[0]
    for i in range(n):
        for j in range(k):
            d[i, j] = (one if a[i, j] > 0 else zero) * d[i, j]


@numba.njit(**_JIT)
def outer_relu_backward(a, d, w, dz):
    """dZ = 1[A > 0]·(d wᵀ) for one output unit (d of shape (n, 1), w of (m, 1)): the product
    ``np.dot(d, w.T)`` then ``relu_backward``. Each d_i·w_j is rounded once, as in the BLAS;
    ``+ zero`` makes a zero product +0, as OpenBLAS gives it (its sums start from +0)."""
    n, m = a.shape
    one, zero = np.ones(1, a.dtype)[0], np.zeros(1, a.dtype)[0]
    for i in range(n):
        di = d[i, 0]
        for j in range(m):
            dz[i, j] = (one if a[i, j] > 0 else zero) * (di * w[j, 0] + zero)


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


@intrinsic
def prefetch(typingctx, arr, i, j):
    """Ask for the cache line holding ``arr[i, j]`` (``arr[i]`` when 1-D), to be read soon."""
    if not (isinstance(arr, types.Array) and arr.ndim in (1, 2)
            and isinstance(i, types.Integer) and isinstance(j, types.Integer)):
        return None
    sig = types.void(arr, i, j)

    def codegen(context, builder, signature, args):
        aryty = signature.args[0]
        ary = context.make_array(aryty)(context, builder, args[0])
        index = [context.cast(builder, v, t, types.intp)
                 for v, t in zip(args[1:], signature.args[1:], strict=True)][:aryty.ndim]
        ptr = cgutils.get_item_pointer(context, builder, aryty, ary, index, wraparound=False)
        i8p, i32 = ir.IntType(8).as_pointer(), ir.IntType(32)
        fn = builder.module.declare_intrinsic(  # its name for this pointer type, from llvmlite
            "llvm.prefetch", [i8p], ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32]))
        # read (0), keep in every cache level (3), data (1)
        builder.call(fn, [builder.bitcast(ptr, i8p), i32(0), i32(3), i32(1)])
        return context.get_dummy_value()

    return sig, codegen


#: How many rows ahead ``take_rows`` asks for (enough to cover a memory latency).
PREFETCH = 32


@numba.njit(**_JIT)
def take_rows(X, t, idx, Xb, tb):
    """A mini-batch: rows ``idx`` of X into Xb and of the targets t into tb (t is 2-D, or 1-D
    class labels) — the two ``take`` calls of the trainer in one. Each row's cache lines are
    asked for ``PREFETCH`` rows before it is copied."""
    n, m = idx.size, X.shape[1]
    line = max(1, 64 // X.itemsize)  # elements per 64-byte cache line
    for r in range(n + PREFETCH):
        if r < n:
            ahead = idx[r]
            for j in range(0, m, line):
                prefetch(X, ahead, j)
            if m > 0:
                prefetch(X, ahead, m - 1)  # a row can straddle one line more
            prefetch(t, ahead, 0)
        if r >= PREFETCH:
            q = r - PREFETCH
            i = idx[q]
            for j in range(m):
                Xb[q, j] = X[i, j]
            if t.ndim == 1:
                tb[q] = t[i]
            else:
                for j in range(t.shape[1]):
                    tb[q, j] = t[i, j]
