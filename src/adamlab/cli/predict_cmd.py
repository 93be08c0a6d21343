"""``adamlab predict``: probabilities and labels from a trained run, as CSV.

``--json``: one JSON document on stdout instead, ``{"command", "model", "data", "rows",
"metrics", ...}`` with the predictions as lists (``labels`` and ``probabilities`` with their
``classes``, or ``predictions`` for regression); with ``--output FILE`` the CSV goes to the file
and the document holds no predictions, only where they went (``output``).

A category the model never saw in training is encoded as all zeros, with a warning on stderr
(one line per column: the column, the first unseen values and their number, how many rows),
also in the document's ``warnings`` list under ``--json``; ``--strict`` refuses such data
instead (exit 1, a data error, nothing written).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from adamlab.cli.errors import RunError
from adamlab.data import DataError, UnseenCategoryWarning
from adamlab.rundir import Saved
from adamlab.rundir.directory import write_text
from adamlab.train import CheckpointError


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
    p.add_argument("--output", metavar="FILE",
                   help="write the CSV there (default: stdout; with --json, the predictions "
                        "are in the JSON then)")
    p.add_argument("--strict", action="store_true",
                   help="refuse data with categories the model never saw in training (by "
                        "default they are encoded as all zeros, with a warning)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    model_dir = Path(args.model)
    try:
        saved = Saved.load(model_dir)
    except CheckpointError as e:
        raise RunError(f"--model {model_dir}: {e}") from None
    d = saved.description
    target = args.target or d.target
    from adamlab.data import load_features

    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", UnseenCategoryWarning)
            X, y_raw = load_features(args.data, d.data.feature_names, target=target,
                                     strict=args.strict)
    except DataError as e:
        raise RunError(str(e)) from None
    said = [str(w.message) for w in caught if issubclass(w.category, UnseenCategoryWarning)]
    for w in caught:  # any other warning goes on as it came
        if not issubclass(w.category, UnseenCategoryWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    for message in said:
        print(f"adamlab predict: warning: {message}", file=sys.stderr)
    out = saved.predict_proba(X)
    classes = None if d.data.classes is None else list(d.data.classes)
    text, metrics = _table(out, classes, y_raw)
    if args.output:
        write_text(Path(args.output), text)
    if args.json:
        print(json.dumps({**_document(args, out, classes, metrics), "warnings": said}))
        return 0
    if not args.output:
        sys.stdout.write(text)
    if metrics and not args.quiet:
        print(", ".join(f"{k} {v:.4g}" for k, v in metrics.items()), file=sys.stderr)
    return 0


def _document(args: argparse.Namespace, out: np.ndarray, classes: list[Any] | None,
              metrics: dict[str, float]) -> dict[str, Any]:
    """What ``predict --json`` prints: the predictions as lists, unless ``--output`` has them."""
    doc: dict[str, Any] = {"command": "predict", "model": args.model, "data": args.data,
                           "rows": len(out), "metrics": metrics, "output": args.output}
    if args.output:
        return doc
    if classes is None:
        doc["predictions"] = (out[:, 0] if out.shape[1] == 1 else out).tolist()
        return doc
    proba = _probabilities(out)
    doc["classes"] = [_plain(c) for c in classes]
    doc["labels"] = [doc["classes"][k] for k in np.argmax(proba, axis=1)]
    doc["probabilities"] = proba.tolist()
    return doc


def _probabilities(out: np.ndarray) -> np.ndarray:
    """One column per class: a sigmoid head's p(1) becomes p(0), p(1)."""
    return np.column_stack([1 - out[:, 0], out[:, 0]]) if out.shape[1] == 1 else out


def _plain(value: Any) -> Any:
    """A class label as JSON has it (NumPy scalars as Python's)."""
    return value.item() if isinstance(value, np.generic) else value


def _same(label: Any, truth: Any) -> bool:
    """Equal as numbers when both are numbers (class 1 vs 1.0 in a CSV), else as text."""
    try:
        return float(label) == float(truth)
    except (TypeError, ValueError):
        return str(label) == str(truth)


def _table(out: np.ndarray, classes: list[Any] | None, y_raw: np.ndarray | None):
    """Predictions (no classes: regression), else probabilities and labels, as CSV text; and
    the RMSE or accuracy when the data had the target."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    metrics: dict[str, float] = {}
    if classes is None:
        cols = (["prediction"] if out.shape[1] == 1
                else [f"prediction_{j}" for j in range(out.shape[1])])
        w.writerow(cols)
        w.writerows([[repr(float(v)) for v in row] for row in out])
        if y_raw is not None:
            err = out.ravel() - np.asarray(y_raw, dtype=float).ravel()
            metrics["rmse"] = float(np.sqrt(np.mean(err**2)))
        return buf.getvalue(), metrics
    proba = _probabilities(out)
    labels = [classes[k] for k in np.argmax(proba, axis=1)]
    w.writerow([f"p({c})" for c in classes] + ["label"])
    for row, label in zip(proba, labels, strict=True):
        w.writerow([f"{v:.6g}" for v in row] + [label])
    if y_raw is not None:
        metrics["accuracy"] = float(
            np.mean([_same(a, t) for a, t in zip(labels, y_raw, strict=True)]))
    return buf.getvalue(), metrics
