"""optimizer step: ``adamlab.optim.Adam`` stepping 10 million float32 parameters — memory-bound.

Target: within 1.5x of PyTorch's fused CPU Adam; report the effective GB/s against the
machine's measured memory bandwidth. One Adam step reads θ, g, m, v and writes θ, m, v:
7 × 4 bytes per parameter at the very least.
"""

from __future__ import annotations

import numpy as np
from common import Result, Settings, Target, have, median, missing_peer, paired_target, take_turns
from machine import memory_bandwidth_gbs

NAME = "optimizer step"
BYTES_PER_PARAM = 7 * 4


def sizes(settings: Settings) -> tuple[int, int]:
    """(parameters, steps timed per run)."""
    return (2_000_000, 10) if settings.quick else (10_000_000, 20)


def adamlab_stepper(n: int, steps: int, fused: bool | None):
    from adamlab.optim import Adam

    rng = np.random.default_rng(0)
    p = rng.standard_normal(n, dtype=np.float32)
    g = rng.standard_normal(n, dtype=np.float32)
    opt = Adam([p], lr=1e-3, fused=fused)

    def run():
        for _ in range(steps):
            opt.step([g])

    return run


def torch_stepper(n: int, steps: int, fused: bool | None):
    import torch

    gen = torch.Generator().manual_seed(0)
    p = torch.randn(n, generator=gen, requires_grad=True)
    p.grad = torch.randn(n, generator=gen)
    opt = torch.optim.Adam([p], lr=1e-3, fused=fused)

    def run():
        for _ in range(steps):
            opt.step()

    return run


def adamlab_fit(settings: Settings):
    n, steps = sizes(settings)
    return adamlab_stepper(n, steps, None)


def run(settings: Settings) -> tuple[list[Result], list[Target]]:
    n, steps = sizes(settings)
    contenders = {}
    if have("numba"):
        contenders["adamlab (fused, numba)"] = adamlab_stepper(n, steps, True)
    contenders["adamlab (NumPy)"] = adamlab_stepper(n, steps, False)
    if have("torch"):
        contenders["PyTorch Adam(fused=True)"] = torch_stepper(n, steps, True)
        contenders["PyTorch Adam (default)"] = torch_stepper(n, steps, None)
    timings = take_turns(contenders, settings.repeat)
    bandwidth, how = memory_bandwidth_gbs()
    ours = "adamlab (fused, numba)" if have("numba") else "adamlab (NumPy)"
    results = []
    for name, (runs, _) in timings.items():
        per_step = median(runs) / steps
        gbs = BYTES_PER_PARAM * n / per_step / 1e9
        results.append(Result(NAME, name, per_step, [r / steps for r in runs],
                              info=f"{gbs:.1f} GB/s = {gbs / bandwidth:.0%} of "
                                   f"{bandwidth:.1f} GB/s (a ← a + s·b, {how})",
                              reference=name == ours))
    if not have("numba"):
        results.append(Result(NAME, "adamlab (fused, numba)", None,
                              skipped="numba not installed"))
    results += missing_peer(NAME, "PyTorch Adam(fused=True)", timings)
    return results, [paired_target(NAME, "PyTorch Adam(fused=True)", "adamlab within 1.5x",
                                   timings, ours, lambda r: r <= 1.5, adamlab_over_peer=True)]
