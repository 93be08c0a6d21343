"""Fused multiply-add, a·b + c rounded once, in NumPy (which has no ``fma``).

torch's CPU kernels compute ``add(x, alpha=s)``, ``addcmul`` and ``lerp`` with the processor's
fused multiply-add (``vec::fmadd``): ``x + s·y`` is rounded once, not twice. NumPy rounds
``a*b`` and then the sum. To follow torch bit for bit the optimizers call :func:`fma`, which
gives the correctly rounded a·b + c from ordinary NumPy operations (error-free
transformations, Boldo & Melquiond, "Emulation of FMA and correctly rounded sums: proved
algorithms using rounding to odd", IEEE Trans. Computers 57(4), 2008, algorithm 5)::

    uh + ul = a·b           exactly  (Dekker's product, Veltkamp's split of a and b)
    th + tl = c + uh        exactly  (Knuth's TwoSum)
    v       = ○odd(tl + ul)          (rounded to odd: the neighbour whose last bit is 1)
    fma     = ○(th + v)              (rounded to nearest: the once-rounded a·b + c)

In float32 (and float16) the product of two values is exact in float64, so a·b + c is
computed there with two plain operations and rounded to the dtype: that is the once-rounded
answer except where the float64 sum lands exactly on a midpoint of the dtype (or below its
normal range), and only those elements are redone, rounded to odd from the exact sum
(rounding to odd with at least two extra bits and then to nearest is rounding to nearest
once). On 665 k float32 values this takes ~1.6 ms, against ~6.9 ms when every element was
rounded to odd.

With numba installed (``adamlab[fast]``) :func:`fma` is the processor's own instruction instead
(``_fma_kernel``, one pass over the arrays; the emulation takes about thirty): the same
numbers, since both are the correctly rounded a·b + c. ``ADAMLAB_JIT=0`` keeps the emulation.
Operands that are 1-D arrays of ``out``'s length and dtype, or scalars, go to a compiled loop
(``fma_into``: on a 2-element point ~2 µs a call with these checks, against ~5 µs through
the ufunc and its ``np.errstate``); anything else (broadcasting, other dtypes, overlapping
views) to the compiled ufunc.

Limits of the emulation (where the splits cannot be exact): |a|, |b| ≥ ~1e300 or a·b + c not
finite fall back to the twice-rounded a*b + c (the split would overflow); a product below
~1e-292 (float64) may be off by its last bits. Neither happens on an optimizer's usual values.
"""

from __future__ import annotations

import functools

import numpy as np

from adamlab import _jit

__all__ = ["fma", "fma_numpy"]

_SPLIT = 134217729.0  # 2**27 + 1: Veltkamp's constant for 53-bit significands


