"""Per-member columns and the optimizers' shared terms (``optim._terms``) over a stack.

``Members`` reads the param groups of the members stepped in one call as float64 columns
``(k, 1)``; the terms below are ``optim._terms``' functions with each scalar such a column,
computed in the same order and rounded to the parameters' dtype as NumPy rounds a Python float
against an array of that dtype (``Members.cast``). The ``*_fma`` terms round x + s·y once,
with ``optim._fma.fma`` itself (elementwise, so a column of s is as good as a scalar).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

from adamlab.optim._fma import fma

__all__ = ["Members", "Work", "Rounding", "TWICE", "ONCE", "direction", "direction_fma", "ema",
           "ema_sq", "ema_fma", "ema_sq_fma", "addcmul", "derived"]

Work = Callable[[int], np.ndarray]


class Members:
    """The param groups of the members of one call (one group each), read as columns.

    ``groups`` are the members' live group dicts: a scheduler changing ``lr`` is seen after
    ``refresh()``.
    """

    def __init__(self, cls: type, groups: Sequence[Mapping[str, Any]], dtype: np.dtype) -> None:
        self.cls, self.groups, self.dtype = cls, list(groups), np.dtype(dtype)
        first = self.groups[0]
        self._flags = {k: v for k, v in first.items() if isinstance(v, (bool, str))}
        self._flags.update(derived(cls, first))
        self.refresh()

    def refresh(self) -> None:
        self._cols: dict[str, np.ndarray] = {}
        self._distinct: dict[tuple[str, ...], tuple[list[tuple], np.ndarray]] = {}
        self._memo: dict[str, Any] = {}

    def take(self, rows: np.ndarray) -> None:
        self.groups = [self.groups[i] for i in rows]
        self.refresh()

    def value(self, g: Mapping[str, Any], name: str) -> Any:
        if name in ("beta1", "beta2", "beta3"):
            return g["betas"][int(name[-1]) - 1]
        return g[name]

    def flag(self, name: str) -> Any:
        """A setting all these members share (a branch of the update; False when absent)."""
        return self._flags.get(name, False)

    def col(self, name: str) -> np.ndarray:
        """Each member's ``name`` as a float64 column ``(k, 1)``."""
        c = self._cols.get(name)
        if c is None:
            c = self._cols[name] = np.array([[float(self.value(g, name))] for g in self.groups])
        return c

    def per(self, fn: Callable[..., float], *names: str) -> np.ndarray:
        """``fn(*values)`` in Python floats for each member, as a float64 column; computed once
        per distinct tuple of values (the members of a grid share most of them)."""
        entry = self._distinct.get(names)
        if entry is None:
            keys = [tuple(self.value(g, n) for n in names) for g in self.groups]
            distinct = list(dict.fromkeys(keys))
            at = {k: i for i, k in enumerate(distinct)}
            entry = self._distinct[names] = (distinct, np.array([at[k] for k in keys]))
        distinct, index = entry
        return np.array([fn(*k) for k in distinct])[index][:, None]

    def memo(self, name: str, fn: Callable[[], Any]) -> Any:
        """``fn()``, computed once until the next ``refresh`` (values that change only with
        the hyperparameters, as a compiled update's scalars)."""
        if name not in self._memo:
            self._memo[name] = fn()
        return self._memo[name]

    def cast(self, col: np.ndarray) -> np.ndarray:
        """A float64 column as the parameters' dtype (how NumPy rounds a Python float)."""
        return col if self.dtype == np.float64 else col.astype(self.dtype)


# ------------------------------------------------------------------ shared terms (_terms.py)
def direction(p: np.ndarray, g: np.ndarray, h: Members, work: Work) -> np.ndarray:
    """``_terms.direction``: maximize's sign, then coupled or decoupled weight decay."""
    maximize = h.flag("maximize")
    decays = h.flag("decays")
    decoupled = h.flag("decoupled_weight_decay")
    if decays and decoupled:
        p *= h.cast(1 - h.col("lr") * h.col("weight_decay"))  # θ ← θ·(1 − αλ)
    coupled = decays and not decoupled
    if not (maximize or coupled):
        return g
    out = work(0)
    if maximize:
        np.negative(g, out=out)  # g ← −g
        if coupled:
            out += np.multiply(p, h.cast(h.col("weight_decay")), out=work(1))  # g ← g + λθ
    else:
        np.multiply(p, h.cast(h.col("weight_decay")), out=out)
        out += g  # g ← g + λθ
    return out


def direction_fma(p: np.ndarray, g: np.ndarray, h: Members, work: Work) -> np.ndarray:
    """``_terms.direction_fma``: as ``direction``, L2 decay g + λ·θ rounded once."""
    decays, decoupled = h.flag("decays"), h.flag("decoupled_weight_decay")
    if decays and decoupled:
        p *= h.cast(1 - h.col("lr") * h.col("weight_decay"))  # θ ← θ·(1 − αλ)
    coupled = decays and not decoupled
    if not (h.flag("maximize") or coupled):
        return g
    out = work(0)
    if h.flag("maximize"):
        g = np.negative(g, out=out)  # g ← −g
    if coupled:
        fma(p, h.col("weight_decay"), g, out)  # g ← g + λθ
    return out


