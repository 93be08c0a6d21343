"""Names a user types (``--data moons``, ``load_dataset("wine")``) -> built-in data sets.

One table shared by the CLI, the estimators and the docs. Synthetic entries take
``n_samples``, ``noise`` and ``seed``; fixed tables (the article's points, the scikit-learn
sets) are the same whatever the seed, and refuse ``n_samples``/``noise`` rather than ignore them.
"""

from __future__ import annotations

import difflib
import math
import numbers
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from adamlab.data import synthetic, tables
from adamlab.data.dataset import Dataset
from adamlab.data.errors import DataError


@dataclass(frozen=True)
class DatasetSpec:
    """A named data set: its loader, task, one-line description and default size and noise.

    For a synthetic entry ``loader(n_samples, noise, seed) -> (X, y)``; for a fixed table
    ``loader() -> (X, y, feature_names, classes)`` and ``n_samples`` is its number of rows.
    """

    loader: Callable[..., tuple]
    task: str
    description: str
    n_samples: int
    noise: float | None = None
    n_classes: int = 2

    @property
    def synthetic(self) -> bool:
        """Whether ``n_samples``, ``noise`` and ``seed`` change the data."""
        return self.noise is not None


_MOONS = "two interleaving half circles (scikit-learn make_moons)"
_CIRCLES = "a circle inside a circle twice its size (scikit-learn make_circles)"
_XOR = "uniform points in [-1, 1]², class 1 where x0 and x1 differ in sign"
_SPIRALS = "two interleaved spirals of 1.5 turns, one per class"
_BLOBS = "three Gaussian blobs on a triangle, 3 classes; noise is their std"

DATASETS: dict[str, DatasetSpec] = {
    "article": DatasetSpec(
        tables.article, "binary", "the article's 100 points in the unit square, x0 + x1 > 1", 100
    ),
    "moons": DatasetSpec(synthetic.moons, "binary", _MOONS, n_samples=500, noise=0.2),
    "circles": DatasetSpec(synthetic.circles, "binary", _CIRCLES, n_samples=500, noise=0.1),
    "xor": DatasetSpec(synthetic.xor, "binary", _XOR, n_samples=500, noise=0.1),
    "spirals": DatasetSpec(synthetic.spirals, "binary", _SPIRALS, n_samples=500, noise=0.05),
    "blobs": DatasetSpec(synthetic.blobs, "multiclass", _BLOBS, 500, noise=0.6, n_classes=3),
    "breast-cancer": DatasetSpec(
        tables.breast_cancer,
        "binary",
        "569 breast tumours, 30 cell-nucleus measurements, malignant or benign (scikit-learn)",
        n_samples=569,
    ),
    "wine": DatasetSpec(
        tables.wine,
        "multiclass",
        "178 wines, 13 chemical measurements, 3 cultivars (scikit-learn)",
        n_samples=178,
        n_classes=3,
    ),
    "digits": DatasetSpec(
        tables.digits,
        "multiclass",
        "1797 handwritten digits, 8x8 = 64 pixel intensities 0..16, 10 classes (scikit-learn)",
        n_samples=1797,
        n_classes=10,
    ),
    "diabetes": DatasetSpec(
        tables.diabetes,
        "regression",
        "442 patients, 10 baseline measurements, disease progression a year later (scikit-learn)",
        n_samples=442,
        n_classes=0,
    ),
}

SYNTHETIC = tuple(name for name, spec in DATASETS.items() if spec.synthetic)


def _key(name: str) -> str:
    return str(name).strip().lower().replace("_", "-")


def get_dataset_spec(name: str) -> DatasetSpec:
    """The entry for ``name`` (case and ``_``/``-`` ignored), or a DataError listing the names."""
    key = _key(name)
    if key not in DATASETS:
        close = difflib.get_close_matches(key, DATASETS, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise DataError(f"unknown data set {name!r}{hint}; choose one of: {', '.join(DATASETS)}")
    return DATASETS[key]


def load_dataset(
    name: str = "article", n_samples: int | None = None, noise: float | None = None, seed: int = 0
) -> Dataset:
    """Load a built-in data set by name; ``n_samples``/``noise`` only for the synthetic ones."""
    key = _key(name)
    spec = get_dataset_spec(key)
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise DataError(f"seed must be an integer such as 0, got {seed!r}")
    if not spec.synthetic:
        if n_samples is not None and n_samples != spec.n_samples:
            raise DataError(
                f"{key!r} is a fixed table of {spec.n_samples} rows, so n_samples does not apply; "
                f"it does for the synthetic sets: {', '.join(SYNTHETIC)}"
            )
        if noise is not None:
            raise DataError(
                f"{key!r} is a fixed table, so noise does not apply; "
                f"it does for the synthetic sets: {', '.join(SYNTHETIC)}"
            )
        X, y, feature_names, classes = spec.loader()
        return Dataset(X, y, feature_names, classes, spec.task, key, spec.description)

    n = spec.n_samples if n_samples is None else n_samples
    least = 2 * spec.n_classes
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < least:
        raise DataError(f"n_samples for {key!r} must be an integer >= {least}, got {n_samples!r}")
    sigma = spec.noise if noise is None else noise
    if isinstance(sigma, bool) or not isinstance(sigma, numbers.Real) or not sigma >= 0:
        raise DataError(f"noise for {key!r} must be a number >= 0 like {spec.noise}, not {noise!r}")
    if not math.isfinite(sigma):
        raise DataError(f"noise for {key!r} must be finite, e.g. {spec.noise}, not {noise!r}")
    X, y = spec.loader(int(n), float(sigma), int(seed))
    description = f"{spec.description} ({n} samples, noise {sigma:g}, seed {seed})"
    classes = tuple(range(spec.n_classes))
    return Dataset(X.astype(np.float64), y, ("x0", "x1"), classes, spec.task, key, description)
