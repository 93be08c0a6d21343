"""Sample weights: the user's, times per-class weights, checked once before training.

A sample's weight ``w_i`` scales its term of the loss (a weighted mean normalised by ``Σw``,
see ``adamlab.nn.losses``). With ``class_weight`` each sample's weight is multiplied by its
class's: ``w_i = c_{y_i} · s_i`` (``s_i`` the given sample weight, 1 without).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

__all__ = ["class_weights", "training_weights", "validation_weights"]


def class_weights(y: np.ndarray, n_classes: int, spec: str | Mapping[Any, float] | None,
                  classes: Sequence[Any] | None = None) -> np.ndarray | None:
    """Per-class weights: "balanced" gives n / (K·n_c) (scikit-learn's rule); a mapping is
    keyed by class code or by the original label in ``classes``."""
    if spec is None:
        return None
    if isinstance(spec, str):
        if spec != "balanced":
            raise ValueError(f"class_weight must be 'balanced' or a mapping, got {spec!r}")
        counts = np.bincount(y, minlength=n_classes).astype(float)
        with np.errstate(divide="ignore"):
            w = len(y) / (n_classes * counts)
        w[counts == 0] = 0.0
        return w
    w = np.ones(n_classes)
    labels = list(classes) if classes is not None else list(range(n_classes))
    for key, value in spec.items():
        if key in labels:
            code = labels.index(key)
        elif isinstance(key, (int, np.integer)) and 0 <= key < n_classes:
            code = int(key)
        else:
            raise ValueError(
                f"class_weight has a key {key!r} that is not a class; classes: {labels}")
        if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
            raise ValueError(f"class_weight[{key!r}] must be a finite number >= 0, got {value!r}")
        w[code] = value
    return w


def training_weights(y: np.ndarray, sample_weight: Any, class_weight: Any,
                     classes: Sequence[Any] | None, n_classes: int | None) -> np.ndarray | None:
    """Each training sample's weight ``c_{y_i}·s_i`` (None: all 1). ``n_classes`` is None for
    a target without classes (regression), which ignores ``class_weight``."""
    sw = None if sample_weight is None else np.asarray(sample_weight, dtype=float)
    if sw is not None and (sw.shape != (len(y),) or not np.all(np.isfinite(sw))
                           or np.any(sw < 0)):
        raise ValueError(f"sample_weight must be {len(y)} finite numbers >= 0")
    if class_weight is None or n_classes is None:
        return sw
    codes = y.astype(int)
    cw = class_weights(codes, n_classes, class_weight, classes)
    return cw[codes] * (1.0 if sw is None else sw)


def validation_weights(sample_weight: Any, n: int) -> np.ndarray | None:
    """The validation set's sample weights checked (None: all 1): ``n`` finite numbers >= 0,
    not all 0 (the validation loss is their weighted mean)."""
    if sample_weight is None:
        return None
    sw = np.asarray(sample_weight, dtype=float)
    if (sw.shape != (n,) or not np.all(np.isfinite(sw)) or np.any(sw < 0)
            or not np.sum(sw) > 0):
        raise ValueError(f"the validation sample weights must be {n} finite numbers >= 0, "
                         "not all 0")
    return sw
