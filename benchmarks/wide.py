"""wide: 60 000 x 784 Gaussian inputs (labels from a random hyperplane), MLP (512, 512),
batch 128, 1 epoch, float32, Adam lr 1e-3 — GEMM-bound.

Target (issue 15): faster than the PyTorch loop with ``Adam(fused=True)`` and within 1.1x of
the floor below (paired); report the fraction of the
machine's measured float32 GEMM peak that the training reaches, and how far each contender is
from the floor: the same epoch's matrix products alone, back to back in NumPy.
"""

from __future__ import annotations

from functools import partial

import numpy as np
from common import (
    Result,
    Settings,
    Target,
    have,
    median,
    missing_peer,
    paired_ratio,
    paired_target,
    take_turns,
)
from contenders import fit_adamlab, fit_torch
from machine import peak_gemm_gflops
from numpy_only import NumpyOnly

NAME = "wide"
HIDDEN, BATCH, EPOCHS, LR = (512, 512), 128, 1, 1e-3


def data(settings: Settings):
    n = 10_000 if settings.quick else 60_000
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, 784), dtype=np.float32)
    y = (X @ rng.standard_normal(784, dtype=np.float32) > 0).astype(int)
    return X, y


def flops_per_epoch(n: int, sizes=(784, *HIDDEN, 1)) -> float:
    """Forward Z = A W (2·fan_in·fan_out per sample and layer), backward dW = Aᵀ dZ (the same)
    and dA = dZ Wᵀ (the same, for every layer but the first)."""
    pairs = list(zip(sizes[:-1], sizes[1:], strict=True))
    macs = sum(a * b for a, b in pairs)
    return n * 2 * (2 * macs + sum(a * b for a, b in pairs[1:]))


def gemm_floor(n: int, sizes=(784, *HIDDEN, 1), batch: int = BATCH):
    """A callable running an epoch's matrix products alone in NumPy (this machine's BLAS, its
    threads): per batch Z = A W for every layer, dW = Aᵀ dZ and db = 1ᵀ dZ for every layer,
    dA = dZ Wᵀ for every layer but the first — the products any implementation of the step
    performs — back to back on preallocated float32 arrays (warm caches: a lower bound). It
    takes turns with the contenders, so that it is measured under the same conditions."""
    rng = np.random.default_rng(1)
    f32 = np.float32
    layers = []
    for a, b in zip(sizes[:-1], sizes[1:], strict=True):
        layers.append((rng.standard_normal((batch, a), dtype=f32),  # A
                       rng.standard_normal((a, b), dtype=f32),  # W
                       np.empty((batch, b), f32),  # Z
                       rng.standard_normal((batch, b), dtype=f32),  # dZ
                       np.empty((a, b), f32), np.empty(b, f32), np.empty((batch, a), f32)))
    ones = np.ones(batch, f32)

    def epoch():
        for _ in range(-(-n // batch)):
            for A, W, Z, _, _, _, _ in layers:
                np.dot(A, W, out=Z)
            for i, (A, W, _, dZ, dW, db, dA) in enumerate(layers):
                np.dot(A.T, dZ, out=dW)
                np.dot(ones, dZ, out=db)
                if i > 0:
                    np.dot(dZ, W.T, out=dA)

    return epoch


def adamlab_fit(settings: Settings):
    X, y = data(settings)
    return lambda: fit_adamlab(X, y, HIDDEN, BATCH, EPOCHS, LR)


def run(settings: Settings) -> tuple[list[Result], list[Target]]:
    X, y = data(settings)
    common = dict(hidden=HIDDEN, batch_size=BATCH, epochs=EPOCHS, lr=LR)
    floor_name = "its matrix products alone (NumPy)"
    floor_epoch = gemm_floor(len(X))
    numpy_only = NumpyOnly(NAME, settings)
    contenders = {floor_name: lambda: [floor_epoch() for _ in range(EPOCHS)],
                  "adamlab (float32)": partial(fit_adamlab, X, y, **common),
                  "adamlab (float32, NumPy only)": numpy_only}
    if have("torch"):
        contenders["PyTorch loop, fused Adam"] = partial(fit_torch, X, y, **common, fused=True)
    try:
        timings = take_turns(contenders, settings.repeat)
    finally:
        numpy_only.close()
    peak = peak_gemm_gflops()
    flops = flops_per_epoch(len(X)) * EPOCHS
    floor = timings[floor_name][0]
    results = []
    for name, (runs, _) in timings.items():
        gflops = flops / median(runs) / 1e9
        info = f"{gflops:.0f} GFLOP/s = {gflops / peak:.0%} of GEMM peak ({peak:.0f})"
        if name == floor_name:
            info += ": the floor of this workload on this BLAS"
        else:
            info += f"; {paired_ratio(runs, floor):.2f}x the floor (paired)"
        results.append(Result(NAME, name, median(runs), runs, info=info,
                              reference=name.startswith("adamlab")))
    results += missing_peer(NAME, "PyTorch loop, fused Adam", timings)
    return results, [
        paired_target(NAME, "PyTorch loop, fused Adam", "adamlab faster", timings,
                      "adamlab (float32)", lambda r: r > 1),
        paired_target(NAME, floor_name, "adamlab within 1.1x the floor", timings,
                      "adamlab (float32)", lambda r: r <= 1.1, adamlab_over_peer=True)]