def adam_step_size(h: Members, t: int) -> tuple[np.ndarray, np.ndarray | None]:
    """Adam's per-member step size at step ``t`` and √(1 − β2^t), the divisor of √v (None with
    ε-hat, whose step size carries it), as ``optim.adam.Adam._update`` computes them."""
    if h.flag("eps_hat"):
        return h.per(lambda lr, b1, b2: lr * (1 - b2**t) ** 0.5 / (1 - b1**t),
                     "lr", "beta1", "beta2"), None
    bias_correction1 = h.per(lambda b1: 1 - b1**t, "beta1")
    return (h.col("lr") / bias_correction1,  # α/(1 − β1^t)
            h.per(lambda b2: (1 - b2**t) ** 0.5, "beta2"))  # √(1 − β2^t)


def ema(m: np.ndarray, g: np.ndarray, h: Members, beta: str, small: str,
        tmp: np.ndarray) -> None:
    """``_terms.ema``: m ← lerp(m, g, 1 − β) by torch's rule (branch ``small``: |1 − β| < ½)."""
    w = 1 - h.col(beta)
    np.subtract(g, m, out=tmp)
    if h.flag(small):
        tmp *= h.cast(w)
        np.add(m, tmp, out=m)
    else:
        tmp *= h.cast(1 - w)
        np.subtract(g, tmp, out=m)


def ema_sq(v: np.ndarray, g: np.ndarray, h: Members, beta: str, tmp: np.ndarray) -> None:
    """``_terms.ema_sq``: v ← β·v + (1 − β)·g², as torch's ``mul_(β).addcmul_(g, g, 1 − β)``."""
    b = h.col(beta)
    v *= h.cast(b)
    np.multiply(g, h.cast(1 - b), out=tmp)
    tmp *= g
    v += tmp


def lerp_fma(a: np.ndarray, b: np.ndarray, w: np.ndarray, small: bool, out: np.ndarray,
             tmp: np.ndarray) -> None:
    """``_terms.lerp_fma`` with a column ``w``: a + w·(b − a) or b − (b − a)·(1 − w), each
    rounded once (1 − w in the arrays' dtype, as torch)."""
    np.subtract(b, a, out=tmp)
    if small:
        fma(tmp, w, a, out)
    else:
        one = out.dtype.type(1)
        fma(tmp, -(one - w.astype(out.dtype)), b, out)


def ema_fma(m: np.ndarray, g: np.ndarray, h: Members, beta: str, small: str,
            tmp: np.ndarray) -> None:
    """``_terms.ema_fma``: m ← lerp(m, g, 1 − β), rounded as torch's ``lerp_``."""
    lerp_fma(m, g, 1 - h.col(beta), h.flag(small), m, tmp)


def addcmul(x: np.ndarray, t1: np.ndarray, t2: np.ndarray, value: Any, out: np.ndarray,
            tmp: np.ndarray) -> np.ndarray:
    """``_terms.addcmul``: (value·t1) rounded, then ·t2 + x rounded once."""
    np.multiply(t1, value, out=tmp)
    return fma(tmp, t2, x, out)


def ema_sq_fma(v: np.ndarray, g: np.ndarray, h: Members, beta: str, tmp: np.ndarray) -> None:
    """``_terms.ema_sq_fma``: v ← β·v, then + (1 − β)·g·g as torch's ``addcmul_``."""
    b = h.col(beta)
    v *= h.cast(b)
    addcmul(v, g, g, h.cast(1 - b), v, tmp)


def add_square(s: np.ndarray, g: np.ndarray, tmp: np.ndarray) -> None:
    """s ← s + g², g² rounded, then the sum (NumPy's two roundings)."""
    np.multiply(g, g, out=tmp)
    s += tmp


def add_square_fma(s: np.ndarray, g: np.ndarray, tmp: np.ndarray) -> None:
    """s ← s + g² rounded once, as torch's ``s.addcmul_(g, g, value=1)``."""
    addcmul(s, g, g, 1, s, tmp)


class Rounding(NamedTuple):
    """The terms of one rounding convention: NumPy's (each product rounded, then the sum) or
    torch's CPU kernels' (a fused multiply-add: x + s·y rounded once)."""

    name: str
    direction: Callable[..., np.ndarray]
    ema: Callable[..., None]
    ema_sq: Callable[..., None]
    add_square: Callable[..., None]


TWICE = Rounding("twice", direction, ema, ema_sq, add_square)
ONCE = Rounding("once", direction_fma, ema_fma, ema_sq_fma, add_square_fma)


def derived(cls: type, group: Mapping[str, Any]) -> dict[str, Any]:
    """The branches an update takes that hang on a number (shared within one call)."""
    d: dict[str, Any] = {"decays": group.get("weight_decay", 0.0) != 0}
    if "betas" in group:
        d["lerp1"] = abs(1 - group["betas"][0]) < 0.5
    if "momentum" in group:
        mu = group["momentum"]
        d["has_momentum"] = mu > 0 if cls.__name__ == "RMSprop" else mu != 0
    if "alpha" in group:
        d["lerp_alpha"] = abs(1 - group["alpha"]) < 0.5
    if cls.__name__ == "RAdam":
        d["beta2_shared"] = group["betas"][1]
    return d
