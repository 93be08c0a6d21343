"""What the training loop is given: the data checked once, its fingerprint, the validation
part, the batch size and each batch's rows.

The loop reads ``X`` batch by batch, so it accepts arrays and lazy row readers alike
(``adamlab.data.Rows``: ``shape``, ``dtype``, ``len``, ``X[indices]`` over a memory-mapped
file). Everything about the data that can be wrong is checked here, before the first step.
"""

from __future__ import annotations

import hashlib
import math
from typing import Any

import numpy as np

from adamlab.data.split import validation_split
from adamlab.train.weights import training_weights, validation_weights

__all__ = ["batch_size_for", "check_settings", "check_data", "data_fingerprint", "fit_data",
           "gather"]


def check_settings(batch_size: Any, clip_norm: Any, l2: Any) -> None:
    """A ValueError unless ``batch_size`` is an integer >= 1 or None (the whole training set),
    ``clip_norm`` a finite number > 0 or None, ``l2`` a finite number >= 0."""
    if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(batch_size, int)
                                   or batch_size < 1):
        raise ValueError(f"batch_size must be an integer >= 1 or None, got {batch_size!r}")
    if clip_norm is not None and not (isinstance(clip_norm, (int, float)) and clip_norm > 0
                                      and math.isfinite(clip_norm)):
        raise ValueError(f"clip_norm must be a finite number > 0, got {clip_norm!r}")
    if not (isinstance(l2, (int, float)) and math.isfinite(l2) and l2 >= 0):
        raise ValueError(f"l2 must be a finite number >= 0, got {l2!r}")


def batch_size_for(batch_size: int | None, n: int) -> int:
    """The rows of a full batch over ``n`` training rows: ``min(batch_size, n)``, all ``n``
    for None. An epoch has ``⌈n / b⌉`` batches; the last one holds the ``n − (k−1)·b`` left."""
    return n if batch_size is None else min(batch_size, n)


def check_data(X: Any, y: Any, n_inputs: int, what: str = "training"
               ) -> tuple[Any, np.ndarray]:
    """``(X, y)`` for a model of ``n_inputs`` features: ``X`` an array or a lazy row reader
    (anything else becomes an array), ``y`` an array of one target per row."""
    lazy = hasattr(X, "shape") and hasattr(X, "dtype") and hasattr(X, "__getitem__")
    X = X if isinstance(X, np.ndarray) or lazy else np.asarray(X)
    y = np.asarray(y)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (samples, features), got shape {X.shape}")
    if X.shape[1] != n_inputs:
        raise ValueError(f"X has {X.shape[1]} features, the model expects {n_inputs}")
    if len(y) != len(X):
        raise ValueError(f"X has {len(X)} rows but y has {len(y)}")
    if len(y) == 0:
        raise ValueError(f"no {what} samples" + (
            "; give validation_data some rows, or none" if what == "validation" else ""))
    return X, y


def data_fingerprint(X: Any, y: np.ndarray) -> str:
    """SHA-256 of the data's shape, a sample of its rows and all its targets: cheap, and enough
    to tell that a run resumed mid-epoch was given other data than it started with."""
    h = hashlib.sha256()
    h.update(str((X.shape, X.dtype.str)).encode())
    step = max(1, len(X) // 1024)  # a sample of rows
    h.update(memoryview(np.ascontiguousarray(X[::step])))  # memoryview: no copy
    h.update(memoryview(np.ascontiguousarray(y)))
    return h.hexdigest()


def fit_data(model: Any, X: Any, y: Any, sample_weight: Any, class_weight: Any,
             classes: Any, validation_data: tuple | None, val_fraction: float, seed: int
             ) -> tuple[tuple, tuple | None]:
    """What ``Trainer.fit`` trains on, ``(X, y, w)``, and validates on (None: nothing).

    ``validation_data`` is ``(X_val, y_val)`` or ``(X_val, y_val, w_val)``; otherwise
    ``val_fraction`` of the rows are held out (``adamlab.data.split.validation_split``: by class
    for a classifier, the same rows for the same ``seed``), without weights."""
    X, y = check_data(X, y, model.n_inputs)
    loss_fn = model.loss_fn
    n_classes = None if not loss_fn.classifies else (
        model.n_outputs if loss_fn.task == "multiclass" else 2)
    sw = training_weights(y, sample_weight, class_weight, classes, n_classes)
    if validation_data is not None:
        Xv, yv = check_data(*validation_data[:2], model.n_inputs, what="validation")
        swv = validation_weights(validation_data[2] if len(validation_data) > 2 else None,
                                 len(yv))
        return (X, y, sw), (Xv, yv, swv)
    if not val_fraction:
        return (X, y, sw), None
    if not (0 < val_fraction < 1):
        raise ValueError(f"val_fraction must be in (0, 1), got {val_fraction!r}")
    tr, va = validation_split(y, val_fraction, seed, stratify=loss_fn.classifies)
    return (X[tr], y[tr], None if sw is None else sw[tr]), (X[va], y[va], None)


def gather(X: Any, t: np.ndarray, idx: np.ndarray, Xb: np.ndarray, tb: np.ndarray,
           direct: bool, kernels: Any) -> None:
    """Rows ``idx`` of ``X`` and of the targets ``t`` into the batch buffers ``Xb``, ``tb``
    (``direct``: ``X`` is an array of the buffers' dtype; else it is cast, or read lazily)."""
    if direct and kernels is not None:
        kernels.take_rows(X, t, idx, Xb, tb)  # the two takes below, compiled
    elif direct:
        X.take(idx, axis=0, out=Xb)
        t.take(idx, axis=0, out=tb)
    else:
        Xb[...] = X[idx]
        t.take(idx, axis=0, out=tb)
