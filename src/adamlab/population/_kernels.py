"""Compiled loops over a population's members (numba; imported only when used).

Each calls, member by member, the single network's own kernel from ``adamlab.nn._kernels``,
so a member's numbers are those of its single run with the compiled kernels: the same
compiled function, on the same rows, in the same order.
"""

from __future__ import annotations

import numba

from adamlab.nn._kernels import bce

_JIT = dict(cache=True, nogil=True, error_model="numpy")


@numba.njit(**_JIT)
def bce_stack(z, t, grad, scale, out):
    """``out[k] = bce(z[k], t[k], grad[k], scale)`` for every member k (z, t, grad: (K, n, k))."""
    for k in range(z.shape[0]):
        out[k] = bce(z[k], t[k], grad[k], scale)
