"""Features for prediction: a file or built-in set -> the ``X`` a trained model expects.

``adamlab predict --model DIR --data PATH`` knows the model's ``feature_names`` and needs the
same columns, in the same order, from new data::

    X, y_raw = load_features("new.csv", ["age", "color=blue", "color=red"], target="label")

CSV columns are matched **by name**, so their order in the file does not matter:

* a numeric feature ``age`` is read from the column ``age``, whose cells must be finite numbers;
* one-hot features ``color=blue``, ``color=red`` are rebuilt from the text column ``color``: 1
  where the cell equals the category, else 0. A category the model never saw in training gives
  a row of zeros in that group (the model then sees "none of the known values"), and an
  :class:`UnseenCategoryWarning` per column naming it, the first unseen values, how many there
  are and in how many rows; ``strict=True`` makes that a DataError instead;
* columns the model does not use are ignored, so a file can carry ids, notes or extra
  measurements alongside the features;
* the target column, if ``target`` names one the file has, is returned raw (float64 if every
  cell is a number, else the cells as text) and never read as a feature. If the file has no such
  column, or ``target`` is None, the labels returned are None: unlike training, the last column
  is not taken for the target.

``.npy`` files hold ``X`` only; ``.npz`` archives hold ``X`` and optionally the labels (``y``,
or ``target``). Their column count must equal the number of features; names cannot be checked.
A built-in name (``moons``) loads that set at its default size and seed, its features picked by
name, with its labels mapped back to the original class values.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from adamlab.data.arrays import check_features, check_labels, read_npy, read_npz
from adamlab.data.csvfile import (
    check_filled,
    list_columns,
    numbers_or_text,
    numeric_column,
    read_table,
    separator_hint,
)
from adamlab.data.errors import DataError, UnseenCategoryWarning, show
from adamlab.data.files import builtin_key, check_file, is_file_source
from adamlab.data.registry import load_dataset


def load_features(
    source: str | Path, feature_names: Sequence[str], *, target: str | None = None,
    strict: bool = False,
) -> tuple[np.ndarray, np.ndarray | None]:
    """X (float64, columns in the order of ``feature_names``) and, if the file has the target
    column, its raw values (else None).

    ``source`` is a built-in data set name or a .csv/.tsv, .npy or .npz path; see the module
    docstring for how columns are matched, and what happens to extra columns and categories
    unseen in training (an :class:`UnseenCategoryWarning`, or with ``strict`` a DataError).
    Every bad input raises a one-line :class:`DataError`.
    """
    names = [str(f) for f in feature_names]
    if not names:
        raise DataError("feature_names is empty; pass the names the model was trained on")
    if not is_file_source(source):
        return _from_builtin(builtin_key(source), names)
    path = Path(str(source))
    suffix = check_file(path)
    try:
        if suffix == ".npy":
            return _from_npy(path, names), None
        if suffix == ".npz":
            return _from_npz(path, names, target)
        return _from_csv(path, names, target, strict)
    except PermissionError as err:
        raise DataError(f"cannot read {err.filename or path}: permission denied") from None


def _from_builtin(key: str, names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    ds = load_dataset(key)
    index = {f: j for j, f in enumerate(ds.feature_names)}
    missing = [f for f in names if f not in index]
    if missing:
        raise DataError(
            f"built-in data set {key!r} has no feature {_quoted(missing)} the model was trained "
            f"on (its features: {list_columns(ds.feature_names)}); give a file with those columns"
        )
    X = np.ascontiguousarray(ds.X[:, [index[f] for f in names]])
    y = ds.y if ds.classes is None else np.asarray(ds.classes)[ds.y]
    return X, y


def _check_width(X: np.ndarray, names: list[str], src: str) -> np.ndarray:
    X = check_features(X, src, mmap=False)
    if X.shape[1] != len(names):
        raise DataError(
            f"{src} has {X.shape[1]} columns but the model was trained on {len(names)} features "
            f"({list_columns(names)}); give the same columns in the same order"
        )
    return X


def _from_npy(path: Path, names: list[str]) -> np.ndarray:
    return _check_width(read_npy(path, "X", False), names, str(path))


def _from_npz(
    path: Path, names: list[str], target: str | None
) -> tuple[np.ndarray, np.ndarray | None]:
    key = "y" if target is None else str(target)
    X, y = read_npz(path, key, need_labels=False)
    x_src = f"{path} array 'X'"
    X = _check_width(X, names, x_src)
    return X, None if y is None else check_labels(y, len(X), x_src, f"{path} array {key!r}")


def _source_column(feature: str, header: set[str]) -> tuple[str, str | None] | None:
    """(column, None) for a numeric feature, (column, category) for a one-hot one, or None."""
    if feature in header:
        return feature, None
    for pos, char in enumerate(feature):
        if char == "=" and feature[:pos] in header:
            return feature[:pos], feature[pos + 1 :]
    return None


def _from_csv(
    path: Path, names: list[str], target: str | None, strict: bool = False
) -> tuple[np.ndarray, np.ndarray | None]:
    header, t, rows, lines = read_table(path, target, labelled=False)
    columns = set(header)
    sources = [_source_column(f, columns) for f in names]
    absent = (f.split("=")[0] for f, s in zip(names, sources, strict=True) if s is None)
    missing = list(dict.fromkeys(absent))
    if missing:
        raise DataError(
            f"{path} lacks the column{'s' * (len(missing) > 1)} {_quoted(missing)} the model was "
            f"trained on{separator_hint(path, header)}; its columns are: {list_columns(header)}"
        )
    if t >= 0 and any(column == target for column, _ in sources):
        raise DataError(f"{path}: {target!r} is a feature of the model, so it cannot be the target")
    index = {name: j for j, name in enumerate(header)}
    cells: dict[str, list[str]] = {}
    for column, _ in sources:
        if column not in cells:
            cells[column] = [row[index[column]] for row in rows]
            check_filled(path, column, cells[column], lines, "a value")
    X = np.empty((len(rows), len(names)))
    text: dict[str, np.ndarray] = {}
    for k, (column, category) in enumerate(sources):
        if category is None:
            X[:, k] = numeric_column(path, column, cells[column], lines)
        else:  # one-hot; a category unseen in training matches no feature: a row of zeros
            if column not in text:
                text[column] = np.array(cells[column], dtype=str)
            X[:, k] = text[column] == category
    _unseen(path, sources, text, strict)
    return X, None if t < 0 else _raw_target(path, header[t], [row[t] for row in rows], lines)


def _unseen(path: Path, sources: list, text: dict[str, np.ndarray], strict: bool) -> None:
    """Warn, once per categorical column, of values the model never saw (or refuse them)."""
    known: dict[str, list[str]] = {}
    for column, category in sources:
        if category is not None:
            known.setdefault(column, []).append(category)
    said = []
    for column, categories in known.items():
        cells = text[column]
        new = ~np.isin(cells, categories)
        if not new.any():
            continue
        values = list(dict.fromkeys(cells[new].tolist()))
        shown = ", ".join(show(v) for v in values[:5]) + (", ..." if len(values) > 5 else "")
        rows = int(np.count_nonzero(new))
        said.append(
            f"column {column!r} has {len(values)} value{'s' * (len(values) > 1)} never seen in "
            f"training ({shown}) in {rows} of {len(cells)} rows (the model knows "
            f"{_quoted(categories)})")
    if said and strict:
        raise DataError(f"{path}: " + "; ".join(said) + "; refused (strict=True, predict "
                        "--strict): without it they are encoded as all zeros")
    for message in said:
        warnings.warn(f"{path}: {message}: encoded as all zeros; strict=True (predict --strict) "
                      "refuses them", UnseenCategoryWarning, stacklevel=4)


def _raw_target(path: Path, name: str, cells: list[str], lines: list[int]) -> np.ndarray:
    """The target column as float64 if it holds only numbers (finite), else as text."""
    check_filled(path, name, cells, lines, "the target")
    values = numbers_or_text(cells)
    if values.dtype.kind == "f" and not np.isfinite(values).all():
        i = int(np.flatnonzero(~np.isfinite(values))[0])
        raise DataError(
            f"{path}: target column {name!r} is {cells[i]} at line {lines[i]}; targets must be "
            "finite, fix or drop the row (or drop the column to predict without it)"
        )
    return values


def _quoted(names: Sequence[str]) -> str:
    shown = ", ".join(repr(n) for n in names[:10])
    return shown + (f", ... ({len(names)} in all)" if len(names) > 10 else "")
