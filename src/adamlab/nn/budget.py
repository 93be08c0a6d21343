"""What a network of given layer sizes costs in memory, refused up front when it cannot fit,
and how many rows one block of an evaluation may hold.

For widths ``d_0 = n_inputs, d_1 … d_{L-1} = hidden, d_L = n_outputs``::

    parameters        n = Σ_l (d_{l-1} + 1) · d_l            values (weights and biases)
    an MLP holds      2 n                                     (params and grads; a trainer
                                                               adds its optimizer's state)
    one row, forward  d_0 + 2 Σ_{0<l<L} d_l + 3 d_L           values (each layer's output and
                                                               its activation; the logits,
                                                               the link and a temporary)

``rows_per_block`` keeps one block's activations within ``MEMORY_BUDGET`` bytes, so that
predicting or evaluating many rows (or a plot's grid) through a wide network needs memory for
one block, not for every row at once. ``check_fits`` refuses, with the figure, a network whose
parameters and gradients alone exceed the machine's memory (``physical_memory``): it would die
with a MemoryError while allocating, or long after, in the first full-width evaluation.
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["MEMORY_BUDGET", "check_fits", "format_bytes", "parameter_count",
           "physical_memory", "rows_per_block"]

#: Bytes of activations one block of rows may use when a model predicts or is evaluated.
MEMORY_BUDGET = 256 * 2**20

#: Where a container's memory limit is (cgroup v2, then v1).
_CGROUP_LIMITS = ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes")


def parameter_count(widths: Sequence[int]) -> int:
    """``n = Σ_l (d_{l-1} + 1) · d_l`` for layer widths ``[n_inputs, *hidden, n_outputs]``."""
    return sum((a + 1) * b for a, b in zip(widths[:-1], widths[1:], strict=True))


def row_values(widths: Sequence[int]) -> int:
    """Values one row occupies through an inference forward pass (the formula above)."""
    return int(widths[0]) + 2 * sum(int(w) for w in widths[1:-1]) + 3 * int(widths[-1])


def rows_per_block(widths: Sequence[int], dtype: Any, budget: int | None = None) -> int:
    """How many rows one block may hold for its activations to stay within ``budget`` bytes
    (default ``MEMORY_BUDGET``; at least 1)."""
    budget = MEMORY_BUDGET if budget is None else budget
    return max(1, int(budget) // (row_values(widths) * np.dtype(dtype).itemsize))


@functools.cache
def physical_memory() -> int | None:
    """Bytes of memory this process can have: the machine's physical memory (``os.sysconf``),
    or a container's lower limit (cgroup); None when neither can be read. Read once per
    process (every ``MLP`` asks; a population of 120 read the files 240 times)."""
    found = []
    try:
        found.append(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, OSError, ValueError):
        pass
    for path in _CGROUP_LIMITS:
        try:
            text = Path(path).read_text().strip()
        except OSError:
            continue
        if text.isdigit() and 0 < int(text) < 2**60:  # "max" or a huge number: no limit
            found.append(int(text))
    return min(found) if found else None


def format_bytes(n: float) -> str:
    """``8.0e12`` -> ``"7.3 TiB"``: binary units, two or three significant digits."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if n < 1024 or unit == "PiB":
            break
        n /= 1024
    return f"{n:.0f} {unit}" if unit == "B" or n >= 100 else f"{n:.1f} {unit}"


def check_fits(widths: Sequence[int], dtype: Any, memory: int | None = None) -> None:
    """Refuse (ValueError, with the figure and what would fit) a network whose parameters and
    gradients, ``2 n`` values of ``dtype``, exceed ``memory`` (default: ``physical_memory``)."""
    memory = physical_memory() if memory is None else memory
    dtype = np.dtype(dtype)
    n = parameter_count(widths)
    need = 2 * n * dtype.itemsize
    if memory is None or need <= memory:
        return
    hidden = tuple(widths[1:-1])
    if hidden:
        w = _width_that_fits(widths, dtype, memory)
        unit = 10 ** max(0, len(str(w)) - 2)
        w = w // unit * unit  # two significant digits, rounded down: 19870 -> 19000
        advice = f"narrower hidden layers (e.g. {','.join([str(w)] * len(hidden))})"
    else:  # the weights are inputs x outputs
        advice = "fewer features or outputs"
    if dtype.itemsize > 4 and need // 2 <= memory:
        advice += ", or float32 (half the bytes)"
    shape = f"hidden layers {hidden}" if hidden else "no hidden layer"
    raise ValueError(
        f"{shape} with {_count(widths[0], 'input')} and {_count(widths[-1], 'output')} needs "
        f"{format_bytes(n * dtype.itemsize)} of parameters ({n:.3g} {dtype.name} values), "
        f"{format_bytes(need)} with their gradients, before any optimizer state; this machine "
        f"has {format_bytes(memory)} of memory. Use {advice}.")


def _count(n: int, what: str) -> str:
    return f"{n} {what}{'s' * (n != 1)}"


def _width_that_fits(widths: Sequence[int], dtype: np.dtype, memory: int) -> int:
    """The largest width ``w`` (1 at least) that, for every hidden layer, keeps ``2 n`` values
    within a quarter of ``memory`` (room for an optimizer's state and the activations)."""
    inner = len(widths) - 2

    def fits(w: int) -> bool:
        return 2 * parameter_count([widths[0], *[w] * inner, widths[-1]]) * dtype.itemsize \
            <= memory / 4

    lo, hi = 1, max(1, int(math.isqrt(int(memory))) + int(memory) // max(1, widths[0]))
    while lo < hi:  # the largest w with fits(w)
        mid = (lo + hi + 1) // 2
        lo, hi = (mid, hi) if fits(mid) else (lo, mid - 1)
    return lo
