"""Adam/AdamW, SGD and RMSprop over a kind's rows in one compiled pass (``_step_kernels``).

Each function below has the signature of the NumPy stacked update it twins in
``population.steps`` (``adam`` in torch's rounding, ``sgd``, ``rmsprop_fma``) and computes the
same numbers: the per-member scalars are computed here exactly as there (float64 columns of
``Members``, the step's ``β**t`` in Python floats, then rounded to the rows' dtype by
``Members.cast``), and the kernel repeats the update's elementwise operations in its order.
The NumPy update sweeps the rows a dozen times, one ufunc per operation (each with its
dispatch, a few µs on a kind of 30 small members); the kernel reads and writes each element
once.

They are candidates in ``steps.UPDATES`` like the NumPy ones (before them): ``kinds.matches``
takes one only if it steps exactly like the optimizer, and only when numba is available
(``compiled``: ``ADAMLAB_JIT=0`` or no numba leaves the NumPy updates).
"""

from __future__ import annotations

import functools
from types import ModuleType
from typing import Any

import numpy as np

from adamlab import _jit
from adamlab.population.terms import Members, Work, adam_step_size

__all__ = ["adam", "sgd", "rmsprop", "compiled", "usable"]


@functools.cache
def _kernels() -> ModuleType:
    from adamlab.population import _step_kernels

    return _step_kernels


def usable(update: Any, optimizer: Any = None) -> bool:
    """False for a compiled update while numba is unavailable (or ``ADAMLAB_JIT=0``), or for
    an optimizer built with ``fused=False`` (its NumPy code, as its single run steps)."""
    if not getattr(update, "compiled", False):
        return True
    return _jit.available() and getattr(optimizer, "fused", None) is not False


def compiled(fn: Any) -> Any:
    fn.compiled = True
    return fn


def _row(h: Members, col: np.ndarray) -> np.ndarray:
    """A float64 column ``(k, 1)`` as a 1-D array of the rows' dtype (``Members.cast``)."""
    return np.ascontiguousarray(h.cast(col).reshape(-1))


def _direction(h: Members) -> tuple:
    """``terms.direction_fma``'s scalars: θ's decoupled decay (1 where none: θ·1 is θ), g's
    sign (−1 for maximize: g·(−1) is −g exactly), whether L2 decay is added, its λ."""
    T = h.dtype.type
    decays, decoupled = h.flag("decays"), h.flag("decoupled_weight_decay")
    if decays and decoupled:
        decay = _row(h, 1 - h.col("lr") * h.col("weight_decay"))  # θ ← θ·(1 − αλ)
    else:
        decay = np.ones(len(h.groups), h.dtype)
    sign = T(-1.0) if h.flag("maximize") else T(1.0)
    coupled = bool(decays and not decoupled)
    wd = _row(h, h.col("weight_decay")) if coupled else np.zeros(len(h.groups), h.dtype)
    return decay, sign, coupled, wd


def _lerp(h: Members, beta: str) -> tuple[np.ndarray, np.ndarray]:
    """``terms.lerp_fma``'s weights for m ← lerp(m, g, 1 − β): w = 1 − β in the dtype and
    −(1 − w) computed in the dtype."""
    w = _row(h, 1 - h.col(beta))
    return w, -(h.dtype.type(1) - w)


@compiled
def adam(p, g, state, h: Members, t: int, work: Work) -> None:
    """``steps.adam`` with ``terms.ONCE`` (torch's rounding), compiled."""
    def fixed():
        return (*_direction(h), bool(h.flag("lerp1")), *_lerp(h, "beta1"),
                _row(h, h.col("beta2")), _row(h, 1 - h.col("beta2")), _row(h, h.col("eps")))

    decay, sign, coupled, wd, small, w, nw, b2, omb2, eps = h.memo("adam", fixed)
    step_size, bc2 = adam_step_size(h, t)
    # with ε-hat: √v/1 is √v exactly
    sqrt_bc2 = np.ones(len(h.groups), h.dtype) if bc2 is None else _row(h, bc2)
    vmax = state["max_exp_avg_sq"] if h.flag("amsgrad") else None
    _kernels().adam_rows(p, g, state["exp_avg"], state["exp_avg_sq"], vmax, decay, sign,
                         coupled, wd, small, w, nw, b2, omb2, sqrt_bc2, eps,
                         _row(h, -step_size))


@compiled
def sgd(p, g, state, h: Members, t: int, work: Work) -> None:
    """``steps.sgd``, compiled."""
    def fixed():
        return (*_direction(h), _row(h, h.col("momentum")), _row(h, 1 - h.col("dampening")),
                _row(h, -h.col("lr")))

    decay, sign, coupled, wd, mu, one_minus_damp, neg_lr = h.memo("sgd", fixed)
    buf = state["momentum_buffer"] if h.flag("has_momentum") else None
    _kernels().sgd_rows(p, g, buf, decay, sign, coupled, wd, t == 1, bool(h.flag("nesterov")),
                        mu, one_minus_damp, neg_lr)


@compiled
def rmsprop(p, g, state, h: Members, t: int, work: Work) -> None:
    """``steps.rmsprop_fma`` (torch's rounding), compiled."""
    def fixed():
        return (*_direction(h), _row(h, h.col("alpha")), _row(h, 1 - h.col("alpha")),
                bool(h.flag("lerp_alpha")), *_lerp(h, "alpha"), _row(h, h.col("eps")),
                _row(h, h.col("momentum")), _row(h, -h.col("lr")))

    decay, sign, coupled, wd, a, oma, small, w, nw, eps, mu, neg_lr = h.memo("rmsprop", fixed)
    gbar = state["grad_avg"] if h.flag("centered") else None
    buf = state["momentum_buffer"] if h.flag("has_momentum") else None
    _kernels().rmsprop_rows(p, g, state["square_avg"], gbar, buf, decay, sign, coupled, wd, a,
                            oma, small, w, nw, eps, mu, neg_lr)
