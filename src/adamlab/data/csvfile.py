"""CSV tables -> ``Dataset``: numbers kept, text one-hot encoded, labels encoded, errors by line.

Rules, in the order they are checked:

* the file is UTF-8 text (a BOM is fine) with a header line naming every column, once; lines
  before the header that start with ``#`` are comments, and skipped;
* the target is the column named by ``target``, or the last one;
* every data row has one value per column; blank lines are skipped; no value may be empty;
* a feature column whose values all parse as numbers is numeric (and must be finite); one that
  is mostly text is one-hot encoded into columns ``name=value`` (at most ``MAX_CATEGORIES``
  values); a mostly-numeric column with a stray word is an error naming that word's line;
* the target follows ``adamlab.data.labels``: text or whole numbers with at most 20 distinct
  values are class labels (``classes`` sorted), other numbers are a regression target.

Line numbers in messages are the file's own, header = line 1, as an editor shows them.

``read_table(..., labelled=False)`` and the cell checks below also serve
``adamlab.data.features``, which reads the columns a trained model needs from a file to predict on.
"""

from __future__ import annotations

import csv
import difflib
import io
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from adamlab.data.dataset import Dataset
from adamlab.data.errors import DataError, show
from adamlab.data.labels import encode_target

MAX_CATEGORIES = 100
_MAGIC_HINTS = {
    b"\x93NUMPY": "a NumPy .npy file; give it a .npy name",
    b"PK\x03\x04": "a zip archive (.npz or .xlsx?); save NumPy arrays as .npz, sheets as CSV",
    b"\x1f\x8b": "gzip-compressed; decompress it first",
}


