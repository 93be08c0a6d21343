"""Adam's update as one compiled pass over the flat arrays (numba; imported only when used).

The NumPy code in ``adam.py`` (with ``_terms.direction_fma``, ``ema_fma`` and ``ema_sq_fma``)
is the reference, and follows ``torch.optim.Adam`` (single-tensor path) operation by operation.
It sweeps the arrays about a dozen times, once per operation; this kernel reads θ, g, m, v (and
v_max) once and writes them back once, performing for each element the *same* floating-point
operations in the *same* order, with the scalars rounded to the arrays' dtype exactly as NumPy
rounds a Python float against a float32 array. The results are therefore the same numbers
(tests check it bit for bit). No fast-math: no reassociation and no multiply-add contraction
by the compiler; the fused multiply-adds below are explicit (``_fma_kernel.fma``, a·b + c
rounded once), where torch's CPU kernels have theirs.

Per element, with the scalars of ``_scalars`` (``lerp_small`` is torch's ``lerp_`` rule)::

    θ_prev ← θ                                    when the caller keeps the previous θ
    θ ← θ·decay                                   decoupled weight decay  (decay = 1 − α·λ)
    g ← g·sign                                    maximize: sign = −1 (an exact negation)
    g ← fma(θ, λ, g)                              coupled (L2): grad.add(param, alpha=λ)
    d = g − m;  m ← fma(d, w, m)  (w < ½)  or  fma(d, −(1 − w), g)     m_t = m.lerp_(g, w)
    v ← fma(g·(1 − β2), g, v·β2)                  v_t = v.mul_(β2).addcmul_(g, g, 1 − β2)
    v_max ← max(v_max, v);  v ← v_max             amsgrad
    den = √v / √(1 − β2^t) + ε                    (eps_hat: the divisor is 1, exactly √v + ε)
    θ ← θ + (m·(−step_size)) / den                θ_t = θ.addcdiv_(m, den, −step_size)

(w = 1 − β1 is rounded to the dtype, and 1 − w computed in the dtype, as torch's lerp does.)

One thread: the step is bound by memory bandwidth, which one core nearly saturates (10M
float32 parameters: 7.2 ms on one thread, 6.4 ms on two), while a threaded version's idle
OpenMP workers, spinning after each step, halved the speed of the multi-threaded BLAS
products of the next training step (see docs/benchmarks.md).
"""

from __future__ import annotations

import numba
import numpy as np

from adamlab.optim._fma_kernel import fma


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _scalars(p, lr, beta1, beta2, eps, wd, step_size, sqrt_bc2, decoupled, maximize):
    """The step's scalars, computed in float64 as ``Adam._update`` computes them in Python
    (``step_size`` and ``sqrt_bc2`` come from Python: ``adam.step_scalars``), then rounded to
    p's dtype; ``1 − w`` in that dtype, as torch's ``lerp``."""
    T = p.dtype.type
    w = T(1.0 - beta1)
    one = T(1.0)
    decay = T(1.0 - lr * wd) if (wd != 0 and decoupled) else one  # θ·1 is θ exactly
    sign = -one if maximize else one  # g·(−1) is −g exactly
    return (decay, sign, wd != 0 and not decoupled, T(wd), abs(1.0 - beta1) < 0.5, w,
            -(one - w), T(beta2), T(1.0 - beta2), T(sqrt_bc2), T(eps), T(-step_size))


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _adam_elementwise(p, g, m, v, vmax, prev, decay, sign, coupled, wd, lerp_small, w,
                      neg_one_minus_w, beta2, one_minus_beta2, sqrt_bc2, eps, neg_step):
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
            gi = fma(pi, wd, gi)  # g ← g + λθ, rounded once   (L2 weight decay)
        d = gi - m[i]
        if lerp_small:
            mi = fma(d, w, m[i])  # m_t = m + w·(g − m)
        else:
            mi = fma(d, neg_one_minus_w, gi)  # m_t = g − (g − m)·(1 − w)
        m[i] = mi
        vi = fma(gi * one_minus_beta2, gi, v[i] * beta2)  # v_t = β2·v + ((1 − β2)·g)·g
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
def adam_step(p, g, m, v, vmax, prev, lr, beta1, beta2, eps, wd, step_size, sqrt_bc2,
              decoupled, maximize):
    """Step the C-contiguous arrays (all of p's shape) in place. ``step_size`` and
    ``sqrt_bc2`` = √(1 − β2^t) are the step's, from ``adam.step_scalars`` (1.0 for eps_hat:
    x/1 is x exactly). ``vmax``: amsgrad's max of v, or None; ``prev``: receives θ before the
    step, or None. Python floats and bools only, so that every setting shares one compilation
    per dtype, number of dimensions and choice of optional arrays (cached on disk by numba)."""
    c = _scalars(p, lr, beta1, beta2, eps, wd, step_size, sqrt_bc2, decoupled, maximize)
    _adam_elementwise(_flat(p), _flat(g), _flat(m), _flat(v), _flat(vmax), _flat(prev), *c)
