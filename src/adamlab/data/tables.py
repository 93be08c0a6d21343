"""Fixed tables: the article's 100 points and the data sets that ship inside scikit-learn."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np

from adamlab.data.errors import DataError

Table = tuple[np.ndarray, np.ndarray, tuple[str, ...], tuple[Any, ...]]


def article() -> Table:
    """The article's listing, bit for bit, without touching NumPy's global random state::

    np.random.seed(42); X = np.random.rand(100, 2); y = (X[:, 0] + X[:, 1] > 1).astype(int)
    """
    X = np.random.RandomState(42).rand(100, 2)
    y = (X[:, 0] + X[:, 1] > 1).astype(np.int64)
    return X, y, ("x0", "x1"), (0, 1)


def sklearn_datasets(name: str) -> ModuleType:
    """``sklearn.datasets``, or a DataError saying how to install scikit-learn."""
    try:
        import sklearn.datasets
    except ImportError as err:  # pragma: no cover - scikit-learn is a dependency
        raise DataError(
            f"the {name!r} data set needs scikit-learn; install it with: pip install scikit-learn"
        ) from err
    return sklearn.datasets


def _sklearn_table(loader: str, name: str) -> Table:
    bunch = getattr(sklearn_datasets(name), loader)()
    X = np.ascontiguousarray(bunch.data, dtype=np.float64)
    y = np.asarray(bunch.target, dtype=np.int64)
    classes = tuple(np.asarray(bunch.target_names)[np.arange(y.max() + 1)].tolist())
    return X, y, tuple(str(f) for f in bunch.feature_names), classes


def breast_cancer() -> Table:
    """Wisconsin diagnostic breast cancer: 569 x 30, classes ('malignant', 'benign')."""
    return _sklearn_table("load_breast_cancer", "breast-cancer")


def wine() -> Table:
    """UCI wine recognition: 178 x 13, classes ('class_0', 'class_1', 'class_2')."""
    return _sklearn_table("load_wine", "wine")


def digits() -> Table:
    """UCI handwritten digits: 1797 x 64 pixel intensities 0..16, classes 0..9."""
    return _sklearn_table("load_digits", "digits")


def diabetes() -> Table:
    """Efron et al.'s diabetes data: 442 patients x 10 baseline measurements (age, sex, BMI,
    blood pressure, six serum measurements; scikit-learn's, each column centred and scaled),
    the target a measure of disease progression one year later (25 … 346): regression."""
    bunch = sklearn_datasets("diabetes").load_diabetes()
    X = np.ascontiguousarray(bunch.data, dtype=np.float64)
    y = np.asarray(bunch.target, dtype=np.float64)
    return X, y, tuple(str(f) for f in bunch.feature_names), None

