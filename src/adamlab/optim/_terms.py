"""The pieces the optimizers are assembled from, each one line of math.

Every function works in place on NumPy arrays and reproduces the floating-point operations of
the matching ``torch`` kernel, so that trajectories agree with ``torch.optim`` bit for bit, not
just to the formula. torch's CPU kernels for ``add(y, alpha=s)``, ``addcmul`` and ``lerp`` use
the processor's fused multiply-add (measured with torch 2.13 in float64: every element, also
the tail that is not a whole vector, is rounded once); the ``*_fma`` terms compute those with
:func:`adamlab.optim._fma.fma`, rounded once as well. ``addcdiv`` is x + (s·y)/z, three
roundings, in both.

``direction``, ``lerp``, ``ema`` and ``ema_sq`` (no ``_fma``) are the same terms rounded twice,
for the optimizers whose references are matched to a tolerance rather than bit for bit. SGD,
RMSprop, Adagrad, Adam/AdamW (NumPy step; ``_adam_kernel`` repeats it with the processor's
FMA), Adamax, NAdam, RAdam, Adadelta, ASGD and Adafactor (whose norms :func:`norm` sums in
torch's order) use the ``_fma`` terms and equal torch bit for bit in float64 (Rprop needs no
multiply-add); Muon too, but for its matrix products, whose order is BLAS's
(tests/optim/test_torch_feedback.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from adamlab.optim._fma import fma

Scratch = Callable[[np.ndarray, int], np.ndarray]


def direction(
    p: np.ndarray, g: np.ndarray, group: Mapping[str, Any], scratch: Scratch, l2: bool = True
) -> np.ndarray:
    """The gradient the moments see: sign for ``maximize``, then weight decay.

    * maximize:         g ← −g
    * L2 (coupled):     g ← g + λ·θ                 (PyTorch's ``weight_decay`` default)
    * decoupled:        θ ← θ·(1 − α·λ), g unchanged (AdamW; ``decoupled_weight_decay=True``)

    Returns ``g`` itself when nothing changes it, otherwise scratch array 0 (``g`` is never
    written: it usually is the model's gradient buffer). Uses scratch arrays 0 and 1.
    """
    maximize = group.get("maximize", False)
    wd = group.get("weight_decay", 0.0)
    decoupled = group.get("decoupled_weight_decay", False)
    if wd != 0 and decoupled:
        p *= 1 - group["lr"] * wd  # θ ← θ·(1 − αλ)
    coupled = l2 and wd != 0 and not decoupled
    if not (maximize or coupled):
        return g
    out = scratch(p, 0)
    if maximize:
        np.negative(g, out=out)  # g ← −g
        if coupled:
            out += np.multiply(p, wd, out=scratch(p, 1))  # g ← g + λθ
    else:
        np.multiply(p, wd, out=out)
        out += g  # g ← g + λθ
    return out


def lerp(a: np.ndarray, b: np.ndarray, w: float, out: np.ndarray, tmp: np.ndarray) -> None:
    """out ← a + w·(b − a), as torch's ``torch.lerp(a, b, w)`` (``out`` may be ``a``).

    torch computes ``a + w·(b − a)`` for ``|w| < 0.5`` and ``b − (b − a)·(1 − w)`` otherwise.
    """
    np.subtract(b, a, out=tmp)
    if abs(w) < 0.5:
        tmp *= w
        np.add(a, tmp, out=out)
    else:
        tmp *= 1 - w
        np.subtract(b, tmp, out=out)


def ema(m: np.ndarray, g: np.ndarray, beta: float, tmp: np.ndarray) -> None:
    """First moment, m ← β·m + (1 − β)·g, computed as torch's ``m.lerp_(g, 1 − β)``."""
    lerp(m, g, 1 - beta, m, tmp)


def ema_sq(v: np.ndarray, g: np.ndarray, beta: float, tmp: np.ndarray) -> None:
    """Second moment, v ← β·v + (1 − β)·g², as torch's ``v.mul_(β).addcmul_(g, g, 1 − β)``."""
    v *= beta
    np.multiply(g, 1 - beta, out=tmp)
    tmp *= g
    v += tmp


# ---- torch's operations rounded as torch rounds them (fused multiply-add) --------------------


def add_scaled(x: np.ndarray, y: np.ndarray, alpha: float, out: np.ndarray) -> np.ndarray:
    """out ← x + α·y rounded once: torch's ``x.add(y, alpha=α)`` (``out`` may be x or y)."""
    return fma(y, alpha, x, out)


def addcmul(x: np.ndarray, t1: np.ndarray, t2: np.ndarray, value: float, out: np.ndarray,
            tmp: np.ndarray) -> np.ndarray:
    """out ← x + value·t1·t2 as torch's ``x.addcmul(t1, t2, value=value)``: (value·t1) rounded,
    then ·t2 + x rounded once. ``tmp`` receives value·t1 (it may be t1, not x or t2)."""
    np.multiply(t1, value, out=tmp)
    return fma(tmp, t2, x, out)


def direction_fma(
    p: np.ndarray, g: np.ndarray, group: Mapping[str, Any], scratch: Scratch, l2: bool = True
) -> np.ndarray:
    """:func:`direction` as torch rounds it: L2 decay is ``grad.add(param, alpha=λ)``, g + λ·θ
    rounded once. Returns ``g`` itself when nothing changes it, otherwise scratch array 0."""
    maximize = group.get("maximize", False)
    wd = group.get("weight_decay", 0.0)
    decoupled = group.get("decoupled_weight_decay", False)
    if wd != 0 and decoupled:
        p *= 1 - group["lr"] * wd  # θ ← θ·(1 − αλ)
    coupled = l2 and wd != 0 and not decoupled
    if not (maximize or coupled):
        return g
    out = scratch(p, 0)
    if maximize:
        g = np.negative(g, out=out)  # g ← −g
    if coupled:
        add_scaled(g, p, wd, out)  # g ← g + λθ
    return out


def lerp_fma(a: np.ndarray, b: np.ndarray, w: float, out: np.ndarray, tmp: np.ndarray) -> None:
    """out ← a + w·(b − a) as torch's ``torch.lerp(a, b, w)`` (``out`` may be ``a``): with
    d = b − a, ``a + w·d`` for |w| < 0.5, else ``b − d·(1 − w)``, each rounded once."""
    np.subtract(b, a, out=tmp)
    if abs(w) < 0.5:
        fma(tmp, w, a, out)
    else:
        one = out.dtype.type(1)
        fma(tmp, -(one - out.dtype.type(w)), b, out)  # 1 − w in the arrays' dtype, as torch


def ema_fma(m: np.ndarray, g: np.ndarray, beta: float, tmp: np.ndarray) -> None:
    """First moment, m ← β·m + (1 − β)·g, as torch's ``m.lerp_(g, 1 − β)``."""
    lerp_fma(m, g, 1 - beta, m, tmp)


def ema_sq_fma(v: np.ndarray, g: np.ndarray, beta: float, tmp: np.ndarray) -> None:
    """Second moment, v ← β·v + (1 − β)·g², as torch's ``v.mul_(β).addcmul_(g, g, 1 − β)``."""
    v *= beta
    addcmul(v, g, g, 1 - beta, v, tmp)


def norm(x: np.ndarray, axis: int | None = None) -> np.ndarray:
    """‖x‖₂ summed in the order of torch's CPU kernel (torch 2.13, float64): the squares
    accumulated in 4 lanes (element i into lane i mod 4, each ``acc + x²`` rounded twice),
    the lanes added in order, then the last n mod 4 squares each by a fused multiply-add,
    and the square root. Over ``axis=-2`` (columns) torch adds row after row, as NumPy does.
    Measured against ``torch.norm`` bit for bit for sizes 3 to 10⁵ (AVX-512 machine);
    ``np.linalg.norm`` (BLAS ``ddot``'s order) differs in the last bit for ~1/3 of 12-element
    vectors. ``axis`` None (all elements: an array of shape (1,)), -1 or -2 (kept as size 1).
    """
    if axis == -2:
        return np.sqrt(np.add.reduce(x * x, axis=-2, keepdims=True))
    if axis is None:
        x = x.reshape(-1)
    n = x.shape[-1]
    m = n - n % 4
    sq = x[..., :m] * x[..., :m]
    lanes = np.add.reduce(sq.reshape(x.shape[:-1] + (m // 4, 4)), axis=-2)  # lane by lane
    s = lanes[..., 0:1] + lanes[..., 1:2]
    s += lanes[..., 2:3]
    s += lanes[..., 3:4]
    for j in range(m, n):  # the tail: s ← fma(x_j, x_j, s)
        fma(x[..., j:j + 1], x[..., j:j + 1], s, s)
    return np.sqrt(s, out=s)
