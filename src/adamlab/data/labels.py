"""Class labels <-> integer codes, and the rule that tells class labels from regression targets.

The rule (used for CSV targets and ``.npy`` labels alike): text or booleans are class labels; a
numeric target is read as class labels when every value is a whole number and there are at most
``MAX_AUTO_CLASSES`` distinct values, and as a regression target otherwise. Pass ``task=`` to
force either reading; a forced reading the values contradict is refused (``binary`` with three
classes, ``multiclass`` or ``binary`` with numbers that are not whole, ``regression`` with
text). ``infer_task`` says which reading the rule makes and why; ``explain_task`` says it of
a loaded data set, for the run's summary.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

from adamlab.data.errors import DataError, show

MAX_AUTO_CLASSES = 20
TASK_CHOICES = ("binary", "multiclass", "classification", "regression")


def _label_array(labels: Any, what: str) -> np.ndarray:
    """``labels`` as a 1-D array of text, booleans or real numbers (no objects, no NaN)."""
    if isinstance(labels, list | tuple):
        kinds = {_kind_of(v) for v in labels}
        if None in kinds:
            bad = next(v for v in labels if _kind_of(v) is None)
            raise DataError(f"{what}: label {show(bad)} is not text or a number (str, int, float)")
        if len(kinds) > 1 and "text" in kinds:
            raise DataError(f"{what}: labels mix text and numbers; make them all one or the other")
    arr = np.asarray(labels)
    if arr.ndim != 1:
        raise DataError(f"{what}: labels must be 1-D (one per sample), got shape {arr.shape}")
    if arr.dtype.kind == "S":
        try:
            arr = np.char.decode(arr, "utf-8")
        except UnicodeDecodeError as err:
            raise DataError(f"{what}: byte labels are not UTF-8 text; save them as str") from err
    if arr.dtype.kind not in "Ubiuf":
        raise DataError(
            f"{what}: labels of dtype {arr.dtype} are not supported; use text, int or float labels"
        )
    if arr.dtype.kind == "f" and not np.isfinite(arr).all():
        i = int(np.flatnonzero(~np.isfinite(arr))[0])
        raise DataError(f"{what}: label {i} is {arr[i]}; labels must be finite")
    return arr


def _kind_of(value: Any) -> str | None:
    if isinstance(value, str | np.str_):
        return "text"
    if isinstance(value, bool | int | float | np.bool_ | np.integer | np.floating):
        return "number"
    return None


class LabelEncoder:
    """Class labels (str, int, float or bool) <-> codes ``0..K-1``; ``classes_`` kept sorted."""

    def __init__(self) -> None:
        self.classes_: tuple[Any, ...] | None = None

    def fit(self, labels: Iterable[Any]) -> LabelEncoder:
        """Learn the sorted distinct labels; labels must be all text or all numbers."""
        arr = _label_array(labels if isinstance(labels, np.ndarray) else list(labels), "labels")
        if len(arr) == 0:
            raise DataError("labels: no labels to fit; pass at least one label per class")
        self.classes_ = tuple(v.item() for v in np.unique(arr))
        return self

    def transform(self, labels: Iterable[Any]) -> np.ndarray:
        """Integer codes (int64) for ``labels``; a label not seen in ``fit`` is a DataError."""
        known = self._known()
        arr = _label_array(labels if isinstance(labels, np.ndarray) else list(labels), "labels")
        if len(arr) == 0:
            return np.zeros(0, dtype=np.int64)
        if (arr.dtype.kind == "U") != (known.dtype.kind == "U"):
            kind = "text" if arr.dtype.kind == "U" else "numbers"
            raise DataError(f"labels are {kind} but the classes are {self.classes_}; match them")
        codes = np.searchsorted(known, arr)
        found = (codes < len(known)) & (known[np.minimum(codes, len(known) - 1)] == arr)
        if not found.all():
            bad = arr[int(np.flatnonzero(~found)[0])].item()
            raise DataError(f"label {show(bad)} was not seen in fit; known: {self.classes_}")
        return codes.astype(np.int64)

    def fit_transform(self, labels: Iterable[Any]) -> np.ndarray:
        """``fit(labels)`` then ``transform(labels)``."""
        labels = labels if isinstance(labels, np.ndarray) else list(labels)
        return self.fit(labels).transform(labels)

    def inverse_transform(self, codes: Iterable[int]) -> np.ndarray:
        """The original labels for integer codes ``0..K-1``."""
        known = self._known()
        codes = np.asarray(codes)
        if codes.size and (
            codes.dtype.kind not in "iu" or codes.min() < 0 or codes.max() >= len(known)
        ):
            raise DataError(f"codes must be integers in 0..{len(known) - 1}, one per class")
        return known[codes]

    def to_dict(self) -> dict[str, Any]:
        """JSON-able state: ``{"classes": [...]}``, exact under a JSON round trip."""
        self._known()
        return {"classes": list(self.classes_)}

    @classmethod
    def from_dict(cls, state: Mapping[str, Any]) -> LabelEncoder:
        """Rebuild from ``to_dict()`` output (for example read back from a model's JSON file)."""
        classes = state.get("classes") if isinstance(state, Mapping) else None
        if not isinstance(classes, list | tuple) or not classes:
            raise DataError("label encoder state needs a non-empty list 'classes' (see to_dict())")
        arr = _label_array(list(classes), "label encoder state")
        if len(np.unique(arr)) != len(arr) or not (arr[:-1] < arr[1:]).all():
            raise DataError("label encoder state: 'classes' must be sorted with no repeats")
        enc = cls()
        enc.classes_ = tuple(classes)
        return enc

    def _known(self) -> np.ndarray:
        if self.classes_ is None:
            raise DataError("LabelEncoder is not fitted; call fit(labels) first")
        return np.asarray(self.classes_)


def infer_task(values: np.ndarray) -> tuple[str, str]:
    """``("classification" | "regression", why)`` for 1-D target values, by the rule above."""
    if values.dtype.kind in "Ub":
        held = "text" if values.dtype.kind == "U" else "booleans"
        return "classification", f"the target holds {held}"
    distinct = np.unique(values)
    n = len(distinct)
    if not _whole(values, distinct):
        return "regression", f"the target holds numbers not all whole ({n} distinct values)"
    if n <= MAX_AUTO_CLASSES:
        return "classification", (f"the target holds {n} distinct whole numbers (at most "
                                   f"{MAX_AUTO_CLASSES} are read as classes)")
    return "regression", (f"the target holds {n} distinct whole numbers, more than the "
                          f"{MAX_AUTO_CLASSES} read as classes; to read them as classes, choose "
                          "the task (--task multiclass, task='multiclass')")


def guess_task(values: np.ndarray) -> str:
    """``"classification"`` or ``"regression"`` for 1-D target values, by the rule above."""
    return infer_task(values)[0]


def explain_task(task: str, y: np.ndarray, classes: tuple[Any, ...] | None,
                 chosen: str | None, builtin: bool = False) -> str:
    """Why a data set of ``task`` (targets ``y``, ``classes``) is read so, in words: ``chosen``
    (the task asked for), a built-in set's own, or the rule's reason from the values."""
    kind = "" if classes is None else f", {len(classes)} classes"
    if chosen is not None:
        return f"{task}{kind}: chosen (task {chosen!r})"
    if builtin:
        return f"{task}{kind}: the built-in data set's task"
    values = y if classes is None else np.asarray(classes)  # the distinct labels keep the rule's
    return f"{task}{kind}: inferred, {infer_task(values)[1]}"  # reading


def _whole(values: np.ndarray, distinct: np.ndarray) -> bool:
    return values.dtype.kind in "iu" or bool(np.all(distinct == np.round(distinct)))


def encode_target(
    values: np.ndarray,
    task: str | None,
    what: str,
    where: Callable[[int], str] = lambda i: f"row {i}",
) -> tuple[np.ndarray, tuple[Any, ...] | None, str]:
    """``(y, classes, task)`` from raw target values; ``what`` and ``where(i)`` word the errors."""
    if task is not None and task not in TASK_CHOICES:
        choices = ", ".join(TASK_CHOICES)
        raise DataError(f"task must be one of {choices} (or None to guess), got {task!r}")
    if values.dtype.kind == "f" and not np.isfinite(values).all():
        i = int(np.flatnonzero(~np.isfinite(values))[0])
        raise DataError(
            f"{what} is {values[i]} at {where(i)}; targets must be finite, fix or drop the row"
        )
    wanted = task or guess_task(values)
    if wanted != "regression" and values.dtype.kind == "f" and not _whole(values, values):
        i = int(np.flatnonzero(values != np.round(values))[0])
        raise DataError(
            f"{what} is {values[i]} at {where(i)}, not a whole number; task {wanted!r} needs "
            "class labels (text or whole numbers) — choose task 'regression' (--task "
            "regression), or leave the task unset"
        )
    if wanted == "regression":
        if values.dtype.kind == "U":
            raise DataError(
                f"{what} holds text ({show(values[0].item())} at {where(0)}); "
                "regression needs numbers — leave task unset to read it as class labels"
            )
        return values.astype(np.float64), None, "regression"
    encoder = LabelEncoder().fit(values)
    classes = encoder.classes_
    if len(classes) < 2:
        raise DataError(
            f"{what} has a single class ({show(classes[0])}); classification needs at least two "
            "— check that this is the target column"
        )
    if wanted == "binary" and len(classes) != 2:
        raise DataError(
            f"{what} has {len(classes)} classes, but task 'binary' needs exactly two "
            "— choose task 'multiclass' (--task multiclass)"
        )
    kind = "binary" if len(classes) == 2 and wanted != "multiclass" else "multiclass"
    return encoder.transform(values), classes, kind
