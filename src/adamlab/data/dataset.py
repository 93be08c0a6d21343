"""``Dataset``: the arrays plus what they mean, as every loader in ``adamlab.data`` returns them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from adamlab.data.errors import DataError

TASKS = ("binary", "multiclass", "regression")


@dataclass(frozen=True, eq=False)
class Dataset:
    """Features ``X`` (float64, rows = samples) and targets ``y`` with their names and task.

    ``y`` holds integer codes ``0..K-1`` for classification, where ``classes[k]`` is the original
    label of code ``k``; for regression ``y`` is float64 and ``classes`` is None. ``X`` may be a
    read-only ``np.memmap`` (see ``load_file(..., mmap=True)``); it is never copied here.
    ``target`` names where ``y`` came from: a CSV's target column, an ``.npz`` archive's key,
    the label ``.npy`` of an ``X.npy``; None for a built-in set or arrays given in memory.
    """

    X: np.ndarray
    y: np.ndarray
    feature_names: tuple[str, ...]
    classes: tuple[Any, ...] | None
    task: str
    name: str
    description: str = ""
    target: str | None = None

    def __post_init__(self) -> None:
        X, y = self.X, self.y
        if self.task not in TASKS:
            raise DataError(f"Dataset {self.name!r}: task must be in {TASKS}, not {self.task!r}")
        if not isinstance(X, np.ndarray) or X.ndim != 2 or X.dtype != np.float64:
            raise DataError(f"Dataset {self.name!r}: X must be a 2-D float64 array")
        if not isinstance(y, np.ndarray) or y.ndim != 1 or len(y) != len(X):
            raise DataError(f"Dataset {self.name!r}: y must be 1-D with one entry per row of X")
        if len(self.feature_names) != X.shape[1]:
            raise DataError(
                f"Dataset {self.name!r}: {len(self.feature_names)} feature names "
                f"for {X.shape[1]} columns of X"
            )
        if self.task == "regression":
            if self.classes is not None or y.dtype != np.float64:
                raise DataError(f"Dataset {self.name!r}: regression needs float64 y and no classes")
        else:
            if self.classes is None or y.dtype.kind not in "iu":
                raise DataError(
                    f"Dataset {self.name!r}: classification needs integer codes y and classes"
                )
            if self.task == "binary" and len(self.classes) != 2:
                raise DataError(f"Dataset {self.name!r}: binary task needs exactly two classes")

    @property
    def n_samples(self) -> int:
        """Number of rows of ``X``."""
        return int(self.X.shape[0])

    @property
    def n_features(self) -> int:
        """Number of columns of ``X``."""
        return int(self.X.shape[1])

    @property
    def n_classes(self) -> int | None:
        """Number of classes, or None for regression."""
        return None if self.classes is None else len(self.classes)

    def __repr__(self) -> str:
        classes = "" if self.classes is None else f", classes={self.classes!r}"
        return (
            f"Dataset({self.name!r}, {self.task}, {self.n_samples} samples x "
            f"{self.n_features} features{classes})"
        )
