"""``train_val_split``: hold out a validation part, stratified by class for classification."""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from adamlab.data.errors import DataError
from adamlab.data.labels import guess_task


def _is_labels(y: np.ndarray) -> bool:
    """Whether 1-D ``y`` holds class labels (codes, text, or whole-number floats)."""
    if y.ndim != 1 or y.dtype.kind not in "biuUf" or len(y) == 0:
        return False
    return y.dtype.kind != "f" or (np.isfinite(y).all() and guess_task(y) == "classification")


def _count(n: int, fraction: float) -> int:
    return math.floor(n * fraction + 0.5)  # round half up


def train_val_split(
    X: Any,
    y: Any,
    val_fraction: float,
    rng: np.random.Generator | int,
    stratify: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Sorted row indices ``(train, val)`` with about ``val_fraction`` of the rows in ``val``.

    With ``stratify`` and 1-D class labels ``y`` (integers, text, booleans, or floats that are
    whole numbers with at most ``MAX_AUTO_CLASSES`` distinct values, such as 0.0/1.0), each class
    is split on its own in the same proportion, keeping at least one row of every class with two
    or more rows in each part (a class with a single row goes to train). Other ``y``
    (regression, or 2-D) is split at random; only its length is used. ``rng`` is a
    ``np.random.Generator`` (or an int seed for one); the same generator state gives the same
    split. When every class has a single row, nothing can be held out: a DataError says so
    (and that ``val_fraction=0`` trains on them all).
    """
    n = len(X)
    y = np.asarray(y)
    if y.ndim == 0 or len(y) != n:
        raise DataError(f"y must have one label per row of X ({n}), got shape {y.shape}")
    if (
        isinstance(val_fraction, bool)
        or not isinstance(val_fraction, numbers.Real)
        or not (0.0 <= val_fraction < 1.0)
    ):
        raise DataError(
            f"val_fraction must be a number in [0, 1) such as 0.2, not {val_fraction!r}"
        )
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool):
        rng = np.random.default_rng(int(rng))
    if not isinstance(rng, np.random.Generator):
        raise DataError(
            f"rng must be a np.random.Generator like np.random.default_rng(0), not {rng!r}"
        )
    if val_fraction > 0 and n < 2:
        raise DataError(f"cannot hold out a validation part from {n} row(s); use val_fraction=0")

    if stratify and _is_labels(y):
        codes = np.unique(y, return_inverse=True)[1].ravel()
        by_class = np.argsort(codes, kind="stable")
        groups = np.split(by_class, np.cumsum(np.bincount(codes))[:-1])
    else:
        groups = [np.arange(n)]
    val_parts = []
    for rows in groups:
        k = _count(len(rows), val_fraction)
        if val_fraction > 0:
            k = min(max(k, 1), len(rows) - 1)  # in both parts; a lone row goes to train
        val_parts.append(rng.permutation(rows)[:k])
    val = np.sort(np.concatenate(val_parts)).astype(np.int64)
    if val_fraction > 0 and len(val) == 0:  # only when every class has a single row
        raise DataError(
            f"the validation part is empty: val_fraction {val_fraction:g} of {n} rows holds out "
            f"none, since each of the {len(groups)} classes has a single row (a class's only "
            "row is kept for training); add rows, or train without validation: val_fraction=0 "
            "(adamlab train --val-fraction 0)"
        )
    train = np.setdiff1d(np.arange(n, dtype=np.int64), val, assume_unique=True)
    return train, val


#: A run with seed ``s`` draws its validation rows from ``np.random.default_rng([s, SPLIT_STREAM])``
#: (its other streams: 0 the initial weights, 2 the shuffling order, 3 the dropout masks).
SPLIT_STREAM = 1


def validation_split(
    y: Any, val_fraction: float, seed: int, stratify: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """A training run's ``(train, val)`` rows: ``train_val_split`` of ``y`` from the run's own
    generator stream, so that the trainer and the CLI hold out the same rows for a seed.
    ``stratify``: whether ``y`` is a classification target (by class when it holds labels)."""
    y = np.asarray(y)
    rng = np.random.default_rng([seed, SPLIT_STREAM])
    rows = np.empty((len(y) if y.ndim else 0, 0))  # only its length is used
    return train_val_split(rows, y, val_fraction, rng, stratify=stratify)
