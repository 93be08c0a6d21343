"""The elementwise optimizers' updates over a stack of members, hyperparameters per member.

Each function below is the ``_update`` of the ``adamlab.optim`` class it is named after, line
for line and in the same order of floating-point operations, with every scalar of the single
update a column ``(k, 1)`` of each member's value (``terms.Members``). Within one call the
members share the branches (``amsgrad``, ``nesterov``, weight decay on or off, torch's lerp
branch: ``kind_key``); the numbers (``lr``, betas, ``eps``, ...) may differ. Scalars that
depend on the step are computed as the single update computes them, in Python floats
(``β**t`` with Python's ``pow``, once per distinct value). So each member's row of ``p``
becomes what its single run's parameters become, bit for bit.

An optimizer may have more than one candidate (``UPDATES``): its update rounded twice
(NumPy's ``a*b + c``) and rounded once (torch's fused multiply-add, which ``adamlab.optim``
follows optimizer by optimizer). ``kinds.matches`` picks the candidate that steps exactly like
the optimizer as it is; with none, the members step alone, by their own optimizers.
Adam/AdamW, SGD and RMSprop have a compiled candidate first (``population.fused``: these
updates' operations in one pass per kind, used when numba is), these NumPy ones its reference.

``p`` and ``g`` are ``(k, n)`` views (the members' rows, a group's column range), ``state`` a
dict of ``(k, n)`` arrays (and ``(k, 1)`` float64 scalar columns), ``work(i)`` the i-th
scratch array like ``p``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from adamlab.optim._fma import fma
from adamlab.optim.adagrad import Adagrad
from adamlab.optim.adam import Adam, AdamW
from adamlab.optim.adamax import Adamax
from adamlab.optim.nadam import NAdam
from adamlab.optim.radam import RAdam
from adamlab.optim.rmsprop import RMSprop
from adamlab.optim.sgd import SGD
from adamlab.population import fused
from adamlab.population.terms import (
    ONCE,
    TWICE,
    Members,
    Rounding,
    Work,
    adam_step_size,
    addcmul,
    derived,
    direction,
    direction_fma,
    ema,
    ema_fma,
    ema_sq,
    ema_sq_fma,
)

__all__ = ["UPDATES", "kind_key", "init_state"]


# ------------------------------------------------------------------------------ the updates
def adam(r: Rounding, p, g, state, h: Members, t: int, work: Work) -> None:
    """``optim.adam.Adam._update`` (AdamW, AMSGrad, ε-hat alike)."""
    g = r.direction(p, g, h, work)
    m, v = state["exp_avg"], state["exp_avg_sq"]
    tmp = work(1)
    r.ema(m, g, h, "beta1", "lerp1", tmp)  # m_t
    r.ema_sq(v, g, h, "beta2", tmp)  # v_t
    if h.flag("amsgrad"):
        v = np.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
    step_size, sqrt_bc2 = adam_step_size(h, t)
    denom = np.sqrt(v, out=tmp)
    if sqrt_bc2 is not None:
        denom /= h.cast(sqrt_bc2)  # √v̂_t
    denom += h.cast(h.col("eps"))
    update = np.multiply(m, h.cast(-step_size), out=work(2))
    update /= denom
    p += update  # θ_t = θ_{t-1} − step_size·m_t/denom


def sgd(p, g, state, h: Members, t: int, work: Work) -> None:
    """``optim.sgd.SGD._update`` (momentum, Nesterov): each x + s·y rounded once, as torch's
    ``add(y, alpha=s)`` (``_terms.add_scaled`` = ``_fma.fma(y, s, x)``, per-member s)."""
    lr, mu = h.col("lr"), h.col("momentum")
    g = direction_fma(p, g, h, work)
    if h.flag("has_momentum"):
        buf = state["momentum_buffer"]
        if t == 1:
            buf[...] = g  # b_1 = g_1
        else:
            buf *= h.cast(mu)
            fma(g, 1 - h.col("dampening"), buf, buf)  # b_t = μ·b_{t-1} + (1 − τ)·g_t
        if h.flag("nesterov"):
            g = fma(buf, mu, g, work(1))  # g ← g + μ·b_t
        else:
            g = buf
    fma(g, -lr, p, p)  # θ_t = θ_{t-1} − α·g_t


def rmsprop(p, g, state, h: Members, t: int, work: Work) -> None:
    """``optim.rmsprop.RMSprop._update`` (centered, momentum)."""
    lr = h.col("lr")
    g = direction(p, g, h, work)
    tmp, avg = work(1), work(2)
    ema_sq(state["square_avg"], g, h, "alpha", tmp)  # v_t = a·v + (1 − a)·g²
    if h.flag("centered"):
        gbar = state["grad_avg"]
        ema(gbar, g, h, "alpha", "lerp_alpha", tmp)  # ḡ_t
        np.multiply(gbar, -1, out=avg)
        avg *= gbar
        avg += state["square_avg"]
        np.maximum(avg, 0.0, out=avg)
        np.sqrt(avg, out=avg)  # √max(v_t − ḡ_t², 0)
    else:
        np.sqrt(state["square_avg"], out=avg)  # √v_t
    avg += h.cast(h.col("eps"))
    if h.flag("has_momentum"):
        buf = state["momentum_buffer"]
        buf *= h.cast(h.col("momentum"))
        buf += np.divide(g, avg, out=tmp)  # b_t = μ·b + g/d
        p += np.multiply(buf, h.cast(-lr), out=tmp)  # θ_t = θ − α·b_t
    else:
        update = np.multiply(g, h.cast(-lr), out=tmp)
        update /= avg
        p += update  # θ_t = θ − α·g/d


def adagrad(r: Rounding, p, g, state, h: Members, t: int, work: Work) -> None:
    """``optim.adagrad.Adagrad._update``."""
    g = r.direction(p, g, h, work)
    clr = h.col("lr") / (1 + (t - 1) * h.col("lr_decay"))  # α_t
    s = state["sum"]
    tmp, std = work(1), work(2)
    r.add_square(s, g, tmp)  # s_t = s_{t-1} + g_t²
    np.sqrt(s, out=std)
    std += h.cast(h.col("eps"))
    update = np.multiply(g, h.cast(-clr), out=tmp)
    update /= std
    p += update  # θ_t = θ_{t-1} − α_t·g_t/(√s_t + ε)


def nadam(r: Rounding, p, g, state, h: Members, t: int, work: Work) -> None:
    """``optim.nadam.NAdam._update`` (Dozat's μ schedule; μ-product a float64 column)."""
    lr = h.col("lr")
    bias_correction2 = h.per(lambda b2: 1 - b2**t, "beta2")
    g = r.direction(p, g, h, work)
    mu = h.per(lambda b1, psi: b1 * (1.0 - 0.5 * (0.96 ** (t * psi))), "beta1", "momentum_decay")
    mu_next = h.per(lambda b1, psi: b1 * (1.0 - 0.5 * (0.96 ** ((t + 1) * psi))),
                    "beta1", "momentum_decay")
    state["mu_product"] *= mu  # Π_t = Π_{t-1}·μ_t
    mu_product = state["mu_product"]
    m, v = state["exp_avg"], state["exp_avg_sq"]
    tmp = work(1)
    r.ema(m, g, h, "beta1", "lerp1", tmp)  # m_t
    r.ema_sq(v, g, h, "beta2", tmp)  # v_t
    denom = np.divide(v, h.cast(bias_correction2), out=tmp)
    np.sqrt(denom, out=denom)
    denom += h.cast(h.col("eps"))  # d_t
    update = work(2)
    np.multiply(g, h.cast(-lr * (1.0 - mu) / (1.0 - mu_product)), out=update)
    update /= denom
    p += update  # the gradient's (Nesterov) part
    np.multiply(m, h.cast((-lr * mu_next) / (1.0 - mu_product * mu_next)), out=update)
    update /= denom
    p += update  # the momentum's part


def radam(r: Rounding, p, g, state, h: Members, t: int, work: Work,
          reciprocal: bool = True) -> None:
    """``optim.radam.RAdam._update``; β2 is shared (the rectification's branch hangs on it);
    ``reciprocal``: √(1 − β2^t)/(√v + ε) as 1/(√v + ε), then times √(1 − β2^t)."""
    g = r.direction(p, g, h, work)
    m, v = state["exp_avg"], state["exp_avg_sq"]
    tmp = work(1)
    r.ema(m, g, h, "beta1", "lerp1", tmp)  # m_t
    r.ema_sq(v, g, h, "beta2", tmp)  # v_t
    beta2 = h.flag("beta2_shared")
    bias_correction1 = h.per(lambda b1: 1 - b1**t, "beta1")
    bias_correction2 = 1 - beta2**t
    update = np.divide(m, h.cast(bias_correction1), out=work(2))  # m̂_t
    update *= h.cast(h.col("lr"))  # α·m̂_t
    rho_inf = 2 / (1 - beta2) - 1
    rho_t = rho_inf - 2 * t * (beta2**t) / bias_correction2
    if rho_t > 5.0:
        rect = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)
                ) ** 0.5  # r_t
        adaptive = np.sqrt(v, out=tmp)
        adaptive += h.cast(h.col("eps"))
        if reciprocal:  # as torch divides a number by a tensor: (1/x)·s, two roundings
            np.reciprocal(adaptive, out=adaptive)
            adaptive *= p.dtype.type(bias_correction2**0.5)
        else:
            np.divide(p.dtype.type(bias_correction2**0.5), adaptive, out=adaptive)
        update *= adaptive
        update *= p.dtype.type(rect)
    p -= update


