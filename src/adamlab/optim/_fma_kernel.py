"""The processor's fused multiply-add for adamlab's kernels (numba; imported only when used).

``fma(a, b, c)`` inside an ``@numba.njit`` function is LLVM's ``llvm.fma``: a·b + c rounded
once, always (the FMA instruction where the processor has one, libm's ``fma`` otherwise), never
the two roundings of ``a * b + c`` and never left to the compiler's choice. ``fma_ufunc`` is the
same as a NumPy ufunc (float32 and float64, broadcasting, ``out=``): one pass over the arrays,
where ``_fma``'s NumPy emulation takes some thirty. Both give the correctly rounded result, so
the same numbers (tests/optim/test_fma.py checks them against each other and exact arithmetic).
"""

from __future__ import annotations

import numba
from llvmlite import ir
from numba import types
from numba.extending import intrinsic


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


@numba.vectorize(["float64(float64, float64, float64)", "float32(float32, float32, float32)"],
                 cache=True, nopython=True)
def fma_ufunc(a, b, c):  # pragma: no cover - compiled
    return fma(a, b, c)