def _split(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """a = hi + lo exactly, each with at most 26 significant bits."""
    c = a * _SPLIT
    hi = c - (c - a)
    return hi, a - hi


def _two_sum(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """s + e = a + b exactly, with s = ○(a + b) (Knuth)."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _round_to_odd(s: np.ndarray, e: np.ndarray) -> np.ndarray:
    """○odd(s + e) from s = ○(s + e) and its exact error e: s where exact or already odd,
    else s's neighbour towards the exact value (which is then odd). Changes s in place."""
    s = np.asarray(s)  # a 0-d result comes as a NumPy scalar, which out= cannot take
    bits = s.view(np.int64)
    move = (e != 0) & ((bits & 1) == 0)
    with np.errstate(invalid="ignore"):
        np.nextafter(s, np.copysign(np.inf, e), out=s, where=move)
    return s


def _fma64(a, b, c) -> np.ndarray:
    a, b, c = (np.asarray(x, dtype=np.float64) for x in (a, b, c))
    with np.errstate(over="ignore", invalid="ignore"):
        ah, al = _split(a)
        bh, bl = _split(b)
        uh = a * b
        ul = ((ah * bh - uh) + ah * bl + al * bh) + al * bl  # a·b − uh, exactly
        th, tl = _two_sum(c, uh)
        v = _round_to_odd(*_two_sum(tl, ul))
        z = th + v
    bad = ~np.isfinite(z)
    if bad.any():  # a split overflowed (|a| or |b| ≳ 1e300), or a·b + c itself is not finite
        z = np.where(bad, uh + c, z)
    return z


def _fma_narrow(a, b, c, dtype: np.dtype) -> np.ndarray:
    """float32/float16: a·b is exact in float64, so s = a·b + c there is rounded once, to the
    float64 x̃ nearest the exact x. Rounding x̃ on to ``dtype`` gives x's own rounding unless x̃
    is a midpoint of ``dtype``: a midpoint strictly between x and x̃ would be a float64 nearer
    to x than x̃ is. So only results that land on a midpoint, or below the normal range (where
    the midpoints sit elsewhere), are rounded to odd from the exact sum (``_exact_narrow``)
    instead; for all others (0 too: a float64 sum is 0 only when exact) the two plain
    operations are the answer."""
    a, b, c = (np.asarray(x, dtype=dtype) for x in (a, b, c))  # scalars rounded to dtype first
    with np.errstate(over="ignore", invalid="ignore"):
        s = np.asarray(np.add(np.multiply(a, b, dtype=np.float64), c, dtype=np.float64))
    info = np.finfo(dtype)
    low = np.uint64((1 << (52 - info.nmant)) - 1)  # the float64 bits below dtype's last one
    half = np.uint64(1 << (51 - info.nmant))
    bits = s.view(np.uint64)
    redo = (bits & low) == half
    with np.errstate(invalid="ignore"):
        redo |= (np.abs(s) < float(info.tiny)) & (s != 0)  # 0 is exact: a·b = −c
    if redo.any():
        shape = s.shape
        a, b, c = (np.broadcast_to(x, shape)[redo] for x in (a, b, c))
        s[redo] = _exact_narrow(a, b, c)
    return s


def _exact_narrow(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """a·b + c rounded to odd in float64 from its exact value (a·b exact, then TwoSum)."""
    a, b, c = (x.astype(np.float64) for x in (a, b, c))
    with np.errstate(over="ignore", invalid="ignore"):
        return _round_to_odd(*_two_sum(c, a * b))


def fma_numpy(a, b, c, out: np.ndarray) -> np.ndarray:
    """out ← a·b + c rounded once, in ``out``'s dtype, with NumPy operations only."""
    dtype = out.dtype
    if dtype == np.float64:
        np.copyto(out, _fma64(a, b, c))
    elif dtype.kind == "f" and np.finfo(dtype).nmant <= 23:
        with np.errstate(over="ignore"):  # a result past the dtype's range is ±inf, as torch
            np.copyto(out, _fma_narrow(a, b, c, dtype), casting="same_kind")
    else:  # long double: no wider type to work in; twice rounded
        np.add(np.multiply(a, b, dtype=dtype), c, out=out)
    return out


@functools.cache
def _compiled():
    """numba's one-pass fma ufunc and loop (``_fma_kernel``), or None without numba /
    ADAMLAB_JIT=0."""
    if not _jit.available():
        return None
    from adamlab.optim._fma_kernel import fma_into, fma_ufunc

    return fma_ufunc, fma_into


_SCALARS = (float, int, np.floating, np.integer)
_COMPILED_DTYPES = (np.dtype(np.float64), np.dtype(np.float32))  # dtypes, not types: == is fast


def _loop_operand(x, out: np.ndarray):
    """x as ``fma_into`` takes it (the array itself, or the scalar in out's dtype, the rounding
    ``np.asarray(x, dtype)`` makes), or None when the ufunc must take it: an array of another
    type, shape or dtype, or one overlapping ``out`` without being it."""
    if type(x) is np.ndarray:
        if x is out:
            return x
        if x.dtype != out.dtype or x.shape != out.shape:
            return None
        if (x.base is not None or out.base is not None) and np.may_share_memory(x, out):
            return None  # (two arrays owning their memory cannot overlap)
        return x
    if type(x) is float and out.dtype == _COMPILED_DTYPES[0]:
        return x  # already a float64 (and numba takes a Python float fastest)
    if isinstance(x, _SCALARS):
        return out.dtype.type(x)
    return None


def fma(a, b, c, out: np.ndarray) -> np.ndarray:
    """out ← a·b + c rounded once, in ``out``'s dtype (arrays or scalars, broadcast; ``out``
    may be one of them). Returns ``out``. The processor's FMA through numba when it is
    installed (one pass), :func:`fma_numpy` otherwise: the same numbers."""
    compiled = _compiled()
    dtype = out.dtype
    if compiled is None or dtype not in _COMPILED_DTYPES:
        return fma_numpy(a, b, c, out)
    kernel, loop = compiled
    if out.ndim == 1 and type(out) is np.ndarray and out.flags.writeable:
        x, y, z = _loop_operand(a, out), _loop_operand(b, out), _loop_operand(c, out)
        if x is not None and y is not None and z is not None:
            loop(x, y, z, out)  # compiled code sets no NumPy warnings: no errstate needed
            return out
    # Like torch (and the emulation), no floating-point warnings: a NaN or ±inf made is in the
    # result. The float32 loop numba builds also reads ``out`` first, and old contents that are
    # signalling NaNs (a fresh np.empty scratch array) would set the invalid flag: ignored too.
    with np.errstate(invalid="ignore", over="ignore"):
        kernel(np.asarray(a, dtype), np.asarray(b, dtype), np.asarray(c, dtype), out=out)
    return out
