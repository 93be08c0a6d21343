"""The description of a run: its settings, the data it learned, its standardiser and its status.

A run directory holds one description, saved inside ``checkpoint.npz`` next to the training
state it describes (the checkpoint's JSON field ``extra``): one file, written by one atomic
rename, so a kill can never leave a description of other weights. This module is its only
writer (``RunDescription.to_dict``) and reader (``RunDescription.from_dict``); the trainer
carries the dict without reading it.

On disk (JSON)::

    {"version": 2,                       # absent before parameter groups: version 1
     "settings": {...},                  # experiment.Settings.to_dict()
     "target": "label" | null,           # the data's target column (Dataset.target)
     "standardizer": {"mean": [...], "scale": [...]} | null,
     "data": {"name", "task", "n_samples", "n_features", "feature_names", "classes"},
     "status": "ok" | "diverged"}        # absent in version 1 unless diverged

Version 1 runs load as they are, with one reading rule: that release decayed every parameter
(biases too) whenever it decayed weights, so their settings read back with
``decay_biases=True``. A version newer than ``VERSION`` is refused, naming both versions.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from adamlab.data import DataError, Dataset, Standardizer
from adamlab.experiment import Prepared, Settings
from adamlab.nn.losses import TASKS
from adamlab.train import CheckpointError, schema

#: The description format this adamlab writes (and the newest it reads).
VERSION = 2
STATUSES = ("ok", "diverged")


@dataclass(frozen=True)
class DataDescription:
    """What ``predict`` needs to know of the training data: the columns and what they mean."""

    name: str
    task: str
    n_samples: int
    n_features: int
    feature_names: tuple[str, ...]
    classes: tuple[Any, ...] | None

    @classmethod
    def of(cls, ds: Dataset) -> DataDescription:
        classes = None if ds.classes is None else tuple(_plain(c) for c in ds.classes)
        return cls(ds.name, ds.task, ds.n_samples, ds.n_features, tuple(ds.feature_names),
                   classes)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "task": self.task, "n_samples": self.n_samples,
                "n_features": self.n_features, "feature_names": list(self.feature_names),
                "classes": None if self.classes is None else list(self.classes)}


@dataclass(frozen=True)
class RunDescription:
    """Settings, data description, target column, standardiser and status of one run."""

    settings: Settings
    data: DataDescription
    target: str | None
    standardizer: Standardizer | None
    status: str = "ok"

    @classmethod
    def of(cls, p: Prepared) -> RunDescription:
        """The description of a prepared run (its status: ok)."""
        return cls(p.settings, DataDescription.of(p.dataset), p.dataset.target, p.standardizer)

    def with_status(self, status: str) -> RunDescription:
        if status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, got {status!r}")
        return replace(self, status=status)

    def to_dict(self) -> dict[str, Any]:
        return {"version": VERSION, "settings": self.settings.to_dict(), "target": self.target,
                "standardizer": None if self.standardizer is None else self.standardizer.to_dict(),
                "data": self.data.to_dict(), "status": self.status}

    @classmethod
    def from_dict(cls, d: Any, model: ModelShape) -> RunDescription:
        """Read a description saved with the model ``model``, checked field by field against
        it: a missing, tampered or mismatched field is a CheckpointError naming it
        (``'extra.data.feature_names'``: the field's path in the checkpoint)."""
        d = schema.field(d, "extra", schema.OBJECT)
        if "data" not in d:
            raise CheckpointError("not written by adamlab train (no data description)")
        version = d.get("version", 1)
        if not (isinstance(version, int) and not isinstance(version, bool) and version >= 1):
            raise CheckpointError(f"field 'extra.version' must be a whole number >= 1, "
                                  f"got {schema.kind(version)}")
        if version > VERSION:
            raise CheckpointError(
                f"run description version {version} is newer than this adamlab reads "
                f"(version {VERSION}); upgrade adamlab (pip install -U adamlab) to use this run")
        data = _data(schema.field(d["data"], "extra.data", schema.OBJECT), model)
        settings = _settings(schema.field(d.get("settings"), "extra.settings", schema.OBJECT),
                             version)
        target = d.get("target") or settings.target
        if target is not None:
            schema.field(target, "extra.target", schema.STRING)
        status = d.get("status", "ok")
        if status not in STATUSES:
            raise CheckpointError(f"field 'extra.status' must be one of {list(STATUSES)}, "
                                  f"got {schema.kind(status)}")
        return cls(settings, data, target, _standardizer(d.get("standardizer"), model), status)


@dataclass(frozen=True)
class ModelShape:
    """What a description is checked against: the saved model's inputs, outputs and task."""

    n_inputs: int
    n_outputs: int
    task: str


def _settings(d: dict[str, Any], version: int) -> Settings:
    if version == 1:  # that release decayed the biases along with the weights
        d = {**d, "decay_biases": True}
    try:
        return Settings.from_dict(d)
    except (TypeError, ValueError) as e:
        raise CheckpointError(f"field 'extra.settings': {e}") from None


def _data(data: dict[str, Any], model: ModelShape) -> DataDescription:
    n_in, n_out = model.n_inputs, model.n_outputs
    names = data.get("feature_names")
    if not (isinstance(names, list) and len(names) == n_in
            and all(isinstance(f, str) for f in names)):
        raise CheckpointError(f"field 'extra.data.feature_names' must be a list of {n_in} strings "
                              f"(the model has {n_in} inputs), got {schema.kind(names)}")
    if data.get("task") != model.task:  # the model's head decides: sigmoid, softmax, identity
        raise CheckpointError(f"field 'extra.data.task' must be {model.task!r} for this model's "
                              f"output, got {schema.kind(data.get('task'))}")
    classes = data.get("classes")
    classifies = TASKS[model.task].classifies
    if classifies:
        k = max(n_out, 2)  # one sigmoid output scores two classes
        if not (isinstance(classes, list) and len(classes) == k and all(
                isinstance(c, (str, int, float)) for c in classes)):
            raise CheckpointError(f"field 'extra.data.classes' must be a list of the {k} class "
                                  f"labels the model's {n_out} output(s) score, "
                                  f"got {schema.kind(classes)}")
    n_samples = data.get("n_samples")
    return DataDescription(
        str(data.get("name", "")), model.task,
        n_samples if isinstance(n_samples, int) else 0, n_in, tuple(names),
        tuple(classes) if classifies else None)


def _standardizer(state: Any, model: ModelShape) -> Standardizer | None:
    if state is None:
        return None
    try:
        standardizer = Standardizer.from_dict(state)
    except DataError as e:
        raise CheckpointError(f"field 'extra.standardizer': {e}") from None
    if len(standardizer.mean_) != model.n_inputs:
        raise CheckpointError(f"field 'extra.standardizer' has {len(standardizer.mean_)} "
                              f"column(s), the model has {model.n_inputs} inputs")
    return standardizer


def _plain(x: Any) -> Any:
    return x.item() if isinstance(x, np.generic) else x
