"""Parameters that lie back to back in one buffer, seen as one flat array.

An MLP keeps every weight matrix, then every bias, in one contiguous buffer, and hands the
optimizer named, shaped views of it. An *elementwise* optimizer (Adam, SGD, ...: each element's
update depends on that element and the group's scalars alone) may then step a run of adjacent
views as a single 1-D array: one pass over memory, one call of a compiled kernel, instead of a
Python loop over arrays. The numbers are the same either way; only the number of passes differs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

__all__ = ["Plan", "address", "flat_view", "plan_group", "runs"]


def address(a: np.ndarray) -> int:
    """The address of ``a``'s first element."""
    return a.__array_interface__["data"][0]


def _root(a: np.ndarray) -> np.ndarray:
    """The array that owns ``a``'s memory (following ``.base`` through views)."""
    while isinstance(a.base, np.ndarray):
        a = a.base
    return a


def adjacent(a: np.ndarray, b: np.ndarray) -> bool:
    """True when ``b`` starts right where ``a`` ends, in the same buffer, with the same dtype,
    both C-contiguous."""
    return (a.dtype == b.dtype and a.flags.c_contiguous and b.flags.c_contiguous
            and _root(a) is _root(b) and address(a) + a.nbytes == address(b))


def runs(arrays: Sequence[np.ndarray]) -> list[tuple[int, int]]:
    """Index ranges ``[start, stop)`` of maximal runs of arrays lying back to back."""
    out: list[tuple[int, int]] = []
    start = 0
    for i in range(1, len(arrays) + 1):
        if i == len(arrays) or not adjacent(arrays[i - 1], arrays[i]):
            out.append((start, i))
            start = i
    return out


def flat_view(arrays: Sequence[np.ndarray]) -> np.ndarray | None:
    """One 1-D view spanning ``arrays`` (back to back in one C-contiguous buffer), or None when
    they are not laid out so (then each must be stepped on its own)."""
    first = arrays[0]
    if len(arrays) == 1:
        return first.reshape(-1) if first.flags.c_contiguous else None
    if not all(adjacent(a, b) for a, b in zip(arrays, arrays[1:], strict=False)):
        return None
    root = _root(first)
    if not (root.flags.c_contiguous and root.dtype == first.dtype):
        return None
    offset, rest = divmod(address(first) - address(root), first.itemsize)
    if rest:
        return None
    flat = root.reshape(-1)[offset:offset + sum(a.size for a in arrays)]
    return flat if address(flat) == address(first) else None


class Plan:
    """How one group is stepped: its parameters merged into runs where that is allowed.

    ``ranges[k]`` is the index range of entry k among the optimizer's parameters, ``arrays[k]``
    the array stepped (a flat view over the run, or the parameter itself) and ``states[k]`` its
    state (the flat buffers of the run, or the parameter's own state dict)."""

    __slots__ = ("ranges", "arrays", "states", "merged")

    def __init__(self) -> None:
        self.ranges: list[tuple[int, int]] = []
        self.arrays: list[np.ndarray] = []
        self.states: list[dict[str, Any]] = []
        self.merged = False


def plan_group(params: list[np.ndarray], new_state: Callable[[np.ndarray], dict[str, Any]],
               merge: bool) -> tuple[list[dict[str, Any]], Plan]:
    """Fresh state for a group's parameters (``new_state(p)`` for one array), and its plan.

    With ``merge`` (an elementwise optimizer), each run of adjacent parameters gets state for
    its flat view, and the parameters' state arrays are views of those flat buffers."""
    plan, states = Plan(), []
    spans = runs(params) if merge else [(i, i + 1) for i in range(len(params))]
    for a, b in spans:
        flat = flat_view(params[a:b]) if b - a > 1 else None
        if flat is None:
            for i in range(a, b):
                states.append(new_state(params[i]))
                plan.ranges.append((i, i + 1))
                plan.arrays.append(params[i])
                plan.states.append(states[-1])
            continue
        run_state = new_state(flat)
        at = 0
        for p in params[a:b]:
            states.append({k: (v[at:at + p.size].reshape(p.shape)
                               if isinstance(v, np.ndarray) and v.shape == flat.shape else v)
                           for k, v in run_state.items()})
            at += p.size
        plan.ranges.append((a, b))
        plan.arrays.append(flat)
        plan.states.append(run_state)
        plan.merged = True
    return states, plan
