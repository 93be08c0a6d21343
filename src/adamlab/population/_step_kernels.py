"""A kind's optimizer step as one compiled pass over its members' rows (numba; imported only
when used, by ``population.fused``).

Each kernel takes the ``(k, n)`` rows of a kind (``p``, ``g``: views into the stack; the state:
``(k, n)`` arrays) and each per-member scalar as a 1-D array of the rows' dtype, already
rounded as the NumPy stacked update (``population.steps``) rounds it (``Members.cast``). Per
element it performs the floating-point operations of that update, in its order; every
``fma(a, b, c)`` is LLVM's ``llvm.fma`` (``optim._fma_kernel``), a·b + c rounded once, where the
NumPy update calls ``optim._fma.fma``. No fast-math: no reassociation, no contraction of a
``*`` and a ``+`` by the compiler. So every member's row becomes the same numbers
(tests/population/test_population_fused.py checks them against ``population.steps`` bit for bit).

Adam's members are stepped by the single optimizer's own kernel
(``optim._adam_kernel._adam_elementwise``), row by row, with each member's scalars.
"""

from __future__ import annotations

import numba
import numpy as np

from adamlab.optim._adam_kernel import _adam_elementwise
from adamlab.optim._fma_kernel import fma

_JIT = dict(cache=True, nogil=True, error_model="numpy")


@numba.njit(**_JIT)
def adam_rows(p, g, m, v, vmax, decay, sign, coupled, wd, lerp_small, w, neg_one_minus_w,
              beta2, one_minus_beta2, sqrt_bc2, eps, neg_step):
    """``steps.adam`` (torch's rounding): member k's row with its scalars ``x[k]``; ``vmax``
    (amsgrad's max of v) an array or None."""
    for k in range(p.shape[0]):
        if vmax is None:
            _adam_elementwise(p[k], g[k], m[k], v[k], None, None, decay[k], sign, coupled,
                              wd[k], lerp_small, w[k], neg_one_minus_w[k], beta2[k],
                              one_minus_beta2[k], sqrt_bc2[k], eps[k], neg_step[k])
        else:
            _adam_elementwise(p[k], g[k], m[k], v[k], vmax[k], None, decay[k], sign, coupled,
                              wd[k], lerp_small, w[k], neg_one_minus_w[k], beta2[k],
                              one_minus_beta2[k], sqrt_bc2[k], eps[k], neg_step[k])


@numba.njit(**_JIT)
def sgd_rows(p, g, buf, decay, sign, coupled, wd, first, nesterov, mu, one_minus_damp,
             neg_lr):
    """``steps.sgd``; ``buf`` (the momentum buffers) an array or None (no momentum)::

        θ ← θ·decay;  g ← g·sign;  g ← fma(θ, λ, g)           (coupled)
        b ← g (first step)  or  fma(g, 1 − τ, b·μ)            (momentum)
        g ← fma(b, μ, g) (nesterov)  or  b
        θ ← fma(g, −α, θ)
    """
    n = p.shape[1]
    for k in range(p.shape[0]):
        dk, wk, mk, ok, lk = decay[k], wd[k], mu[k], one_minus_damp[k], neg_lr[k]
        for i in range(n):
            pi = p[k, i] * dk
            gi = g[k, i] * sign
            if coupled:
                gi = fma(pi, wk, gi)  # g ← g + λθ
            if buf is not None:
                if first:
                    b = gi  # b_1 = g_1
                else:
                    b = fma(gi, ok, buf[k, i] * mk)  # b_t = μ·b_{t-1} + (1 − τ)·g_t
                buf[k, i] = b
                if nesterov:
                    gi = fma(b, mk, gi)  # g ← g + μ·b_t
                else:
                    gi = b
            p[k, i] = fma(gi, lk, pi)  # θ_t = θ_{t-1} − α·g_t


@numba.njit(**_JIT)
def rmsprop_rows(p, g, sq, gbar, buf, decay, sign, coupled, wd, alpha, one_minus_alpha,
                 lerp_small, w, neg_one_minus_w, eps, mu, neg_lr):
    """``steps.rmsprop_fma``; ``gbar`` (centered) and ``buf`` (momentum) arrays or None::

        v ← fma(g·(1 − a), g, v·a)                                v_t
        ḡ ← lerp(ḡ, g, 1 − a);  d = √max(fma(−ḡ, ḡ, v), 0) + ε    (centered)   or  √v + ε
        b ← b·μ + g/d;  θ ← fma(b, −α, θ)                          (momentum)
        θ ← θ + (g·(−α))/d                                         (otherwise)
    """
    n = p.shape[1]
    zero = np.zeros(1, p.dtype)[0]
    for k in range(p.shape[0]):
        dk, wdk, ak, oak, wk, nwk, ek, mk, lk = (decay[k], wd[k], alpha[k], one_minus_alpha[k],
                                                 w[k], neg_one_minus_w[k], eps[k], mu[k],
                                                 neg_lr[k])
        for i in range(n):
            pi = p[k, i] * dk
            gi = g[k, i] * sign
            if coupled:
                gi = fma(pi, wdk, gi)  # g ← g + λθ
            v = fma(gi * oak, gi, sq[k, i] * ak)  # v_t = a·v + (1 − a)·g²
            sq[k, i] = v
            if gbar is not None:
                d = gi - gbar[k, i]
                if lerp_small:
                    gb = fma(d, wk, gbar[k, i])  # ḡ + w·(g − ḡ)
                else:
                    gb = fma(d, nwk, gi)  # g − (g − ḡ)·(1 − w)
                gbar[k, i] = gb
                var = fma(-gb, gb, v)  # v_t − ḡ_t², rounded once (addcmul with value −1)
                if not (var >= zero or var != var):  # np.maximum(var, 0): NaN kept
                    var = zero
                den = np.sqrt(var) + ek
            else:
                den = np.sqrt(v) + ek
            if buf is not None:
                b = buf[k, i] * mk + gi / den  # b_t = μ·b + g/d
                buf[k, i] = b
                p[k, i] = fma(b, lk, pi)  # θ_t = θ − α·b_t
            else:
                p[k, i] = pi + (gi * lk) / den  # θ_t = θ − α·g/d
