"""How many BLAS threads a training run's matrix products get.

A small network's products are too small to split: on a 256×64 batch through a 64×64 layer
(1M multiply-adds, ~25 µs) waking a second BLAS thread costs as much as it saves, and when
the machine is busy, OpenBLAS's threads wait for a core and a product can take 10 to 20 times
as long. So while it trains, ``Trainer.fit`` runs the BLAS on one thread when the largest
product of a step is small, and leaves the BLAS's own setting alone otherwise (a wide
network's 128×784 · 784×512 product does gain from every core)::

    work = batch size × max over layers of fan_in·fan_out      (multiply-adds)
    threads = 1 if work < SMALL_PRODUCT else the BLAS's setting

The rule looks at the shapes only, never at the machine's load, so a run (and its resumption
from a checkpoint) always makes the same choice: that matters, because OpenBLAS's float32
products can differ in their last bits between one thread and several (its float64 ones did
not, in our tests).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator, Sequence

#: Multiply-adds below which a product runs on one BLAS thread (see docs/benchmarks.md).
SMALL_PRODUCT = 1 << 23


def blas_threads(batch_size: int, layer_shapes: Sequence[tuple[int, int]]) -> int | None:
    """1 for a run whose products are all small, None (the BLAS's own setting) otherwise."""
    work = batch_size * max((a * b for a, b in layer_shapes), default=0)
    return 1 if work < SMALL_PRODUCT else None


@functools.cache
def _controller():
    """threadpoolctl's handle on the BLAS libraries loaded so far (numpy's among them: numpy
    loads it when imported), found once per process (~5 ms)."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # scikit-learn brings it; without it, leave the BLAS alone
        return None
    return ThreadpoolController()


@contextlib.contextmanager
def limited(threads: int | None) -> Iterator[None]:
    """Within the block, the BLAS libraries use at most ``threads`` threads (None: unchanged)."""
    controller = None if threads is None else _controller()
    if controller is None:
        yield
        return
    with controller.limit(limits=threads, user_api="blas"):
        yield
