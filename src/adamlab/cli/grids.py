"""What ``compare`` and ``sweep`` share: a grid of runs checked, run with progress ticks, and
its tables. ``compare`` is a sweep with one learning rate: the same tasks (``sweep.grid``), the
same divergence handling (a diverged or failed run is a row), the same CSV writer."""

from __future__ import annotations

import argparse
import contextlib
import math
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from adamlab.cli.errors import RunError, UsageError
from adamlab.cli.interrupt import resume_command
from adamlab.cli.progress import RunTicks
from adamlab.experiment import Settings
from adamlab.rundir.grid import Grid


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


def base_of(base: Settings, tasks: list[dict[str, Any]]) -> dict[str, Any]:
    """The base settings a grid records: as given, with the data as its runs read it (an
    absolute path, the data seed they share)."""
    return {**base.to_dict(), **{k: tasks[0][k] for k in ("data", "target", "data_seed")}}


def resume_dir(args: argparse.Namespace) -> Path:
    """``--resume DIR``, checked to be a directory (and not given with --out)."""
    if args.out:
        raise UsageError(f"--resume writes into the {args.command}'s own directory; drop --out")
    out = Path(args.resume)
    if not out.is_dir():
        raise RunError(f"--resume {out}: no such directory")
    return out


def refuse_contradictions(args: argparse.Namespace, grid: Grid) -> None:
    """Refuse options given along with ``--resume`` that differ from what the grid recorded
    (the same value is accepted); fill the grid's own options in ``args`` from the record."""
    from adamlab.cli.options import FLAGS, given, settings_from_args

    problems = []
    for name, recorded in grid.options.items():
        value = getattr(args, name, None)
        if value is not None and value != recorded:
            problems.append((f"--{name}", recorded, value))
        setattr(args, name, recorded)
    said = given(args)
    if said:
        new = settings_from_args(args).to_dict()
        for name in said:
            if _same_value(name, new[name]) != _same_value(name, grid.settings.get(name)):
                flag = FLAGS.get(name, "--" + name.replace("_", "-"))
                problems.append((flag, grid.settings.get(name), new[name]))
    if problems:
        said_how = "; ".join(f"{flag} was {_shown(a)} there, not {_shown(b)}"
                             for flag, a, b in problems)
        raise UsageError(
            f"--resume {grid.directory}: {said_how}. --resume runs the grid with the settings "
            f"it recorded: drop {', '.join(p[0] for p in problems)}, or start a new "
            f"{grid.command} for other settings")


def _same_value(name: str, value: Any) -> Any:
    """``value`` as the grid compares it: a data file by its absolute path."""
    from adamlab.data.files import is_file_source

    if name in ("data", "target") and isinstance(value, str) and is_file_source(value):
        return str(Path(value).expanduser().absolute())
    return value


def _shown(value: Any) -> str:
    if isinstance(value, list):
        return ",".join(format(v, "g") if isinstance(v, float) else str(v) for v in value)
    return "unset" if value is None else str(value)


def say_resuming(grid: Grid, args: argparse.Namespace, removed: int) -> None:
    """One line on stderr: how many runs are kept, how many to run (nothing with --quiet)."""
    if args.quiet or args.json:
        return
    n, k = len(grid.tasks), len(grid.kept)
    temps = (f"; removed {removed} temporary file{'s' * (removed != 1)} left by interrupted "
             "writes" if removed else "")
    print(f"resuming {grid.directory}: {k} of {n} runs kept, {n - k} to run{temps}",
          file=sys.stderr)


@contextlib.contextmanager
def resuming(args: argparse.Namespace, command: str) -> Iterator[tuple[Grid, int]]:
    """``with resuming(args, "sweep") as (grid, removed):`` the interrupted grid of
    ``--resume DIR``, locked, checked against the options given, cleared of the temporaries
    interrupted writes left (``removed`` of them), and said so on stderr."""
    from adamlab.rundir import directory as rundir

    out = resume_dir(args)
    with rundir.Lock(out):
        grid = Grid.load(out, command)
        refuse_contradictions(args, grid)
        removed = grid.remove_temporaries()
        say_resuming(grid, args, removed)
        yield grid, removed


def kept_note(grid: Grid, command: str) -> str:
    """What an interrupted grid kept, and the command that finishes it."""
    n, k = len(grid.tasks), grid.recount()
    again = resume_command(command, grid.directory)
    if k == n:
        return f"all {n} runs are kept in {grid.directory}; to write the outputs: {again}"
    return (f"{k} of {n} runs are kept in {grid.directory}; to run the other {n - k}: {again}")


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
