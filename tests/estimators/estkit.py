"""Small data sets for the estimator tests, standardised, cached per session."""

from __future__ import annotations

from functools import cache

import numpy as np
from sklearn.datasets import (
    load_breast_cancer,
    load_digits,
    load_wine,
    make_moons,
    make_multilabel_classification,
    make_regression,
)
from sklearn.preprocessing import StandardScaler


def _scaled(X: np.ndarray) -> np.ndarray:
    return StandardScaler().fit_transform(X)


@cache
def dataset(name: str) -> tuple[np.ndarray, np.ndarray]:
    """(X, y) by name: breast_cancer, wine, digits (600 rows), moons, multilabel, regression,
    regression2 (two targets). X standardised; regression targets standardised."""
    if name == "breast_cancer":
        X, y = load_breast_cancer(return_X_y=True)
    elif name == "wine":
        X, y = load_wine(return_X_y=True)
    elif name == "digits":
        X, y = load_digits(return_X_y=True)
        X, y = X[:600], y[:600]
    elif name == "moons":
        X, y = make_moons(300, noise=0.25, random_state=0)
    elif name == "multilabel":
        X, y = make_multilabel_classification(200, n_features=8, n_classes=3, random_state=0)
    elif name in ("regression", "regression2"):
        X, y = make_regression(200, 6, n_targets=1 if name == "regression" else 2, noise=5.0,
                               random_state=0)
        y = (y - y.mean(axis=0)) / y.std(axis=0)
    else:
        raise KeyError(name)
    return _scaled(X), y
