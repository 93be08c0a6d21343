"""``Rows``: some rows of a (possibly huge, memory-mapped) 2-D array, read batch by batch.

Training from a several-GB ``.npy`` must not load it: the trainer asks ``Rows`` for one batch
of row indices at a time, and ``Rows`` reads just those rows, standardises them and casts them
to the model's dtype. For a memory-mapped file the rows are read with ``os.pread`` (consecutive
rows in one call) instead of through the mapping, so the process's resident memory stays
bounded by the batch, not by the part of the file visited so far.

The arithmetic is the same as standardising the whole array first (``(x − μ)/σ``, then the cast),
so a run on ``Rows`` gives bit-identical weights to the same run on the materialised array.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

#: Values per block when a large array is scanned block by block (about 8 MB of float64).
BLOCK_VALUES = 1 << 20


def row_blocks(X: Any) -> list[slice]:
    """Slices of consecutive rows of ``X``, about ``BLOCK_VALUES`` values each: how checks and
    statistics scan an array (or a memory-mapped file, through ``Rows``) without loading it."""
    step = max(1, BLOCK_VALUES // max(1, X.shape[1]))
    return [slice(i, i + step) for i in range(0, X.shape[0], step)]


class Rows:
    """Rows ``rows`` (all when None) of ``X``, optionally through ``scaler``, as ``dtype``.

    Supports what the trainer needs of an array: ``shape``, ``dtype``, ``ndim``, ``len()`` and
    ``rows_view[index_array_or_slice]`` (returns a new ``dtype`` array).
    """

    def __init__(self, X: np.ndarray, rows: np.ndarray | None = None, scaler: Any = None,
                 dtype: Any = np.float64) -> None:
        if X.ndim != 2:
            raise ValueError(f"Rows: X must be 2-D, got shape {X.shape}")
        self.X, self.scaler, self.dtype = X, scaler, np.dtype(dtype)
        self.rows = None if rows is None else np.asarray(rows, dtype=np.int64)
        n = X.shape[0] if self.rows is None else len(self.rows)
        self.shape = (n, X.shape[1])
        self.ndim = 2
        self._file = _file_of(X)

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, key: Any) -> np.ndarray:
        idx = np.arange(self.shape[0])[key] if isinstance(key, slice) else np.asarray(key)
        src = idx if self.rows is None else self.rows[idx]
        block = self._read(src)
        if self.scaler is not None:
            block = self.scaler.transform(block)
        return block.astype(self.dtype, copy=False)

    def _read(self, src: np.ndarray) -> np.ndarray:
        """Rows ``src`` of X in that order, as a new array (pread for a memory-mapped file)."""
        if self._file is None:
            return np.asarray(self.X[src])
        path, offset = self._file
        d, item = self.X.shape[1], self.X.dtype.itemsize
        out = np.empty((len(src), d), dtype=self.X.dtype)
        if len(src) == 0:
            return out
        order = np.argsort(src, kind="stable")
        s = src[order]
        breaks = np.flatnonzero(np.diff(s) != 1) + 1  # runs of consecutive rows: one read each
        starts, ends = np.r_[0, breaks], np.r_[breaks, len(s)]
        sorted_out = np.empty_like(out)
        flat = sorted_out.reshape(-1).view(np.uint8)
        fd = os.open(path, os.O_RDONLY)
        try:
            for a, b in zip(starts, ends, strict=True):
                nbytes = int(b - a) * d * item
                data = os.pread(fd, nbytes, offset + int(s[a]) * d * item)
                if len(data) != nbytes:
                    raise OSError(f"{path}: file shorter than its header says (truncated?)")
                flat[int(a) * d * item:int(a) * d * item + nbytes] = np.frombuffer(data, np.uint8)
        finally:
            os.close(fd)
        out[order] = sorted_out
        return out


def _file_of(X: np.ndarray) -> tuple[str, int] | None:
    """(path, byte offset of row 0) when X is a C-ordered memory map of a whole ``.npy`` array.

    A slice of a memmap keeps the file's ``offset`` attribute but not its data position, so only
    a map that ends exactly at the end of its file (the array ``np.load(mmap_mode="r")`` gives)
    is read with pread; anything else goes through ordinary indexing.
    """
    path = getattr(X, "filename", None)
    if not isinstance(X, np.memmap) or path is None or not X.flags.c_contiguous:
        return None
    try:
        whole = int(X.offset) + X.nbytes == os.path.getsize(path)
    except OSError:
        return None
    return (str(path), int(X.offset)) if whole else None
