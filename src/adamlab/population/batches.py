"""A population's mini-batches: each member's training rows, an epoch's order of its own.

Member k's batch b is rows ``perm[k, b·bs:(b+1)·bs]`` of its training set, as its single run's
trainer takes them (``X[idx]``, ``t[idx]``); the members' sets are stacked ``(K, n, ·)``, and a
batch of all members is one ``take`` over the stacked rows (of the inputs, of the targets).
"""

from __future__ import annotations

import numpy as np

__all__ = ["Batches"]


class Batches:
    """The stacked training rows ``X`` (K, n, f) and targets ``T`` (K, n, ·) in batches of
    ``bs``: ``epoch(perm)`` sets the epoch's orders (K, n), ``batch(b)`` gives batch b's inputs
    (K, m, f) and targets (K, m, ·)."""

    def __init__(self, X: np.ndarray, T: np.ndarray, bs: int) -> None:
        self.X, self.T, self.bs = X, T, bs
        self.flat = np.empty((X.shape[0], 0), dtype=np.intp)

    def take(self, keep: np.ndarray) -> None:
        """Keep the members ``keep`` (in that order)."""
        self.X, self.T = self.X[keep], self.T[keep]

    def epoch(self, perm: np.ndarray) -> None:
        """This epoch's order of each member's rows (K, n)."""
        K, n = perm.shape
        self.flat = perm + (np.arange(K) * n)[:, None]  # rows of the stacked (K·n, ·) data

    def batch(self, b: int) -> tuple[np.ndarray, np.ndarray]:
        K, n = self.flat.shape
        idx = self.flat[:, b * self.bs:(b + 1) * self.bs].ravel()
        m = len(idx) // K
        X, T = self.X, self.T
        xb = X.reshape(K * n, *X.shape[2:]).take(idx, axis=0)
        tb = T.reshape(K * n, *T.shape[2:]).take(idx, axis=0)
        return xb.reshape(K, m, *X.shape[2:]), tb.reshape(K, m, *T.shape[2:])
