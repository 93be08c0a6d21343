"""``Standardizer``: z = (x - mean) / std per column, with the statistics of the training rows.

Population std (ddof=0), as scikit-learn's ``StandardScaler``. A constant column (max == min)
gets mean = its value and std 1, so it becomes exact zeros instead of a division by zero.
Statistics are accumulated in blocks of rows, so fitting on a memory-mapped X does not load it
whole.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from adamlab.data.errors import DataError
from adamlab.data.rows import row_blocks


def _as_2d(X: Any, what: str) -> np.ndarray:
    from adamlab.data.rows import Rows

    if isinstance(X, Rows):  # read in blocks, never materialised whole
        return X  # type: ignore[return-value]
    X = np.asanyarray(X)
    if X.ndim != 2 or X.dtype.kind not in "biuf":
        raise DataError(
            f"{what} must be a 2-D array of numbers (n_samples, n_features), not {X.shape}"
        )
    return X


class Standardizer:
    """Per-column standardization fitted on training data; ``mean_`` and ``scale_`` after fit."""

    def __init__(self) -> None:
        self.mean_: np.ndarray | None = None
        self.scale_: np.ndarray | None = None

    def fit(self, X: Any, feature_names: Any = None) -> Standardizer:
        """Learn each column's mean and std (1 for a constant column) from ``X``, the train rows.

        ``feature_names`` (one per column, e.g. a CSV's header) only serve the error messages,
        which then name the column as the user knows it."""
        X = _as_2d(X, "X")
        n, d = X.shape
        if n == 0:
            raise DataError("Standardizer.fit: X has no rows; fit it on the training rows")
        # Overflow (values too large to add up) is not a warning: it is refused just below.
        with np.errstate(over="ignore", invalid="ignore", under="ignore"):
            total, lo, hi = np.zeros(d), np.full(d, np.inf), np.full(d, -np.inf)
            for rows in row_blocks(X):
                block = np.asarray(X[rows], dtype=np.float64)
                total += block.sum(axis=0)
                lo, hi = np.minimum(lo, block.min(axis=0)), np.maximum(hi, block.max(axis=0))
            constant = hi == lo
            mean = np.where(constant, lo, total / n)  # μ = Σx / n; exactly the value if constant
            span = np.where(constant, 1.0, hi - lo)  # deviations in units of the column's range:
            squares = np.zeros(d)  # no overflow for huge values, no underflow for tiny ones
            for rows in row_blocks(X):
                dev = (np.asarray(X[rows], dtype=np.float64) - mean) / span
                squares += (dev**2).sum(axis=0)
            std = span * np.sqrt(squares / n)  # σ = sqrt(Σ(x - μ)² / n)
        bad = ~(np.isfinite(mean) & np.isfinite(std))
        if bad.any():
            j = int(np.flatnonzero(bad)[0])
            if feature_names is not None and j < len(feature_names):
                where = f"feature column {str(feature_names[j])!r} (column {j} of the features)"
            else:
                where = f"Standardizer.fit: column {j} of X"
            raise DataError(
                f"{where} holds NaN, inf or values too large to add up (their sum is beyond "
                "float64's range); clean the data first, or rescale that column"
            )
        self.mean_ = mean
        self.scale_ = np.where(constant, 1.0, std)
        return self

    def transform(self, X: Any) -> np.ndarray:
        """``(X - mean_) / scale_`` as a new float64 array (pass batches for a memory-mapped X)."""
        mean, scale = self._fitted()
        X = _as_2d(X, "X")
        if X.shape[1] != len(mean):
            raise DataError(
                f"X has {X.shape[1]} columns; the Standardizer was fitted on {len(mean)}"
            )
        X = np.asarray(X, dtype=np.float64)
        try:
            with np.errstate(over="raise", under="ignore"):  # finite in, finite out: no silent inf
                return (X - mean) / scale
        except FloatingPointError:
            with np.errstate(over="ignore"):
                bad = ~np.isfinite((X - mean) / scale) & np.isfinite(X)
            j = int(np.flatnonzero(bad.any(axis=0))[0])
            raise DataError(
                f"X column {j}: values too far from the training data to standardise "
                f"(mean {mean[j]:.3g}, scale {scale[j]:.3g}: beyond float64's range)"
            ) from None

    def fit_transform(self, X: Any) -> np.ndarray:
        """``fit(X)`` then ``transform(X)``."""
        return self.fit(X).transform(X)

    def inverse_transform(self, Z: Any) -> np.ndarray:
        """``Z * scale_ + mean_``: back to the original units."""
        mean, scale = self._fitted()
        Z = _as_2d(Z, "Z")
        if Z.shape[1] != len(mean):
            raise DataError(
                f"Z has {Z.shape[1]} columns; the Standardizer was fitted on {len(mean)}"
            )
        return np.asarray(Z, dtype=np.float64) * scale + mean

    def to_dict(self) -> dict[str, Any]:
        """JSON-able state ``{"mean": [...], "scale": [...]}``; floats round-trip exactly."""
        mean, scale = self._fitted()
        return {"mean": mean.tolist(), "scale": scale.tolist()}

    @classmethod
    def from_dict(cls, state: Mapping[str, Any]) -> Standardizer:
        """Rebuild from ``to_dict()`` output (for example read back from a model's JSON file)."""
        try:
            mean = np.array(state["mean"], dtype=np.float64)
            scale = np.array(state["scale"], dtype=np.float64)
        except (KeyError, TypeError, ValueError):
            raise DataError(
                "Standardizer state needs lists 'mean' and 'scale' (see to_dict())"
            ) from None
        ok = mean.ndim == scale.ndim == 1 and mean.shape == scale.shape and len(mean) > 0
        if not ok or not all(map(math.isfinite, [*mean, *scale])) or (scale <= 0).any():
            raise DataError(
                "Standardizer state: 'mean', 'scale' must be equal finite lists, scale > 0"
            )
        new = cls()
        new.mean_, new.scale_ = mean, scale
        return new

    def _fitted(self) -> tuple[np.ndarray, np.ndarray]:
        if self.mean_ is None or self.scale_ is None:
            raise DataError("the Standardizer is not fitted; call fit(X_train) first")
        return self.mean_, self.scale_
