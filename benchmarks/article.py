"""article: the article's 100 points, no hidden layer (logistic regression with a bias),
batch size 1, 100 epochs, Adam lr 0.1 — 10 000 steps on 3 parameters, all overhead.

Target: adamlab through ``adamlab.MLPClassifier`` at least 5x faster than the PyTorch loop,
and within 1.5x of a hand-written NumPy loop of the same updates (issue 15). The NumPy-only
install (`ADAMLAB_JIT=0`, in a child process: `numpy_only.py`) takes its turn too.
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
from contenders import accuracy, fit_adamlab, fit_torch
from numpy_only import NumpyOnly

NAME = "article"
EPOCHS, LR = 100, 0.1
QUICK_EPOCHS = 10  # --quick: a smoke test, not a result


def data():
    from adamlab.article import article_data

    X, y, _ = article_data()
    return X, y


def hand_loop(X: np.ndarray, y: np.ndarray, epochs: int = EPOCHS, lr: float = LR, seed: int = 0):
    """What one writes by hand: σ(x·w + b), its gradient, Adam's three lines (PyTorch's ε)."""
    rng = np.random.default_rng(seed)
    Xb = np.hstack([X, np.ones((len(X), 1))])  # the bias as a constant input
    theta = np.zeros(3)
    m, v = np.zeros(3), np.zeros(3)
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    t = 0
    for _ in range(epochs):
        for i in rng.permutation(len(X)):
            p = 1 / (1 + np.exp(-(Xb[i] @ theta)))
            g = (p - y[i]) * Xb[i]  # ∂BCE/∂θ
            t += 1
            m = beta1 * m + (1 - beta1) * g
            v = beta2 * v + (1 - beta2) * g * g
            theta -= lr / (1 - beta1**t) * m / (np.sqrt(v / (1 - beta2**t)) + eps)
    return lambda Xt: (np.hstack([Xt, np.ones((len(Xt), 1))]) @ theta > 0).astype(int)


def adamlab_fit(settings: Settings):
    X, y = data()
    epochs = QUICK_EPOCHS if settings.quick else EPOCHS
    return lambda: fit_adamlab(X, y, (), 1, epochs, LR)


def run(settings: Settings) -> tuple[list[Result], list[Target]]:
    X, y = data()
    epochs = QUICK_EPOCHS if settings.quick else EPOCHS
    numpy_only = NumpyOnly(NAME, settings)
    contenders = {
        "adamlab": partial(fit_adamlab, X, y, (), 1, epochs, LR),
        "adamlab (NumPy only)": numpy_only,
        "hand-written NumPy loop": partial(hand_loop, X, y, epochs),
    }
    if have("torch"):
        contenders["PyTorch loop"] = partial(fit_torch, X.astype(np.float32), y, (), 1, epochs,
                                             LR)
    try:
        timings = take_turns(contenders, settings.repeat)
    finally:
        numpy_only.close()
    results = []
    for name, (runs, predict) in timings.items():
        Xe = X.astype(np.float32) if name == "PyTorch loop" else X
        info = (f"train accuracy {accuracy(predict, Xe, y):.2f}" if predict is not None
                else f"{paired_ratio(runs, timings['adamlab'][0]):.2f}x adamlab's time (paired)")
        results.append(Result(NAME, name, median(runs), runs, info=info,
                              reference=name == "adamlab"))
    results += missing_peer(NAME, "PyTorch loop", timings)
    targets = [
        paired_target(NAME, "PyTorch loop", "adamlab ≥ 5x faster", timings, "adamlab",
                      lambda r: r >= 5),
        paired_target(NAME, "hand-written NumPy loop", "adamlab within 1.5x", timings, "adamlab",
                      lambda r: r <= 1.5, adamlab_over_peer=True),
    ]
    return results, targets
