"""GET /api/article: the article's seed experiment and its correction (``adamlab.article``).

Run once per server and kept: ``faithful`` is the article's bias-free model trained one sample
per step through ``adamlab.optim.Adam`` (its "learning curve" is the loss of each sample after
training); ``corrected`` is a model with biases and a hidden layer trained by
``adamlab.train.Trainer``, with its real per-epoch curves.
"""

from __future__ import annotations

import math
import threading
from typing import Any

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
                             "steps": f["steps"]},
                "corrected": {"hidden": c["hidden"], "train_accuracy": c["train_accuracy"],
                              "history": {k: [_finite(v) for v in vs]
                                          for k, vs in c["history"].items()}},
            })
        return _cache


def _finite(v: Any) -> Any:
    return v if isinstance(v, (int, float)) and math.isfinite(v) else None
