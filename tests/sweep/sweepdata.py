"""Small data for sweep tests: a regression file on which plain SGD diverges at lr 3."""

from pathlib import Path

import numpy as np


def regression_file(directory: Path) -> Path:
    """80 rows, y = 3·x0 - 2·x1 + noise, as an .npz (a file each worker loads by its path)."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 2))
    y = X @ np.array([3.0, -2.0]) + 0.3 * rng.normal(size=80)
    path = directory / "reg.npz"
    np.savez(path, X=X, y=y)
    return path


#: One grid for the CLI tests: sgd at lr 3 diverges (40 epochs), everything else finishes.
GRID = ["--optimizers", "adam,sgd", "--lrs", "0.01,0.3,3", "--seeds", "2", "--epochs", "40"]
