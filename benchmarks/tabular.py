"""tabular: make_classification(100 000, 20, n_informative=10), MLP (64, 64), batch 256,
5 epochs, Adam lr 1e-3.

Target: fit at least 3x faster than scikit-learn's MLP (float64) and than a plain PyTorch
loop (float32), with the same accuracy (held-out, within one percentage point).

adamlab is timed on the float32 data (its fast case, the same data PyTorch gets) and, for a
like-for-like comparison with scikit-learn, on the float64 data too.
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
from contenders import accuracy, fit_adamlab, fit_sklearn, fit_torch
from numpy_only import NumpyOnly

NAME = "tabular"
HIDDEN, BATCH, EPOCHS, LR = (64, 64), 256, 5, 1e-3


def data(settings: Settings):
    from sklearn.datasets import make_classification

    n = 20_000 if settings.quick else 100_000
    X, y = make_classification(n + 20_000, 20, n_informative=10, random_state=0)
    return X[:n], y[:n], X[n:], y[n:]  # train, and 20 000 held-out rows


def adamlab_fit(settings: Settings, dtype="float32"):
    """The adamlab run alone (for --profile, and the NumPy-only child)."""
    X, y, _, _ = data(settings)
    X = X.astype(dtype)
    return lambda: fit_adamlab(X, y, HIDDEN, BATCH, EPOCHS, LR)


def run(settings: Settings) -> tuple[list[Result], list[Target]]:
    X, y, Xt, yt = data(settings)
    X32, Xt32 = X.astype(np.float32), Xt.astype(np.float32)
    common = dict(hidden=HIDDEN, batch_size=BATCH, epochs=EPOCHS, lr=LR)
    numpy_only = NumpyOnly(NAME, settings, "float32")
    contenders = {
        "adamlab (float32)": partial(fit_adamlab, X32, y, **common),
        "adamlab (float64)": partial(fit_adamlab, X, y, **common),
        "adamlab (float32, NumPy only)": numpy_only,
        "scikit-learn (float64)": partial(fit_sklearn, X, y, **common),
    }
    if have("torch"):
        contenders["PyTorch loop (float32)"] = partial(fit_torch, X32, y, **common)
    try:
        timings = take_turns(contenders, settings.repeat)
    finally:
        numpy_only.close()
    results, acc = [], {}
    for name, (runs, predict) in timings.items():
        if predict is None:  # the NumPy-only child: its time only
            info = f"{paired_ratio(runs, timings['adamlab (float32)'][0]):.2f}x adamlab's time"
        else:
            acc[name] = accuracy(predict, Xt32 if "float32" in name else Xt, yt)
            info = f"accuracy {acc[name]:.4f}"
        results.append(Result(NAME, name, median(runs), runs, info=info,
                              reference=name == "adamlab (float32)"))
    results += missing_peer(NAME, "PyTorch loop (float32)", timings)

    ours = "adamlab (float32)"
    targets = []
    for peer in ("scikit-learn (float64)", "PyTorch loop (float32)"):
        same = peer in acc and abs(acc[peer] - acc[ours]) <= 0.01
        detail = f"; accuracy {acc[ours]:.4f} vs {acc[peer]:.4f}" if peer in acc else ""
        targets.append(paired_target(NAME, peer, "adamlab ≥ 3x faster, same accuracy", timings,
                                     ours, lambda r, same=same: r >= 3 and same, detail=detail))
    peer = "scikit-learn (float64)"
    same = abs(acc[peer] - acc["adamlab (float64)"]) <= 0.01
    targets.append(paired_target(
        NAME, peer, "adamlab (float64) ≥ 3x faster, like for like", timings, "adamlab (float64)",
        lambda r: r >= 3 and same,
        detail=f"; accuracy {acc['adamlab (float64)']:.4f} vs {acc[peer]:.4f}"))
    return results, targets
