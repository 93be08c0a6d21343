"""moons, circles and blobs are scikit-learn's generators written out without importing it: the
same arrays, bit for bit, as the installed scikit-learn's ``make_moons``, ``make_circles`` and
``make_blobs`` with the same arguments (the reference is scikit-learn itself)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import make_blobs, make_circles, make_moons

from adamlab.data import synthetic

CASES = [(1, 0.0, 0), (2, 0.1, 1), (7, 0.25, 3), (100, 0.2, 0), (501, 0.3, 12345)]


@pytest.mark.parametrize(("n", "noise", "seed"), CASES)
def test_moons_are_make_moons(n: int, noise: float, seed: int) -> None:
    X, y = synthetic.moons(n, noise, seed)
    Xs, ys = make_moons(n_samples=n, noise=noise, random_state=seed)
    assert X.tobytes() == Xs.tobytes() and X.shape == Xs.shape
    assert np.array_equal(y, ys) and y.dtype == np.int64


@pytest.mark.parametrize(("n", "noise", "seed"), CASES)
def test_circles_are_make_circles(n: int, noise: float, seed: int) -> None:
    X, y = synthetic.circles(n, noise, seed)
    Xs, ys = make_circles(n_samples=n, noise=noise, factor=0.5, random_state=seed)
    assert X.tobytes() == Xs.tobytes() and np.array_equal(y, ys)


@pytest.mark.parametrize(("n", "noise", "seed"), CASES)
def test_blobs_are_make_blobs(n: int, noise: float, seed: int) -> None:
    X, y = synthetic.blobs(n, noise, seed)
    Xs, ys = make_blobs(n_samples=n, centers=synthetic.BLOB_CENTRES, cluster_std=noise,
                        random_state=seed)
    assert X.tobytes() == Xs.tobytes() and np.array_equal(y, ys) and y.dtype == np.int64


def test_the_two_dimensional_sets_do_not_import_sklearn() -> None:
    import subprocess
    import sys

    code = ("import sys; from adamlab.data import load_data\n"
            "for name in ('moons', 'circles', 'blobs', 'xor', 'spirals'): load_data(name)\n"
            "print('sklearn' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False", out.stderr