def read_text(path: Path) -> str:
    """The file's text, or a DataError if it is binary or not UTF-8."""
    data = path.read_bytes()
    for magic, hint in _MAGIC_HINTS.items():
        if data.startswith(magic):
            raise DataError(f"{path} is not CSV text: it looks like {hint}")
    if b"\x00" in data:
        raise DataError(
            f"{path} is not CSV text: it holds NUL bytes at byte {data.index(0)}, so it is binary "
            "(or UTF-16); save it as a UTF-8 CSV"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise DataError(
            f"{path} is not UTF-8 text (byte {data[err.start]:#04x} at offset {err.start}); "
            "save it as a UTF-8 CSV"
        ) from None


def read_table(
    path: Path, target: str | None = None, *, labelled: bool = True
) -> tuple[list[str], int, list[list[str]], list[int]]:
    """Header names, the target's index, data rows (stripped cells) and each row's line number.

    ``labelled=True`` (training): the file needs a feature column and a target, ``target`` or
    the last column. ``labelled=False`` (prediction): any columns will do, and the target index
    is that of ``target`` if the file has such a column, else -1.
    """
    return _read_rows(path, read_text(path), target, labelled)


def _delimiter(path: Path) -> str:
    return "\t" if path.suffix.lower() in (".tsv", ".tab") else ","


def _read_rows(
    path: Path, text: str, target: str | None, labelled: bool = True
) -> tuple[list[str], int, list[list[str]], list[int]]:
    delimiter = _delimiter(path)
    text = _blank_leading_comments(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    header: list[str] | None = None
    t = -1
    rows: list[list[str]] = []
    lines: list[int] = []
    try:
        for row in reader:
            if not any(cell.strip() for cell in row) and len(row) <= 1:
                continue  # a blank line
            cells = [cell.strip() for cell in row]
            if header is None:
                header = cells
                _check_header(path, header, labelled)
                if labelled:
                    t = _target_index(path, header, target)
                elif target is not None and target in header:
                    t = header.index(target)
                continue
            if len(cells) != len(header):
                raise DataError(
                    f"{path} line {reader.line_num} has {len(cells)} values but the header has "
                    f"{len(header)} columns; give every row one value per column"
                )
            rows.append(cells)
            lines.append(reader.line_num)
    except csv.Error as err:
        raise DataError(
            f"{path} line {reader.line_num} is not valid CSV ({err}); check its quotes"
        ) from None
    if header is None:
        raise DataError(f"{path} is empty; write a header line, then one row per sample")
    if not rows:
        raise DataError(f"{path} has a header but no data rows; add one row per sample under it")
    return header, t, rows, lines


def _blank_leading_comments(text: str) -> str:
    """``text`` with the comment lines (``#`` first, as NumPy's ``loadtxt`` reads them) before
    the header made blank: skipped, and the lines after keep their numbers. Done on the text,
    not by the CSV reader, so that a quote in a comment cannot swallow the lines under it."""
    pos = 0
    while pos < len(text):
        end = text.find("\n", pos)
        end = len(text) if end < 0 else end + 1
        line = text[pos:end].strip()
        if line and not line.startswith("#"):
            break
        pos = end
    return "\n" * text.count("\n", 0, pos) + text[pos:] if pos else text


def _check_header(path: Path, header: list[str], labelled: bool) -> None:
    seen: set[str] = set()
    for j, name in enumerate(header):
        if not name:
            raise DataError(f"{path}: column {j + 1} has no name in the header; name every column")
        if name in seen:
            raise DataError(f"{path}: column name {name!r} appears twice in the header")
        seen.add(name)
    if labelled and len(header) < 2:
        hint = separator_hint(path, header) or "; add feature columns before the target"
        raise DataError(
            f"{path} has a single column {show(header[0])}; it needs feature columns "
            f"and a target column{hint}"
        )


def separator_hint(path: Path, header: Sequence[str]) -> str:
    """`` (it looks ';'-separated; ...)`` for a one-column header holding another separator."""
    if len(header) != 1:
        return ""
    delimiter = _delimiter(path)
    other = next((d for d in ";\t|" if d in header[0] and d != delimiter), None)
    return f" (it looks {other!r}-separated; save it comma-separated)" if other else ""


def list_columns(header: Sequence[str]) -> str:
    """The header's names for a message, cut after 20."""
    more = f", ... ({len(header)} in all)" if len(header) > 20 else ""
    return ", ".join(header[:20]) + more


def _target_index(path: Path, header: list[str], target: str | None) -> int:
    if target is None:
        return len(header) - 1
    if target in header:
        return header.index(target)
    folded = [name for name in header if name.casefold() == target.strip().casefold()]
    close = folded or difflib.get_close_matches(target, header, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    listed = list_columns(header)
    raise DataError(f"{path} has no column {target!r}{hint}; its columns are: {listed}")


def _parse_numbers(cells: list[str]) -> tuple[np.ndarray, list[int]]:
    """Cells as float64 (NaN where they are not numbers) and the indices of the non-numbers."""
    try:
        return np.array(cells, dtype=np.float64), []
    except ValueError:
        pass
    values = np.full(len(cells), np.nan)
    bad = []
    for i, cell in enumerate(cells):
        try:
            values[i] = float(cell)
        except ValueError:
            bad.append(i)
    return values, bad


def check_filled(path: Path, name: str, cells: Sequence[str], lines: list[int], what: str) -> None:
    """A DataError at the first empty cell of column ``name``; ``what`` is what to fill in."""
    if "" in cells:
        i = cells.index("")
        raise DataError(
            f"{path}: column {name!r} is empty at line {lines[i]}; fill in {what} "
            "or drop the row (adamlab does not guess missing values)"
        )


def numeric_column(
    path: Path,
    name: str,
    cells: list[str],
    lines: list[int],
    parsed: tuple[np.ndarray, list[int]] | None = None,
) -> np.ndarray:
    """A feature column as finite float64, or a DataError naming the line of the first bad cell.

    ``parsed`` is ``_parse_numbers(cells)`` when the caller has it already.
    """
    values, bad = _parse_numbers(cells) if parsed is None else parsed
    if bad:
        i = bad[0]
        raise DataError(
            f"{path}: column {name!r} holds numbers, but {show(cells[i])} at line {lines[i]} is "
            "not one; fix the value or drop the row"
        )
    nonfinite = np.flatnonzero(~np.isfinite(values))
    if len(nonfinite):
        i = nonfinite[0]
        raise DataError(
            f"{path}: column {name!r} has {show(cells[i])} at line {lines[i]}; features "
            "must be finite numbers, so fill in a value or drop the row"
        )
    return values


def _feature_columns(
    path: Path, name: str, cells: list[str], lines: list[int]
) -> tuple[list[str], np.ndarray]:
    """The feature names and float64 columns (n, k) that one CSV column becomes."""
    parsed = _parse_numbers(cells)
    bad = parsed[1]
    if len(bad) <= len(cells) - len(bad):  # mostly numbers: all must be
        return [name], numeric_column(path, name, cells, lines, parsed)[:, None]
    categories = sorted(set(cells))
    if len(categories) > MAX_CATEGORIES:
        raise DataError(
            f"{path}: text column {name!r} has {len(categories)} distinct values, too many to "
            f"one-hot encode (at most {MAX_CATEGORIES}); drop it or pick another target"
        )
    codes = np.searchsorted(np.array(categories), np.array(cells))
    onehot = np.zeros((len(cells), len(categories)))
    onehot[np.arange(len(cells)), codes] = 1.0
    return [f"{name}={c}" for c in categories], onehot


def numbers_or_text(cells: list[str]) -> np.ndarray:
    """Cells as float64 if all are numbers, else as text (str)."""
    values, bad = _parse_numbers(cells)
    return values if not bad else np.array(cells, dtype=str)


def _target_values(cells: list[str]) -> np.ndarray:
    """Target cells as int64 if all are integers, else float64 if all are numbers, else text."""
    try:
        return np.array([int(c) for c in cells], dtype=np.int64)
    except (ValueError, OverflowError):
        pass
    return numbers_or_text(cells)


def load_csv(path: str | Path, target: str | None = None, task: str | None = None) -> Dataset:
    """A CSV with a header as a Dataset; ``target`` names the label column (default: the last)."""
    path = Path(path)
    header, t, rows, lines = read_table(path, target)
    columns = list(zip(*rows, strict=True))
    for j, name in enumerate(header):
        check_filled(path, name, columns[j], lines, "the target" if j == t else "a value")
    names: list[str] = []
    blocks: list[np.ndarray] = []
    for j, name in enumerate(header):
        if j != t:
            block_names, block = _feature_columns(path, name, list(columns[j]), lines)
            names += block_names
            blocks.append(block)
    y, classes, kind = encode_target(
        _target_values(list(columns[t])),
        task,
        f"{path}: target column {header[t]!r}",
        where=lambda i: f"line {lines[i]}",
    )
    X = np.ascontiguousarray(np.hstack(blocks), dtype=np.float64)
    description = f"{path.name}: {len(rows)} rows, {X.shape[1]} features, target {header[t]!r}"
    return Dataset(X, y, tuple(names), classes, kind, path.name, description,
                   target=header[t])
