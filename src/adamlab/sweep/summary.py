"""A sweep's results as rows (``COLUMNS``: what ``sweep.csv`` holds and ``plot.sweep`` draws),
the best setting, and the CSV text (exact numbers) that sweep and compare write."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from typing import Any

from adamlab.sweep.tasks import Result

#: Columns of one row of a sweep (``table``), in the order ``sweep.csv`` writes them.
COLUMNS = (
    "optimizer",
    "lr",
    "seed",
    "status",
    "epochs",
    "loss",
    "accuracy",
    "val_loss",
    "val_accuracy",
    "seconds",
    "worker",
    "params_sha256",
    "error",
)

#: Dask task keys start with this, so a cluster's dashboard and logs name adamlab's runs.


def table(results: Sequence[Result]) -> list[dict[str, Any]]:
    """One flat row per run (``COLUMNS``): what ``sweep.csv`` holds and ``plot.sweep`` draws."""
    rows = []
    for r in results:
        s = r["settings"]
        rows.append(
            {
                "optimizer": s["optimizer"],
                "lr": s["lr"],
                "seed": s["seed"],
                "status": r["status"],
                "epochs": r["epochs"],
                **r["final"],
                "seconds": r["seconds"],
                "worker": r.get("worker"),
                "params_sha256": r["params_sha256"],
                "error": r.get("error"),
            }
        )
    return rows


def metric_of(rows: Sequence[dict[str, Any]]) -> str:
    """``val_loss`` when the runs have validation data, else the training ``loss``."""
    return "val_loss" if any(r.get("val_loss") is not None for r in rows) else "loss"


def best(rows: Sequence[dict[str, Any]], metric: str | None = None) -> dict[str, Any] | None:
    """The (optimizer, lr) with the lowest mean ``metric`` over seeds, and its best seed.

    Only settings whose every seed finished ("ok", finite metric) compete: a learning rate that
    diverges for one seed in three is not the best one. None when no setting qualifies.
    """
    metric = metric or metric_of(rows)
    groups: dict[tuple[str, float], list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault((r["optimizer"], r["lr"]), []).append(r)
    scored = []
    for (opt, lr), rs in groups.items():
        values = [r.get(metric) for r in rs]
        if all(r["status"] == "ok" for r in rs) and all(
            v is not None and math.isfinite(v) for v in values
        ):
            scored.append((sum(values) / len(values), opt, lr, rs))
    if not scored:
        return None
    mean, opt, lr, rs = min(scored, key=lambda t: t[0])
    run = min(rs, key=lambda r: r[metric])
    return {
        "optimizer": opt,
        "lr": lr,
        "metric": metric,
        "mean": mean,
        "seeds": len(rs),
        "seed": run["seed"],
        "value": run[metric],
    }


def plain(row: dict[str, Any]) -> dict[str, Any]:
    """JSON-safe: non-finite numbers (a blown-up loss) as None."""
    return {k: None if isinstance(v, float) and not math.isfinite(v) else v for k, v in row.items()}


def csv_text(rows: Sequence[dict[str, Any]], columns: Sequence[str] = COLUMNS) -> str:
    """``rows`` as CSV with a header of ``columns``: numbers exactly (``repr`` round-trips a
    float), seconds to the millisecond, None as an empty cell."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    for r in rows:
        w.writerow([_cell(c, r[c]) for c in columns])
    return buf.getvalue()


def _cell(column: str, value: Any) -> str:
    if value is None:
        return ""
    if column == "seconds":
        return f"{value:.3f}"
    return repr(value) if isinstance(value, float) else str(value)
