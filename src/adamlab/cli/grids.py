"""What ``compare`` and ``sweep`` share: a grid of runs checked, run with progress ticks, and
its tables. ``compare`` is a sweep with one learning rate: the same tasks (``sweep.grid``), the
same divergence handling (a diverged or failed run is a row), the same CSV writer."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from adamlab.cli.errors import RunError, UsageError
from adamlab.cli.progress import RunTicks
from adamlab.experiment import Settings


def tasks(base: Settings, optimizers: list[str], lrs: list[float], seeds: int
          ) -> tuple[list[dict[str, Any]], str]:
    """The grid and its data set's name, the data checked once here: bad data is exit 1, not
    N failed runs."""
    from adamlab import experiment, sweep

    try:
        grid = sweep.grid(base, optimizers, lrs, seeds)
    except ValueError as e:
        raise UsageError(str(e)) from None
    try:  # the options were checked by the parser: what is left to fail is the data
        first = experiment.prepare(Settings.from_dict(grid[0]))
    except ValueError as e:  # DataError, or one class only
        raise RunError(str(e)) from None
    return grid, first.dataset.name


def collect(pairs: Iterable[tuple[int, dict[str, Any]]], n: int, ticks: RunTicks
            ) -> list[dict[str, Any]]:
    """The results in grid order, ticking as each comes."""
    from adamlab import sweep

    try:
        return sweep.collect(pairs, n, ticks)
    finally:
        ticks.close()


def refuse_failed(rows: list[dict[str, Any]], csv_path: Any) -> None:
    """Exit 1 when runs failed (their rows are written: status=failed, the error)."""
    failed = [r for r in rows if r["status"] == "failed"]
    if failed:
        raise RunError(
            f"{len(failed)} of {len(rows)} runs failed (first: {failed[0]['error']}); "
            f"their rows say status=failed in {csv_path}"
        )


def _mean(values: Iterable[float | None]) -> float:
    vals = [v for v in values if v is not None]
    return sum(vals) / len(vals) if vals else math.nan


def compare_table(rows: list[dict[str, Any]], names: list[str]) -> str:
    """Mean final val_loss and val_accuracy over seeds, one line per optimizer."""
    lines = [f"{'optimizer':<10} {'val_loss':>10} {'val_acc':>8}  (mean over seeds)"]
    for name in names:
        mine = [r for r in rows if r["optimizer"] == name]
        loss = _mean(r["val_loss"] for r in mine)
        acc = _mean(r["val_accuracy"] for r in mine)
        lines.append(f"{name:<10} {loss:>10.4f} {acc:>8.3f}")
    return "\n".join(lines)


def sweep_table(summary: dict[str, Any]) -> str:
    """Mean final metric over seeds, optimizers down, learning rates across."""
    metric, rows = summary["metric"], summary["runs"]
    lrs = summary["lrs"]
    lines = [f"{'mean ' + metric:<14}" + "".join(f"{'lr ' + format(lr, 'g'):>12}" for lr in lrs)]
    for opt in summary["optimizers"]:
        cells = []
        for lr in lrs:
            rs = [r for r in rows if r["optimizer"] == opt and r["lr"] == lr]
            vals = [r[metric] for r in rs if r["status"] == "ok" and r[metric] is not None]
            lost = len(rs) - len(vals)
            cell = (f"{_mean(vals):.4g}" if vals
                    else ", ".join(sorted({r["status"] for r in rs})))
            cells.append(cell + (f" ({lost}✕)" if vals and lost else ""))
        lines.append(f"{opt:<14}" + "".join(f"{c:>12}" for c in cells))
    return "\n".join(lines)
