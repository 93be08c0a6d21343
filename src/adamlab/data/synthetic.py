"""Two-dimensional toy problems: ``(n_samples, noise, seed) -> (X, y)``, deterministic in ``seed``.

moons, circles and blobs are scikit-learn's ``make_moons``, ``make_circles`` and ``make_blobs``
(scikit-learn 1.9), written out here draw for draw from the same ``RandomState(seed)``: the same
points, to the bit (tests/data/test_synthetic_sklearn.py compares them with the installed
scikit-learn), without importing scikit-learn, which takes longer (~1 s) than training on them
in a sweep's worker or a ``compare``. xor and spirals are adamlab's own.
"""

from __future__ import annotations

import numpy as np

Arrays = tuple[np.ndarray, np.ndarray]

SPIRAL_TURNS = 1.5
# Three blob centres on a circle of radius 2, at 90°, 210° and 330°.
BLOB_CENTRES = 2.0 * np.array([[0.0, 1.0], [-np.sqrt(3) / 2, -0.5], [np.sqrt(3) / 2, -0.5]])


def _two_classes(outer: tuple[np.ndarray, np.ndarray], inner: tuple[np.ndarray, np.ndarray],
                 noise: float, rng: np.random.RandomState) -> Arrays:
    """Class 0 then class 1, shuffled, then noise: ``make_moons``/``make_circles``'s ending."""
    X = np.vstack([np.append(outer[0], inner[0]), np.append(outer[1], inner[1])]).T
    y = np.hstack([np.zeros(outer[0].size, dtype=np.int64), np.ones(inner[0].size, np.int64)])
    X, y = _shuffled(rng, X, y)
    X += rng.normal(scale=noise, size=X.shape)
    return X, y


def _shuffled(rng: np.random.RandomState, X: np.ndarray, y: np.ndarray) -> Arrays:
    """``sklearn.utils.shuffle(X, y, random_state=rng)``: one in-place shuffle of the indices."""
    order = np.arange(len(y))
    rng.shuffle(order)
    return X[order], y[order]


def moons(n_samples: int, noise: float, seed: int) -> Arrays:
    """Two interleaving half circles; Gaussian noise of std ``noise`` on each coordinate."""
    n_out = n_samples // 2
    n_in = n_samples - n_out
    rng = np.random.RandomState(seed)
    t_out, t_in = np.linspace(0, np.pi, n_out), np.linspace(0, np.pi, n_in)
    return _two_classes((np.cos(t_out), np.sin(t_out)),
                        (1 - np.cos(t_in), 1 - np.sin(t_in) - 0.5), noise, rng)


def circles(n_samples: int, noise: float, seed: int, factor: float = 0.5) -> Arrays:
    """A circle of radius ``factor`` (class 1) inside one of radius 1 (class 0), plus noise."""
    n_out = n_samples // 2
    n_in = n_samples - n_out
    rng = np.random.RandomState(seed)
    t_out = np.linspace(0, 2 * np.pi, n_out, endpoint=False)  # the first point is not the last
    t_in = np.linspace(0, 2 * np.pi, n_in, endpoint=False)
    return _two_classes((np.cos(t_out), np.sin(t_out)),
                        (np.cos(t_in) * factor, np.sin(t_in) * factor), noise, rng)


def blobs(n_samples: int, noise: float, seed: int) -> Arrays:
    """Three isotropic Gaussian blobs around ``BLOB_CENTRES``; ``noise`` is their std. Blob i
    gets ``n // 3`` points, one more for the first ``n % 3``, drawn blob after blob."""
    rng = np.random.RandomState(seed)
    k = len(BLOB_CENTRES)
    counts = [n_samples // k + (i < n_samples % k) for i in range(k)]
    X = np.concatenate([rng.normal(loc=c, scale=noise, size=(n, 2))
                        for c, n in zip(BLOB_CENTRES, counts, strict=True)])
    y = np.repeat(np.arange(k, dtype=np.int64), counts)
    return _shuffled(rng, X, y)


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
