"""Adam's update as one compiled pass over the flat arrays (numba; imported only when used).

The NumPy code in ``adam.py`` (with ``_terms.direction``, ``ema`` and ``ema_sq``) is the
reference. It sweeps the arrays about a dozen times, once per operation; this kernel reads
θ, g, m, v (and v_max) once and writes them back once, performing for each element the *same*
floating-point operations in the *same* order, with the scalars rounded to the arrays' dtype
exactly as NumPy rounds a Python float against a float32 array. The results are therefore the
same numbers (tests check it bit for bit). No fast-math: no reassociation, no fused
multiply-add contraction.

Per element, with the scalars of ``_scalars`` (``lerp_small`` is torch's ``lerp_`` rule)::

    θ_prev ← θ                                    when the caller keeps the previous θ
    θ ← θ·decay                                   decoupled weight decay  (decay = 1 − α·λ)
    g ← g·sign                                    maximize: sign = −1 (an exact negation)
    g ← g + θ·λ                                   coupled (L2) weight decay
    d = g − m;  m ← m + d·w  (w < ½)  or  m ← g − d·(1 − w)           m_t, w = 1 − β1
    v ← v·β2 + (g·(1 − β2))·g                                           v_t
    v_max ← max(v_max, v);  v ← v_max             amsgrad
    den = √v / √(1 − β2^t) + ε                    (eps_hat: the divisor is 1, exactly √v + ε)
    θ ← θ + (m·(−step_size)) / den                                      θ_t

One thread: the step is bound by memory bandwidth, which one core nearly saturates (10M
float32 parameters: 7.2 ms on one thread, 6.4 ms on two), while a threaded version's idle
OpenMP workers, spinning after each step, halved the speed of the multi-threaded BLAS
products of the next training step (see docs/benchmarks.md).
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _scalars(p, lr, beta1, beta2, eps, wd, t, decoupled, maximize, eps_hat):
    """The step's scalars, computed in float64 exactly as ``Adam._update`` computes them in
    Python (``x**t`` and ``x**0.5`` are libm's ``pow`` in both), then rounded to p's dtype."""
    T = p.dtype.type
    bias_correction1 = 1.0 - beta1 ** np.float64(t)
    bias_correction2 = 1.0 - beta2 ** np.float64(t)
    if eps_hat:
        step_size = lr * bias_correction2**0.5 / bias_correction1
    else:
        step_size = lr / bias_correction1
    w = 1.0 - beta1
    one = T(1.0)
    decay = T(1.0 - lr * wd) if (wd != 0 and decoupled) else one  # θ·1 is θ exactly
    sign = -one if maximize else one  # g·(−1) is −g exactly
    sqrt_bc2 = one if eps_hat else T(bias_correction2**0.5)  # x/1 is x exactly
    return (decay, sign, wd != 0 and not decoupled, T(wd), abs(w) < 0.5, T(w), T(1.0 - w),
            T(beta2), T(1.0 - beta2), sqrt_bc2, T(eps), T(-step_size))


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _adam_elementwise(p, g, m, v, vmax, prev, decay, sign, coupled, wd, lerp_small, w,
                      one_minus_w, beta2, one_minus_beta2, sqrt_bc2, eps, neg_step):
    # vmax (amsgrad) and prev are arrays or None; numba compiles each combination apart and
    # drops the branches of the arrays that are None. (Passing some other array instead would
    # make the compiler assume it may overlap the others, and give up SIMD.)
    for i in range(p.size):
        p0 = p[i]
        if prev is not None:
            prev[i] = p0  # θ_{t-1}, kept for the caller
        pi = p0 * decay  # θ ← θ·(1 − αλ)   (decoupled weight decay)
        gi = g[i] * sign  # g ← −g            (maximize)
        if coupled:
            gi = gi + pi * wd  # g ← g + λθ   (L2 weight decay)
        d = gi - m[i]
        if lerp_small:
            mi = m[i] + d * w  # m_t = m + w·(g − m)
        else:
            mi = gi - d * one_minus_w  # m_t = g − (g − m)·(1 − w)
        m[i] = mi
        vi = v[i] * beta2 + (gi * one_minus_beta2) * gi  # v_t = β2·v + (1 − β2)·g²
        v[i] = vi
        if vmax is not None:  # amsgrad
            a = vmax[i]
            if not (a >= vi or a != a):  # max that propagates NaN, like np.maximum
                a = vi
            vmax[i] = a
            vi = a
        den = np.sqrt(vi) / sqrt_bc2 + eps  # √v_t/√(1 − β2^t) + ε   (eps_hat: √v_t + ε)
        p[i] = pi + (mi * neg_step) / den  # θ_t = θ − step_size·m_t/den


@numba.njit(cache=True, nogil=True)
def _flat(a):
    """The array as 1-D (a view: the arrays are C-contiguous), or None for None."""
    if a is None:
        return None
    return a.reshape(a.size)


@numba.njit(cache=True, nogil=True, error_model="numpy")
def adam_step(p, g, m, v, vmax, prev, lr, beta1, beta2, eps, wd, t, decoupled, maximize,
              eps_hat):
    """Step the C-contiguous arrays (all of p's shape) in place; ``t`` is the new step count,
    as a float (Python's ``beta**t`` converts the int alike; an int could overflow int64).
    ``vmax``: amsgrad's max of v, or None; ``prev``: receives θ before the step, or None.
    Python floats and bools only, so that every setting shares one compilation per dtype,
    number of dimensions and choice of optional arrays (cached on disk by numba)."""
    c = _scalars(p, lr, beta1, beta2, eps, wd, t, decoupled, maximize, eps_hat)
    _adam_elementwise(_flat(p), _flat(g), _flat(m), _flat(v), _flat(vmax), _flat(prev), *c)
