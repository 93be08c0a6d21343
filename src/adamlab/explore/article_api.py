"""GET /api/article: the article's seed experiment and its correction (``adamlab.article``).

Run once per server and kept: ``faithful`` is the article's bias-free model trained one sample
per step through ``adamlab.optim.Adam`` (the article's "learning curve" is the loss of each
sample after training); ``corrected`` is a model with biases and a hidden layer trained by
``adamlab.train.Trainer``, with its real per-epoch curves.

The seed experiment's *real* learning curve is not in ``adamlab.article`` (the article never
drew one): ``faithful_curve`` replays the article's run, the same data, θ₀, Adam settings and
sample order, and records the mean loss and accuracy over the 100 points after every epoch.
Its final θ is ``adamlab.article.faithful()``'s to the last bit (tests/explore check it).
"""

from __future__ import annotations

import math
import threading
from typing import Any

import numpy as np

__all__ = ["article"]

_lock = threading.Lock()
_cache: dict[str, Any] = {}


def article() -> dict[str, Any]:
    with _lock:
        if not _cache:
            from adamlab import article as source

            X, y, _ = source.article_data()
            run = source.run()
            f, c = run["faithful"], run["corrected"]
            _cache.update({
                "points": {"x": X.round(5).tolist(), "y": y.astype(int).tolist()},
                "faithful": {"theta": f["theta"], "train_accuracy": f["train_accuracy"],
                             "loss": f["loss"], "per_sample_loss": f["per_sample_loss"],
                             "steps": f["steps"], "curve": faithful_curve()},
                "corrected": {"hidden": c["hidden"], "train_accuracy": c["train_accuracy"],
                              "history": {k: [_finite(v) for v in vs]
                                          for k, vs in c["history"].items()}},
            })
        return _cache


def _finite(v: Any) -> Any:
    return v if isinstance(v, (int, float)) and math.isfinite(v) else None


def faithful_curve() -> dict[str, Any]:
    """The article's run (σ(x·θ), no bias, one sample per step, ``adamlab.optim.Adam``) with
    the mean binary cross-entropy and the accuracy over its 100 points after each epoch."""
    from adamlab import article as source
    from adamlab.optim import Adam

    X, y, theta = source.article_data()
    theta = theta.copy()
    opt = Adam([theta], lr=source.ALPHA, betas=(source.BETA1, source.BETA2), eps=source.EPSILON)
    epochs, losses, accuracies = [], [], []
    for epoch in range(1, source.EPOCHS + 1):
        for i in range(len(X)):
            p_i = 1 / (1 + np.exp(-np.dot(X[i], theta)))
            opt.step([(p_i - y[i]) * X[i]])  # ∂ BCE / ∂θ for one sample, as the article
        p = 1 / (1 + np.exp(-(X @ theta)))
        losses.append(float(np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p)))))
        accuracies.append(float(np.mean((p > 0.5) == (y == 1))))
        epochs.append(epoch)
    return {"epoch": epochs, "loss": losses, "accuracy": accuracies, "theta": theta.tolist()}
