"""A population's mini-batches: each member's training rows, an epoch's order of its own.

Member k's batch b is rows ``perm[k, b·bs:(b+1)·bs]`` of its training set, as its single run's
trainer takes them (``X[idx]``, ``t[idx]``). The members' sets are stacked ``(K, n, ·)``; at an
epoch's start every row of every member is gathered once, in the epoch's order, batch by batch
(batch b of all members is one contiguous block: no gather per step). One ``take`` per epoch
and array (inputs, targets) into arrays kept from epoch to epoch: a gather per step paid a
cache miss per row (the step's work had evicted the data), and fresh arrays per epoch their
page faults.
"""

from __future__ import annotations

import numpy as np

__all__ = ["Batches"]


class Batches:
    """The stacked training rows ``X`` (K, n, f) and targets ``T`` (K, n, ·) in batches of
    ``bs``: ``epoch(perm)`` orders them by the epoch's orders (K, n), ``batch(b)`` gives batch
    b's inputs (K, m, f) and targets (K, m, ·) (views, valid until the next epoch)."""

    def __init__(self, X: np.ndarray, T: np.ndarray, bs: int) -> None:
        self.data, self.bs = (X, T), bs
        self._ordered: tuple[np.ndarray, ...] = ()
        self._order = np.empty(0, dtype=np.intp)

    def take(self, keep: np.ndarray) -> None:
        """Keep the members ``keep`` (in that order)."""
        self.data = tuple(a[keep] for a in self.data)
        self._ordered = ()

    def epoch(self, perm: np.ndarray) -> None:
        """Gather every member's rows in this epoch's order (perm: (K, n), each member's)."""
        K, n = perm.shape
        flat = perm + (np.arange(K) * n)[:, None]  # rows of the stacked (K·n, ·) data
        if self._order.size != K * n:
            self._order = np.empty(K * n, dtype=np.intp)
        order, bs = self._order, self.bs
        full = n // bs * bs
        # batch-major: batch b's rows of member 0, of member 1, ...; then the short last batch
        order[:K * full].reshape(n // bs, K, bs)[...] = flat[:, :full].reshape(
            K, n // bs, bs).transpose(1, 0, 2)
        order[K * full:] = flat[:, full:].ravel()
        if not self._ordered:
            self._ordered = tuple(np.empty((K * n, *a.shape[2:]), a.dtype) for a in self.data)
        for a, out in zip(self.data, self._ordered, strict=True):
            # mode="clip": every index is in range, and unlike "raise" it takes into out
            # without a buffer
            np.take(a.reshape(K * n, *a.shape[2:]), order, axis=0, out=out, mode="clip")

    def batch(self, b: int) -> tuple[np.ndarray, np.ndarray]:
        X, _ = self.data
        K, n = X.shape[:2]
        s0, s1 = b * self.bs, min(n, (b + 1) * self.bs)
        xb, tb = (a[K * s0:K * s1].reshape(K, s1 - s0, *a.shape[1:]) for a in self._ordered)
        return xb, tb
