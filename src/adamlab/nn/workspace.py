"""Scratch arrays reused from one batch to the next, so a training step need not allocate.

A layer asks for ``ws.get((layer, "out"), (n, width))`` and gets the same array every time it
asks with the same key and shape. Arrays are grouped by their number of rows (the batch
size); only the ``max_batch_sizes`` most recently used batch sizes are kept (a training loop
uses the batch size, the last smaller batch and an evaluation size or two).

Arrays handed out are overwritten by the next call with the same batch size: a caller who
keeps a result beyond that must copy it (``MLP.forward`` does).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable

import numpy as np

__all__ = ["Workspace"]


class Workspace:
    def __init__(self, dtype, max_batch_sizes: int = 4) -> None:
        self.dtype = np.dtype(dtype)
        self.max_batch_sizes = int(max_batch_sizes)
        self._by_rows: OrderedDict[int, dict[tuple, np.ndarray]] = OrderedDict()
        # The bucket asked for last: a training loop asks for the same batch size ~10 times
        # per step, and this skips the LRU bookkeeping for all of them.
        self._rows: int | None = None
        self._bucket: dict[tuple, np.ndarray] = {}
        #: Counts the times arrays were let go (a size forgotten, ``clear``): a caller keeping
        #: arrays it got (``nn.fused``) asks again when it changed.
        self.generation = 0

    def get(self, key: Hashable, shape: tuple[int, ...], fill: float | None = None) -> np.ndarray:
        """An uninitialised C-contiguous array of ``shape``, the same one for the same key
        (with ``fill``: filled with that value when created, and never written afterwards)."""
        rows = shape[0]
        if rows == self._rows:
            bucket = self._bucket
        else:
            bucket = self._by_rows.get(rows)
            if bucket is None:
                bucket = self._by_rows[rows] = {}
                while len(self._by_rows) > self.max_batch_sizes:
                    self._by_rows.popitem(last=False)  # forget the least recently used size
                    self.generation += 1
            else:
                self._by_rows.move_to_end(rows)
            self._rows, self._bucket = rows, bucket
        arr = bucket.get((key, shape))
        if arr is None:
            arr = bucket[(key, shape)] = np.empty(shape, dtype=self.dtype)
            if fill is not None:
                arr.fill(fill)
        return arr

    def ones(self, n: int) -> np.ndarray:
        """A vector of ``n`` ones (kept with the batch size ``n``; callers must not write it)."""
        return self.get("ones", (n,), fill=1)

    def clear(self) -> None:
        """Release every array (they are re-created on demand)."""
        self._by_rows.clear()
        self._rows, self._bucket = None, {}
        self.generation += 1

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for bucket in self._by_rows.values() for a in bucket.values())


def buffer(ws: Workspace | None, key: Hashable, shape: tuple[int, ...], dtype) -> np.ndarray:
    """``ws.get(key, shape)``, or a fresh array when there is no workspace."""
    return np.empty(shape, dtype=dtype) if ws is None else ws.get(key, shape)


def ones(ws: Workspace | None, n: int, dtype) -> np.ndarray:
    """``ws.ones(n)``, or a fresh vector of ones when there is no workspace."""
    return np.ones(n, dtype=dtype) if ws is None else ws.ones(n)