def adamax(r: Rounding, p, g, state, h: Members, t: int, work: Work) -> None:
    """``optim.adamax.Adamax._update``."""
    g = r.direction(p, g, h, work)
    m, u = state["exp_avg"], state["exp_inf"]
    tmp = work(1)
    r.ema(m, g, h, "beta1", "lerp1", tmp)  # m_t
    u *= h.cast(h.col("beta2"))
    np.abs(g, out=tmp)
    tmp += h.cast(h.col("eps"))
    np.maximum(u, tmp, out=u)  # u_t = max(β2·u_{t-1}, |g_t| + ε)
    clr = h.col("lr") / h.per(lambda b1: 1 - b1**t, "beta1")
    update = np.multiply(m, h.cast(-clr), out=tmp)
    update /= u
    p += update  # θ_t = θ_{t-1} − α/(1 − β1^t)·m_t/u_t


def rmsprop_fma(p, g, state, h: Members, t: int, work: Work) -> None:
    """``optim.rmsprop.RMSprop._update`` rounded as torch (``addcmul_``, ``lerp_``, ``add``
    with alpha: once)."""
    lr = h.col("lr")
    g = direction_fma(p, g, h, work)
    tmp, avg = work(1), work(2)
    ema_sq_fma(state["square_avg"], g, h, "alpha", tmp)  # v_t = a·v + (1 − a)·g²
    if h.flag("centered"):
        gbar = state["grad_avg"]
        ema_fma(gbar, g, h, "alpha", "lerp_alpha", tmp)  # ḡ_t
        addcmul(state["square_avg"], gbar, gbar, -1, avg, tmp)  # v_t − ḡ_t²
        np.maximum(avg, 0.0, out=avg)
        np.sqrt(avg, out=avg)  # √max(v_t − ḡ_t², 0)
    else:
        np.sqrt(state["square_avg"], out=avg)  # √v_t
    avg += h.cast(h.col("eps"))
    if h.flag("has_momentum"):
        buf = state["momentum_buffer"]
        buf *= h.cast(h.col("momentum"))
        buf += np.divide(g, avg, out=tmp)  # b_t = μ·b + g/d
        fma(buf, -lr, p, p)  # θ_t = θ − α·b_t
    else:
        update = np.multiply(g, h.cast(-lr), out=tmp)
        update /= avg
        p += update  # θ_t = θ − α·g/d


