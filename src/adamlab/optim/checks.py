"""Range checks shared by every optimizer's hyperparameters and by ``load_state_dict``.

Each check raises a ``ValueError`` that names the argument, the range that works and, where
the range has a reason a user would not guess, why.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["EPS_ZERO_NAN", "check_number", "check_params", "finite_float", "shown"]

#: Why eps must not be 0 (said by the range check and by the check in the parameters' dtype).
EPS_ZERO_NAN = "with eps = 0 a gradient that is exactly 0 (a dead ReLU unit) gives 0/0 = NaN"


def shown(value: Any) -> str:
    """``repr(value)``, cut short when long (a tampered file's 10**400 has 401 digits)."""
    try:
        text = repr(value)
    except ValueError:  # an int past Python's 4300-digit limit for str()
        return f"an integer of {value.bit_length()} bits"
    return text if len(text) <= 40 else f"{text[:20]}… ({len(text)} characters)"


def finite_float(value: Any) -> float | None:
    """``value`` as a finite Python float, or None when it is not a finite real number."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        return None
    try:
        x = float(value)
    except OverflowError:  # an int past float's range
        return None
    return x if math.isfinite(x) else None


def check_number(
    name: str, arg: str, value: Any, low: float, high: float = math.inf, high_open: bool = False,
    low_open: bool = False, why: str = "",
) -> None:
    """``low <= value <= high`` (``<`` where open) and finite, else a ValueError naming ``arg``
    (and saying ``why`` the range is what it is, when given)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise ValueError(f"{name}: {arg} must be a number, got {value!r}")
    ok = (math.isfinite(value) and (low < value if low_open else low <= value)
          and (value < high if high_open else value <= high))
    if not ok:
        if math.isinf(high):
            rng = f"{'>' if low_open else '>='} {low}"
        else:
            rng = f"in {'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
        reason = f": {why}" if why else ""
        raise ValueError(f"{name}: {arg} must be a finite number {rng}, got {value!r}{reason}")


def check_hyperparameters(name: str, h: Any) -> None:
    """Raise ``ValueError`` naming the argument of ``name`` (an optimizer, a group) when one of
    the hyperparameters torch.optim's optimizers share is out of range."""
    if "lr" in h:
        check_number(name, "lr", h["lr"], low=0.0)
    if "betas" in h:
        betas = h["betas"]
        if not isinstance(betas, Sequence) or len(betas) != 2:
            raise ValueError(f"{name}: betas must be a pair (beta1, beta2), got {betas!r}")
        for k, b in enumerate(betas):
            check_number(name, f"betas[{k}]", b, low=0.0, high=1.0, high_open=True)
    for key in ("weight_decay", "momentum", "lr_decay", "initial_accumulator_value",
                "momentum_decay", "dampening"):
        if key in h:
            check_number(name, key, h[key], low=0.0)
    # Two values torch.optim accepts and adamlab refuses (docs/optimizers.md, "Where adamlab
    # differs from torch.optim"): both give steps torch itself computes as NaN or lr·g/eps.
    if "eps" in h and not isinstance(h["eps"], (tuple, list)):
        check_number(name, "eps", h["eps"], low=0.0, low_open=True, why=(
            f"eps keeps the update's denominator above 0; {EPS_ZERO_NAN}. For a negligible "
            "eps use 1e-12") if h["eps"] == 0 else "")
    if "alpha" in h:
        check_number(name, "alpha", h["alpha"], low=0.0, high=1.0, high_open=True, why=(
            "with alpha = 1 the average of g² never moves from 0 and every step is lr·g/eps "
            "(Adam refuses beta2 = 1 alike); use e.g. 0.99, the default"
        ) if h["alpha"] == 1 else "")


def check_params(name: str, params: Sequence[Any], names: Sequence[str] | None, index0: int,
                 seen: set[int], matrices: bool) -> None:
    """A group's parameters are writeable float arrays, each given once (``seen``: the ids of
    those already held), and 2-D when the optimizer is defined on ``matrices`` only."""
    for j, p in enumerate(params):
        where = f"params[{index0 + j}]" + (f" ({names[j]})" if names is not None else "")
        if not isinstance(p, np.ndarray) or p.dtype not in (np.float32, np.float64):
            raise ValueError(
                f"{name}: {where} must be a float NumPy array (float32 or float64), "
                f"got {type(p).__name__}"
                f"{'' if not isinstance(p, np.ndarray) else ' of ' + str(p.dtype)}"
            )
        if not p.flags.writeable:
            raise ValueError(f"{name}: {where} is read-only; the optimizer updates it in place")
        if id(p) in seen:
            raise ValueError(f"{name}: {where} appears more than once among the parameters")
        if matrices and p.ndim != 2:
            raise ValueError(
                f"{name}: {where} has shape {p.shape}, but {name} is defined on 2-D weight "
                "matrices only; give the other parameters to another optimizer "
                "(adamlab.optim.build_optimizer does: AdamW for biases and vectors)"
            )
        seen.add(id(p))
