"""What the user points at: a file path (by its extension) or a built-in name, -> ``Dataset``."""

from __future__ import annotations

import errno
import os
from pathlib import Path

from adamlab.data.arrays import load_npy, load_npz
from adamlab.data.csvfile import load_csv
from adamlab.data.dataset import Dataset
from adamlab.data.errors import DataError
from adamlab.data.registry import DATASETS, get_dataset_spec, load_dataset

CSV_SUFFIXES = (".csv", ".tsv", ".tab", ".txt")
FILE_SUFFIXES = (*CSV_SUFFIXES, ".npy", ".npz")


def check_file(path: Path) -> str:
    """The lower-case suffix of ``path``, once it is known to be a file of a type adamlab reads."""
    try:
        os.stat(path)
    except OSError as e:
        if e.errno == errno.ELOOP or path.is_symlink():
            raise DataError(f"data file {str(path)!r} leads nowhere: a symbolic link on its way "
                            "loops, or points at nothing; point it at a real file") from None
    if not path.exists():
        raise DataError(
            f"data file {str(path)!r} does not exist (resolved: {os.path.abspath(path)})")
    if path.is_dir():
        raise DataError(f"{path} is a folder; give a .csv, .tsv, .npy or .npz file inside it")
    if not path.is_file():
        raise DataError(f"{path} is not a regular file (a device, a pipe or a socket); give a "
                        f"{', '.join(FILE_SUFFIXES)} file")
    suffix = path.suffix.lower()
    if suffix not in FILE_SUFFIXES:
        got = f"not {suffix} files" if suffix else "and this name has no suffix"
        raise DataError(
            f"{path}: adamlab reads {', '.join(FILE_SUFFIXES)} files, {got}; "
            "export the data as CSV (or name the file by its type)"
        )
    return suffix


def is_file_source(source: str | Path) -> bool:
    """Whether ``--data SOURCE`` names a file (by its suffix, or by existing) or a built-in set."""
    path = Path(str(source))
    return path.suffix.lower() in FILE_SUFFIXES or (_key(source) not in DATASETS and path.exists())


def builtin_key(source: str | Path) -> str:
    """The registry key of a built-in data set name, or a DataError offering names and files."""
    key = _key(source)
    try:
        get_dataset_spec(key)
    except DataError as err:
        raise DataError(f"{err}; or give the path of a {', '.join(FILE_SUFFIXES)} file") from None
    return key


def _key(source: str | Path) -> str:
    return str(source).strip().lower().replace("_", "-")


def load_file(
    path: str | Path,
    target: str | None = None,
    *,
    task: str | None = None,
    mmap: bool = False,
) -> Dataset:
    """A Dataset from a .csv/.tsv (``target`` = column), .npy (``target`` = y.npy) or .npz file.

    ``task`` forces "binary", "multiclass", "classification" or "regression" instead of the
    guess; ``mmap=True`` memory-maps a float64 ``.npy`` instead of reading it whole.
    """
    path = Path(path)
    suffix = check_file(path)
    if mmap and suffix != ".npy":
        raise DataError(f"{path}: memory mapping works for .npy files only; drop mmap or use .npy")
    try:
        if suffix == ".npy":
            return load_npy(path, target, task, mmap=mmap)
        if suffix == ".npz":
            return load_npz(path, target, task)
        return load_csv(path, target, task)
    except PermissionError as err:
        raise DataError(f"cannot read {err.filename or path}: permission denied") from None


def load_data(
    source: str | Path = "article",
    *,
    target: str | None = None,
    task: str | None = None,
    n_samples: int | None = None,
    noise: float | None = None,
    seed: int = 0,
    mmap: bool = False,
) -> Dataset:
    """``--data SOURCE``: a built-in name (``moons``) or a path (``data.csv``), -> Dataset."""
    if is_file_source(source):
        if n_samples is not None or noise is not None:
            raise DataError(f"n_samples and noise apply to synthetic data sets, not to {source}")
        return load_file(Path(str(source)), target, task=task, mmap=mmap)
    key = builtin_key(source)
    if target is not None or task is not None or mmap:
        raise DataError(f"{key!r} is a built-in data set; target, task and mmap apply to files")
    return load_dataset(key, n_samples=n_samples, noise=noise, seed=seed)
