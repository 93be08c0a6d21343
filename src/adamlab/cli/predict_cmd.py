"""``adamlab predict``: probabilities and labels from a trained run, as CSV."""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from adamlab.cli import rundir
from adamlab.cli.errors import RunError
from adamlab.cli.train_cmd import CHECKPOINT
from adamlab.data import DataError, Standardizer
from adamlab.train import CheckpointError, Trainer, schema


def add_parser(sub) -> None:
    p = sub.add_parser("predict", help="predict with a trained run",
                       description="Load the model of an `adamlab train` run and write "
                                   "probabilities and labels (or predictions) as CSV.")
    p.add_argument("--model", metavar="DIR", required=True,
                   help="directory of an adamlab train run")
    p.add_argument("--data", metavar="NAME|PATH", required=True,
                   help="a built-in data set or a .csv/.npy/.npz file with the model's "
                        "feature columns")
    p.add_argument("--target", metavar="COLUMN",
                   help="target column, if present (default: the run's)")
    p.add_argument("--output", metavar="FILE", help="write the CSV there (default: stdout)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    model_dir = Path(args.model)
    try:
        trainer = Trainer.from_checkpoint(str(model_dir / CHECKPOINT))
    except CheckpointError as e:
        raise RunError(f"--model {model_dir}: {e}") from None
    try:
        data, target, standardizer = _description(trainer)
    except CheckpointError as e:
        raise RunError(f"--model {model_dir}: {e}") from None
    target = args.target or target
    from adamlab.data import load_features

    try:
        X, y_raw = load_features(args.data, data["feature_names"], target=target)
    except DataError as e:
        raise RunError(str(e)) from None
    if standardizer is not None:
        X = standardizer.transform(X)
    model = trainer.model
    out = model.predict_proba(np.asarray(X, dtype=model.dtype))
    classes = data["classes"]
    text, metrics = _table(out, data["task"], classes, y_raw)
    if args.output:
        rundir.write_text(Path(args.output), text)
    else:
        sys.stdout.write(text)
    if metrics and not args.quiet:
        msg = (json.dumps(metrics) if args.json
               else ", ".join(f"{k} {v:.4g}" for k, v in metrics.items()))
        print(msg, file=sys.stderr)
    return 0


def _description(trainer: Trainer) -> tuple[dict[str, Any], str | None, Standardizer | None]:
    """The run description ``adamlab train`` saved in the checkpoint (``extra``), checked
    against the model before it is used: (its data description, the target column, the
    standardizer or None). A tampered one is a CheckpointError naming the field."""
    extra = trainer.extra
    if "data" not in extra:
        raise CheckpointError("not written by adamlab train (no data description)")
    data = schema.field(extra["data"], "extra.data", schema.OBJECT)
    settings = schema.field(extra.get("settings"), "extra.settings", schema.OBJECT)
    target = extra.get("target") or settings.get("target")
    if target is not None:
        schema.field(target, "extra.target", schema.STRING)
    n_in, n_out = trainer.model.n_inputs, trainer.model.n_outputs
    names = data.get("feature_names")
    if not (isinstance(names, list) and len(names) == n_in
            and all(isinstance(f, str) for f in names)):
        raise CheckpointError(f"field 'extra.data.feature_names' must be a list of {n_in} strings "
                              f"(the model has {n_in} inputs), got {schema.kind(names)}")
    if data.get("task") != trainer.task:  # the model's head decides: sigmoid, softmax, identity
        raise CheckpointError(f"field 'extra.data.task' must be {trainer.task!r} for this model's "
                              f"output, got {schema.kind(data.get('task'))}")
    if trainer.task != "regression":
        k = max(n_out, 2)  # one sigmoid output scores two classes
        classes = data.get("classes")
        if not (isinstance(classes, list) and len(classes) == k and all(
                isinstance(c, (str, int, float)) for c in classes)):
            raise CheckpointError(f"field 'extra.data.classes' must be a list of the {k} class "
                                  f"labels the model's {n_out} output(s) score, "
                                  f"got {schema.kind(classes)}")
    state = extra.get("standardizer")
    if state is None:
        return data, target, None
    try:
        standardizer = Standardizer.from_dict(state)
    except DataError as e:
        raise CheckpointError(f"field 'extra.standardizer': {e}") from None
    if len(standardizer.mean_) != n_in:
        raise CheckpointError(f"field 'extra.standardizer' has {len(standardizer.mean_)} "
                              f"column(s), the model has {n_in} inputs")
    return data, target, standardizer


def _same(label: Any, truth: Any) -> bool:
    """Equal as numbers when both are numbers (class 1 vs 1.0 in a CSV), else as text."""
    try:
        return float(label) == float(truth)
    except (TypeError, ValueError):
        return str(label) == str(truth)


def _table(out: np.ndarray, task: str, classes: list[Any] | None, y_raw: np.ndarray | None):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    metrics: dict[str, float] = {}
    if task == "regression":
        cols = (["prediction"] if out.shape[1] == 1
                else [f"prediction_{j}" for j in range(out.shape[1])])
        w.writerow(cols)
        w.writerows([[repr(float(v)) for v in row] for row in out])
        if y_raw is not None:
            err = out.ravel() - np.asarray(y_raw, dtype=float).ravel()
            metrics["rmse"] = float(np.sqrt(np.mean(err**2)))
        return buf.getvalue(), metrics
    proba = np.column_stack([1 - out[:, 0], out[:, 0]]) if out.shape[1] == 1 else out
    labels = [classes[k] for k in np.argmax(proba, axis=1)]
    w.writerow([f"p({c})" for c in classes] + ["label"])
    for row, label in zip(proba, labels, strict=True):
        w.writerow([f"{v:.6g}" for v in row] + [label])
    if y_raw is not None:
        metrics["accuracy"] = float(
            np.mean([_same(a, t) for a, t in zip(labels, y_raw, strict=True)]))
    return buf.getvalue(), metrics
