"""NumPy arrays -> ``Dataset``: in memory, from an ``X.npy`` + ``y.npy`` pair, or from an ``.npz``.

Files are read with ``allow_pickle=False``: an object array is refused, never unpickled. A large
``.npy`` can be memory-mapped (``mmap=True``): ``Dataset.X`` is then the read-only ``np.memmap``
itself, never copied, and must be stored as float64.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np

from adamlab.data.dataset import Dataset
from adamlab.data.errors import DataError
from adamlab.data.labels import encode_target
from adamlab.data.rows import Rows, row_blocks


def check_features(X: np.ndarray, src: str, mmap: bool) -> np.ndarray:
    """``X`` as a finite 2-D float64 array (a memmap is checked block by block, not copied)."""
    if X.dtype.kind not in "biuf":
        what = "text" if X.dtype.kind in "US" else f"{X.dtype} values"
        raise DataError(
            f"{src} holds {what}; features must be numbers (save text tables as CSV, "
            "where text columns are one-hot encoded)"
        )
    if X.ndim != 2:
        fix = "X.reshape(-1, 1) for one feature" if X.ndim == 1 else "X.reshape(len(X), -1)"
        raise DataError(
            f"{src} has shape {X.shape}; features need shape (n_samples, n_features), e.g. {fix}"
        )
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise DataError(f"{src} has shape {X.shape}; it needs at least one row and one column")
    if mmap:
        if X.dtype != np.float64:
            raise DataError(
                f"{src} holds {X.dtype}; a memory-mapped X is used as stored, so save it as "
                "float64 (np.save(path, X.astype(np.float64))) or load it without mmap"
            )
    else:
        X = np.ascontiguousarray(X, dtype=np.float64)
    # A memmap is read block by block with pread (``Rows``), so checking a several-GB file does
    # not leave it all mapped into this process's resident memory.
    reader = Rows(X) if mmap else X
    for rows in row_blocks(X):  # finiteness checked block by block
        bad = ~np.isfinite(reader[rows])
        if bad.any():
            r, c = np.argwhere(bad)[0]
            start = rows.start
            raise DataError(
                f"{src}: X[{start + r}, {c}] is {X[start + r, c]}; features must be finite, "
                "so fix or drop that row"
            )
    return X


def check_labels(y: Any, n_rows: int, x_src: str, y_src: str) -> np.ndarray:
    """``y`` as a 1-D array of numbers or text with ``n_rows`` entries ((n, 1) is squeezed)."""
    y = np.asarray(y)
    if y.dtype.kind == "O":
        raise DataError(f"{y_src} holds Python objects; save labels as numbers or str")
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise DataError(
            f"{y_src} has shape {y.shape}; labels need one per row (1-D), "
            "e.g. y.argmax(axis=1) for one-hot labels"
        )
    if len(y) != n_rows:
        raise DataError(
            f"{x_src} has {n_rows} rows but {y_src} has {len(y)} labels; one label per row"
        )
    if y.dtype.kind == "S":
        try:
            y = np.char.decode(y, "utf-8")
        except UnicodeDecodeError:
            raise DataError(f"{y_src} holds bytes that are not UTF-8; save labels as str") from None
    if y.dtype.kind not in "Ubiuf":
        raise DataError(f"{y_src} holds {y.dtype}; labels must be numbers or text")
    return y


def _dataset(
    X: Any,
    y: Any,
    task: str | None,
    feature_names: Sequence[str] | None,
    name: str,
    srcs: tuple[str, str],
    mmap: bool = False,
    target: str | None = None,
) -> Dataset:
    x_src, y_src = srcs
    X = check_features(np.asanyarray(X) if mmap else np.asarray(X), x_src, mmap)
    y = check_labels(y, len(X), x_src, y_src)
    y, classes, kind = encode_target(y, task, y_src, where=lambda i: f"y[{i}]")
    if feature_names is None:
        feature_names = [f"x{j}" for j in range(X.shape[1])]
    if len(feature_names) != X.shape[1]:
        raise DataError(f"{len(feature_names)} feature names for {X.shape[1]} columns of {x_src}")
    description = f"{name}: {len(X)} rows, {X.shape[1]} features"
    return Dataset(X, y, tuple(str(f) for f in feature_names), classes, kind, name, description,
                   target=target)


def from_arrays(
    X: Any,
    y: Any,
    *,
    task: str | None = None,
    feature_names: Sequence[str] | None = None,
    name: str = "arrays",
) -> Dataset:
    """A Dataset from in-memory ``X`` (n, d) and labels ``y`` (n,), encoded as for files."""
    return _dataset(X, y, task, feature_names, name, ("X", "y"))


def _object_error(src: str, role: str) -> DataError:
    fix = "X.astype(np.float64)" if role == "X" else "y.astype(int) or y.astype(str)"
    return DataError(
        f"{src} holds an object array (dtype=object), which adamlab does not unpickle; "
        f"save a plain array instead, e.g. {fix}"
    )


def _header_dtype(fp: IO[bytes]) -> np.dtype | None:
    """The dtype in a .npy header, or None if the header is of a version not read here."""
    version = np.lib.format.read_magic(fp)
    if version == (1, 0):
        return np.lib.format.read_array_header_1_0(fp)[2]
    if version == (2, 0):
        return np.lib.format.read_array_header_2_0(fp)[2]
    return None


def _check_magic(path: Path, magics: tuple[bytes, ...], kind: str, fix: str) -> None:
    with open(path, "rb") as f:
        head = f.read(8)
    if not head.startswith(magics):
        raise DataError(f"{path} is not a NumPy {kind} file (wrong leading bytes); write it {fix}")


def read_npy(path: Path, role: str, mmap: bool) -> np.ndarray:
    _check_magic(path, (b"\x93NUMPY",), ".npy", "with np.save")
    try:
        with open(path, "rb") as f:
            dtype = _header_dtype(f)
        if dtype is not None and dtype.hasobject:
            raise _object_error(str(path), role)
        return np.load(path, mmap_mode="r" if mmap else None, allow_pickle=False)
    except DataError:
        raise
    except (ValueError, OSError, EOFError) as err:
        if "pickle" in str(err) or "object" in str(err).lower():
            raise _object_error(str(path), role) from None
        raise DataError(f"{path} is not a readable .npy file ({err}); use np.save") from None


def load_npy(
    path: str | Path, target: str | Path | None, task: str | None = None, mmap: bool = False
) -> Dataset:
    """Features from ``path`` (.npy), labels from the .npy file ``target``; optionally mmapped."""
    path = Path(path)
    if target is None or Path(target).suffix.lower() != ".npy":
        got = "none" if target is None else repr(str(target))
        raise DataError(
            f"{path} holds features only; pass the labels as a second .npy file "
            f"(--target y.npy), got {got}, or save X and y together in an .npz"
        )
    target = Path(target)
    if not target.is_file():
        raise DataError(f"label file {str(target)!r} does not exist "
                        f"(resolved: {os.path.abspath(target)})")
    X = read_npy(path, "X", mmap)
    if mmap and X.size == 0:
        X = np.asarray(X)
    y = read_npy(target, "y", False)
    return _dataset(X, y, task, None, path.name, (str(path), str(target)), mmap=mmap,
                    target=str(target))


def _npz_member(archive: Any, key: str, src: str) -> np.ndarray:
    with archive.zip.open(f"{key}.npy") as member:
        dtype = _header_dtype(member)
    if dtype is not None and dtype.hasobject:
        raise _object_error(src, "X" if key == "X" else "y")
    try:
        return archive[key]
    except ValueError as err:
        if "pickle" in str(err) or "object" in str(err).lower():
            raise _object_error(src, "X" if key == "X" else "y") from None
        raise


def read_npz(
    path: Path, key: str, *, need_labels: bool = True
) -> tuple[np.ndarray, np.ndarray | None]:
    """The raw arrays ``X`` and ``key`` (None if absent and not ``need_labels``) of an .npz.

    Object arrays are refused, never unpickled.
    """
    fix = "with np.savez(path, X=features, y=labels)"
    _check_magic(path, (b"PK\x03\x04", b"PK\x05\x06"), ".npz", fix)
    try:
        with np.load(path, allow_pickle=False) as archive:
            for k in ("X", key) if need_labels else ("X",):
                if k not in archive.files:
                    held = ", ".join(archive.files) or "no arrays"
                    raise DataError(f"{path} has no array {k!r} (it holds: {held}); save it {fix}")
            X = _npz_member(archive, "X", f"{path} array 'X'")
            y = _npz_member(archive, key, f"{path} array {key!r}") if key in archive.files else None
    except DataError:
        raise
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as err:
        raise DataError(f"{path} is not a readable .npz file ({err}); save it {fix}") from None
    return X, y


def load_npz(path: str | Path, target: str | None = None, task: str | None = None) -> Dataset:
    """Features and labels from the arrays ``X`` and ``y`` (or ``target``) of an .npz archive."""
    path = Path(path)
    key = "y" if target is None else str(target)
    X, y = read_npz(path, key)
    srcs = (f"{path} array 'X'", f"{path} array {key!r}")
    return _dataset(X, y, task, None, path.name, srcs, target=key)