def _both(update: Callable[..., None]) -> tuple[Callable[..., None], ...]:
    """The update in torch's rounding (fused multiply-adds), then in NumPy's."""
    return tuple(functools.partial(update, r) for r in (ONCE, TWICE))


#: Optimizer class -> (the state buffers it keeps, its candidate updates over a stack).
UPDATES: dict[type, tuple[tuple[str, ...], tuple[Callable[..., None], ...]]] = {
    Adam: (("exp_avg", "exp_avg_sq"), (fused.adam, *_both(adam))),
    AdamW: (("exp_avg", "exp_avg_sq"), (fused.adam, *_both(adam))),
    SGD: ((), (fused.sgd, sgd)),
    RMSprop: (("square_avg",), (fused.rmsprop, rmsprop_fma, rmsprop)),
    Adagrad: (("sum",), _both(adagrad)),
    NAdam: (("exp_avg", "exp_avg_sq"), _both(nadam)),
    RAdam: (("exp_avg", "exp_avg_sq"),
            (*_both(radam), *_both(functools.partial(radam, reciprocal=False)))),
    Adamax: (("exp_avg", "exp_inf"), _both(adamax)),
}


def kind_key(cls: type, group: Mapping[str, Any]) -> tuple:
    """What members must share to be stepped in one call: the class, every setting that is
    not a number (flags), and the branches numbers choose (``terms.derived``)."""
    flags = tuple(sorted((k, v) for k, v in group.items()
                         if isinstance(v, (bool, str, type(None))) and k != "param_names"))
    return (cls, flags, tuple(sorted(derived(cls, group).items())))


def init_state(h: Members, shape: tuple[int, int]) -> dict[str, np.ndarray]:
    """Fresh state for ``shape`` = (members, elements), as the class's ``_init_state``."""
    cls, dtype = h.cls, h.dtype
    state = {name: np.zeros(shape, dtype) for name in UPDATES[cls][0]}
    if h.flag("amsgrad"):
        state["max_exp_avg_sq"] = np.zeros(shape, dtype)
    if cls in (SGD, RMSprop) and h.flag("has_momentum"):
        state["momentum_buffer"] = np.zeros(shape, dtype)
    if cls is RMSprop and h.flag("centered"):
        state["grad_avg"] = np.zeros(shape, dtype)
    if cls is Adagrad:
        for i, g in enumerate(h.groups):
            state["sum"][i] = g["initial_accumulator_value"]  # np.full_like's cast
    if cls is NAdam:
        state["mu_product"] = np.ones((shape[0], 1))
    return state
