"""Two-dimensional toy problems: ``(n_samples, noise, seed) -> (X, y)``, deterministic in ``seed``.

moons, circles and blobs come from scikit-learn (imported here, lazily, so that
``import adamlab.data`` stays fast); xor and spirals are written out below.
"""

from __future__ import annotations

from types import ModuleType

import numpy as np

from adamlab.data.errors import DataError

Arrays = tuple[np.ndarray, np.ndarray]

SPIRAL_TURNS = 1.5
# Three blob centres on a circle of radius 2, at 90°, 210° and 330°.
BLOB_CENTRES = 2.0 * np.array([[0.0, 1.0], [-np.sqrt(3) / 2, -0.5], [np.sqrt(3) / 2, -0.5]])


def sklearn_datasets(name: str) -> ModuleType:
    """``sklearn.datasets``, or a DataError saying how to install scikit-learn."""
    try:
        import sklearn.datasets
    except ImportError as err:  # pragma: no cover - scikit-learn is a dependency
        raise DataError(
            f"the {name!r} data set needs scikit-learn; install it with: pip install scikit-learn"
        ) from err
    return sklearn.datasets


def moons(n_samples: int, noise: float, seed: int) -> Arrays:
    """Two interleaving half circles; Gaussian noise of std ``noise`` on each coordinate."""
    X, y = sklearn_datasets("moons").make_moons(n_samples=n_samples, noise=noise, random_state=seed)
    return X, y.astype(np.int64)


def circles(n_samples: int, noise: float, seed: int) -> Arrays:
    """A circle of radius 0.5 (class 1) inside one of radius 1 (class 0), plus Gaussian noise."""
    X, y = sklearn_datasets("circles").make_circles(
        n_samples=n_samples, noise=noise, factor=0.5, random_state=seed
    )
    return X, y.astype(np.int64)


def blobs(n_samples: int, noise: float, seed: int) -> Arrays:
    """Three isotropic Gaussian blobs around ``BLOB_CENTRES``; ``noise`` is their std."""
    X, y = sklearn_datasets("blobs").make_blobs(
        n_samples=n_samples, centers=BLOB_CENTRES, cluster_std=noise, random_state=seed
    )
    return X, y.astype(np.int64)


def xor(n_samples: int, noise: float, seed: int) -> Arrays:
    """Uniform points in [-1, 1]², class 1 where x0 and x1 differ in sign, then Gaussian noise."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1.0, 1.0, size=(n_samples, 2))
    y = ((X[:, 0] > 0) != (X[:, 1] > 0)).astype(np.int64)  # labels from the clean points
    X += noise * rng.standard_normal(X.shape)
    return X, y


def spirals(n_samples: int, noise: float, seed: int) -> Arrays:
    """Two interleaved spirals of ``SPIRAL_TURNS`` turns; class 1 is class 0 turned by 180°."""
    rng = np.random.default_rng(seed)
    y = rng.permutation(np.arange(n_samples) % 2).astype(np.int64)  # balanced, shuffled
    r = np.sqrt(rng.uniform(0.0, 1.0, n_samples))  # radius in [0, 1], even density along the arm
    theta = 2 * np.pi * SPIRAL_TURNS * r  # r = θ / (2π·turns): an Archimedean spiral
    X = r[:, None] * np.column_stack([np.cos(theta), np.sin(theta)])
    X[y == 1] *= -1.0
    X += noise * rng.standard_normal(X.shape)
    return X, y
