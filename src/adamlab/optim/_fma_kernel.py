"""The processor's fused multiply-add for adamlab's kernels (numba; imported only when used).

``fma(a, b, c)`` inside an ``@numba.njit`` function is LLVM's ``llvm.fma``: a·b + c rounded
once, always (the FMA instruction where the processor has one, libm's ``fma`` otherwise), never
the two roundings of ``a * b + c`` and never left to the compiler's choice. ``fma_ufunc`` is the
same as a NumPy ufunc (float32 and float64, broadcasting, ``out=``): one pass over the arrays,
where ``_fma``'s NumPy emulation takes some thirty. ``fma_into`` is the same loop as a plain
compiled function, for 1-D arrays of one length (or scalars) of one dtype: a ufunc call costs
a few µs more (numba's DUFunc dispatch, and the ``np.errstate`` that keeps NumPy's
floating-point checks quiet), which on an optimizer's 2-element point is most of a step;
compiled code never reads the floating-point status flags, so it needs no ``errstate``. All
give the correctly rounded result, so the same numbers (tests/optim/test_fma.py checks them
against each other and exact arithmetic).
"""

from __future__ import annotations

import numba
from llvmlite import ir
from numba import types
from numba.extending import intrinsic, overload


@intrinsic
def fma(typingctx, a, b, c):
    """a·b + c rounded once (a, b, c of one float type)."""
    if not (isinstance(a, types.Float) and a == b == c):
        return None
    sig = a(a, b, c)

    def codegen(context, builder, signature, args):
        ty = context.get_value_type(signature.return_type)
        fnty = ir.FunctionType(ty, [ty, ty, ty])
        fn = builder.module.declare_intrinsic("llvm.fma", [ty], fnty)
        return builder.call(fn, args)

    return sig, codegen


# float32 first: NumPy takes the first loop its inputs cast to safely, so with float64 first a
# float32 call would run in float64 and round twice (wrong where that lands on a midpoint).
@numba.vectorize(["float32(float32, float32, float32)", "float64(float64, float64, float64)"],
                 cache=True, nopython=True)
def fma_ufunc(a, b, c):  # pragma: no cover - compiled
    return fma(a, b, c)


def _at(x, i):
    """x[i] for an array, x itself for a scalar (in compiled code: the overload below)."""
    return x[i] if hasattr(x, "shape") else x


@overload(_at)
def _at_typed(x, i):  # chosen when compiling, per argument type
    if isinstance(x, types.Array):
        return lambda x, i: x[i]
    return lambda x, i: x


@numba.njit(cache=True, nogil=True)
def fma_into(a, b, c, out):  # pragma: no cover - compiled
    """out[i] ← a·b + c rounded once, each of a, b, c a 1-D array shaped like ``out`` (element i)
    or a scalar, all of out's float type. ``out`` may be one of them (each element is read
    before it is written); no other overlap (the caller checks). Returns nothing (boxing an
    array to return it would cost more than the loop)."""
    for i in range(out.shape[0]):
        out[i] = fma(_at(a, i), _at(b, i), _at(c, i))
