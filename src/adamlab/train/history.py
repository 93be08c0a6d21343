"""Training history as plain data: one row per epoch (and optionally one per step).

``History`` is a dict of equal-length lists, like Keras' ``History.history``, so that
``history["val_loss"]`` is the validation-loss curve. Columns (per epoch):

=============== =====================================================================
epoch           1, 2, … counted across repeated fits (a resumed run continues the count)
loss            mean of the epoch's mini-batch losses (each batch's loss is a mean over its
                samples, so this is the running training loss seen *during* the epoch, not
                the loss of the weights at its end)
accuracy        fraction of training samples classified right *during* the epoch (from each
                batch's outputs before its step; classification only)
val_loss        loss of the end-of-epoch weights on the validation set (nan when none); the
                evaluation weights of an optimizer with train/eval modes (schedule-free)
val_accuracy    accuracy of the same weights on the validation set
lr              learning rate used during the epoch (first group's)
grad_norm       mean over the epoch's steps of the global gradient norm ‖∇L‖₂
update_ratio    ‖θ_end − θ_start‖₂ / ‖θ_start‖₂ over the epoch (how far the weights moved)
time            wall-clock seconds spent in the epoch
=============== =====================================================================
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping
from typing import Any

EPOCH_COLUMNS = ("epoch", "loss", "accuracy", "val_loss", "val_accuracy", "lr", "grad_norm",
                 "update_ratio", "time")
STEP_COLUMNS = ("step", "epoch", "loss", "grad_norm", "lr")


class History:
    """Per-epoch (``epochs``) and per-step (``steps``) records, each a dict of lists."""

    def __init__(self) -> None:
        self.epochs: dict[str, list[float]] = {k: [] for k in EPOCH_COLUMNS}
        self.steps: dict[str, list[float]] = {k: [] for k in STEP_COLUMNS}

    def __getitem__(self, key: str) -> list[float]:
        return self.epochs[key]

    def __len__(self) -> int:
        return len(self.epochs["epoch"])

    def append_epoch(self, row: Mapping[str, float]) -> None:
        for k in EPOCH_COLUMNS:
            self.epochs[k].append(float(row.get(k, math.nan)))

    def append_step(self, row: Mapping[str, float]) -> None:
        for k in STEP_COLUMNS:
            self.steps[k].append(float(row[k]))

    def last(self) -> dict[str, float]:
        """The latest epoch's row (empty before the first epoch)."""
        return {k: v[-1] for k, v in self.epochs.items()} if len(self) else {}

    def truncate(self, n_epochs: int) -> None:
        """Keep the first ``n_epochs`` epochs (and their steps)."""
        for v in self.epochs.values():
            del v[n_epochs:]
        keep = sum(1 for e in self.steps["epoch"] if e <= n_epochs)
        for v in self.steps.values():
            del v[keep:]

    # ------------------------------------------------------------ serialising
    def to_dict(self) -> dict[str, Any]:
        """JSON-able; NaN and ±inf become None (JSON has neither; an infinite value, e.g. the
        update ratio of a step that overflowed the weights' norm, reads back as NaN)."""
        def clean(d: dict[str, list[float]]) -> dict[str, list[float | None]]:
            return {k: [x if math.isfinite(x) else None for x in v] for k, v in d.items()}

        return {"epochs": clean(self.epochs), "steps": clean(self.steps)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> History:
        """The inverse of ``to_dict``; anything of another shape is a ValueError naming the part."""
        if not isinstance(d, Mapping):
            raise ValueError(f"history must be an object {{epochs, steps}}, got {type(d).__name__}")
        h = cls()
        for name, cols in (("epochs", EPOCH_COLUMNS), ("steps", STEP_COLUMNS)):
            part = d.get(name, {})
            if not isinstance(part, Mapping):
                raise ValueError(f"history.{name} must be an object of columns, "
                                 f"got {type(part).__name__}")
            for k in cols:
                column = part.get(k, [])
                if not isinstance(column, list) or not all(
                        x is None or (isinstance(x, (int, float)) and not isinstance(x, bool))
                        for x in column):
                    raise ValueError(f"history.{name}.{k} must be a list of numbers or nulls")
            lengths = {len(part.get(k, [])) for k in cols}
            if len(lengths) > 1:
                raise ValueError(
                    f"history: the {name} columns have different lengths {sorted(lengths)}")
            for k in cols:
                getattr(h, name)[k] = [math.nan if x is None else float(x) for x in part.get(k, [])]
        return h

    def to_csv(self) -> str:
        """One row per epoch, the columns above; empty cells for NaN."""
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        w.writerow(EPOCH_COLUMNS)
        for i in range(len(self)):
            w.writerow(["" if math.isnan(v) else (int(v) if k == "epoch" else repr(v))
                        for k in EPOCH_COLUMNS for v in [self.epochs[k][i]]])
        return out.getvalue()
