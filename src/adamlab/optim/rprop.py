"""Rprop: a step size per element, grown while the gradient keeps its sign, shrunk when it flips."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from adamlab.optim._terms import direction
from adamlab.optim._tuples import TupleHyperparameters
from adamlab.optim.base import Optimizer, _check_number


class Rprop(TupleHyperparameters, Optimizer):
    r"""Resilient backpropagation (Riedmiller & Braun 1993), as ``torch.optim.Rprop``.

    Only the sign of the gradient is used; each element keeps its own step size s::

        r_t = sign(g_t · g_{t-1})                     (g_0 = 0: "prev")
        s_t = clip(η₊·s_{t-1}, s_min, s_max)   where r_t > 0   (same sign: grow)
        s_t = clip(η₋·s_{t-1}, s_min, s_max)   where r_t < 0   (sign flipped: shrink)
        s_t = clip(s_{t-1}, s_min, s_max)      where r_t = 0
        g_t ← 0                                 where r_t < 0   (skip this step, forget g_t)
        θ_t = θ_{t-1} − sign(g_t)·s_t
        g_{t-1} ← g_t                           (the zeroed value where the sign flipped)

    s starts at ``lr`` (torch fills it at the first step, from the lr then). This is the form
    torch implements, iRprop− (Igel & Hüsken 2000): no weight backtracking (the paper's
    Rprop undoes the previous step where the sign flips), and the gradient is zeroed there.
    Defaults (PyTorch's): lr=1e-2, etas=(η₋, η₊)=(0.5, 1.2), step_sizes=(s_min, s_max)=(1e-6, 50).
    No weight decay (torch has none). Paper: Riedmiller & Braun, "A direct adaptive method for
    faster backpropagation learning: the RPROP algorithm", ICNN 1993 (no arXiv id).
    Where adamlab differs from torch.optim: step_sizes must satisfy 0 <= s_min <= s_max (torch
    does not check them).
    """

    buffers = ("prev", "step_size")
    tuple_hyperparameters = ("etas", "step_sizes")

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        etas: tuple[float, float] = (0.5, 1.2),
        step_sizes: tuple[float, float] = (1e-6, 50.0),
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(
            params,
            dict(lr=lr, etas=etas, step_sizes=step_sizes, maximize=maximize),
        )

    def _validate_hyperparameters(self, h: Mapping[str, Any], where: str) -> None:
        super()._validate_hyperparameters(h, where)
        name = self._name + where
        if "etas" in h:
            etas = _pair(name, "etas", h["etas"], "(etaminus, etaplus)")
            _check_number(name, "etas[0]", etas[0], low=0.0, high=1.0, low_open=True,
                          high_open=True, why="etaminus shrinks the step where the sign flips")
            _check_number(name, "etas[1]", etas[1], low=1.0, low_open=True,
                          why="etaplus grows the step while the sign stays")
        if "step_sizes" in h:
            lo, hi = _pair(name, "step_sizes", h["step_sizes"], "(min, max)")
            _check_number(name, "step_sizes[0]", lo, low=0.0)
            _check_number(name, "step_sizes[1]", hi, low=lo, low_open=lo == 0,
                          why="the largest step must be > 0 and at least the smallest")

    def _init_state(self, p: np.ndarray, group: Mapping[str, Any]) -> dict[str, Any]:
        return {"prev": np.zeros_like(p), "step_size": np.full_like(p, group["lr"])}

    def _update(self, p, g, state, group) -> None:
        etaminus, etaplus = group["etas"]
        lo, hi = group["step_sizes"]
        prev, s = state["prev"], state["step_size"]
        if state["step"] == 0:
            s.fill(group["lr"])  # s_0 = α, from the lr at the first step (as torch)
        state["step"] += 1
        g = direction(p, g, group, self._scratch)  # −g for maximize
        r = np.multiply(g, prev, out=self._scratch(p, 1))
        np.sign(r, out=r)  # r_t = sign(g_t·g_{t-1})
        flipped = r < 0
        r[r > 0] = etaplus
        r[flipped] = etaminus
        r[r == 0] = 1
        s *= r
        np.clip(s, lo, hi, out=s)  # s_t = clip(η·s_{t-1}, s_min, s_max)
        np.copyto(prev, g)
        prev[flipped] = 0  # g_t ← 0 where the sign flipped (kept as g_{t-1} for the next step)
        step = np.sign(prev, out=self._scratch(p, 2))
        step *= s
        p -= step  # θ_t = θ_{t-1} − sign(g_t)·s_t


def _pair(name: str, arg: str, value: Any, what: str) -> tuple[Any, Any]:
    if isinstance(value, str) or not isinstance(value, Sequence) or len(value) != 2:
        raise ValueError(f"{name}: {arg} must be a pair {what}, got {value!r}")
    return value[0], value[1]
