"""``adamlab sweep``: optimizer × learning rate × seed, here (joblib) or on a Dask cluster.

Writes ``sweep.csv`` (one row per run), ``sweep.png`` (final loss against learning rate),
``best_learning_curves.png`` (the best run), ``summary.json`` and ``histories.json``.

Interrupted work is kept (``rundir.grid``): the grid is recorded in ``grid.json`` before the
first run and each run in ``runs/`` the moment it finishes; Ctrl-C or SIGTERM says how many
are kept and the command that finishes the sweep, ``adamlab sweep --resume DIR``, which runs
only what is missing and writes what the uninterrupted sweep would have.
"""

from __future__ import annotations

import argparse
import json
import time
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from adamlab.cli import grids
from adamlab.cli.cluster import scheduler_client
from adamlab.cli.errors import UsageError
from adamlab.cli.interrupt import stopped
from adamlab.cli.options import (
    add_options,
    name_list,
    positive_float,
    positive_int,
    settings_from_args,
)
from adamlab.cli.progress import RunTicks, workers_for
from adamlab.optim import OPTIMIZERS
from adamlab.rundir import directory as rundir
from adamlab.rundir.grid import Grid

#: The grid's own options, when not given (None on the command line: "not given" is visible).
GRID_DEFAULTS = {"optimizers": ["adam", "sgd"], "lrs": [1e-4, 1e-3, 1e-2, 1e-1], "seeds": 3}


def lr_list(text: str) -> list[float]:
    """``1e-4,1e-3,1e-2`` -> [0.0001, 0.001, 0.01] (finite, > 0, each once)."""
    parts = [t.strip() for t in text.split(",") if t.strip()]
    if not parts:
        raise argparse.ArgumentTypeError(
            f"expected learning rates like 1e-4,1e-3,1e-2, got {text!r}"
        )
    lrs: list[float] = []
    for t in parts:
        try:
            lr = positive_float(t)
        except argparse.ArgumentTypeError:
            raise argparse.ArgumentTypeError(
                f"expected learning rates > 0 like 1e-4,1e-3,1e-2, got {t!r} in {text!r}"
            ) from None
        if lr not in lrs:
            lrs.append(lr)
    return lrs


def add_parser(sub) -> None:
    p = sub.add_parser(
        "sweep",
        help="optimizer × learning rate × seed grids, here or on Dask",
        description="Train every combination of optimizer, learning rate and seed as "
        "an independent run, in local processes (--workers) or on a Dask "
        "cluster (--scheduler); write sweep.csv, sweep.png (final loss "
        "against learning rate) and the best run's learning curves.",
    )
    grid = p.add_argument_group("grid")
    grid.add_argument(
        "--optimizers",
        type=name_list(OPTIMIZERS, "optimizer"),
        metavar="A,B,...",
        help=f"from: {', '.join(OPTIMIZERS)} (default: adam,sgd)",
    )
    grid.add_argument(
        "--lrs",
        type=lr_list,
        metavar="LR,LR,...",
        help="learning rates (default: 1e-4,1e-3,1e-2,1e-1)",
    )
    grid.add_argument(
        "--seeds", type=positive_int, metavar="K", help="seeds 0..K-1 per setting (default 3)"
    )
    add_options(p, optimizer=False)
    for action in p._actions:  # refused by _check_usage: parsed (to say why), not offered
        if action.dest in ("lr", "seed"):
            action.help = argparse.SUPPRESS
    where = p.add_argument_group("where the runs go")
    where.add_argument(
        "--workers",
        type=positive_int,
        default=None,
        metavar="N",
        help="run in N local processes (default 1: in this process; at most one per run)",
    )
    where.add_argument(
        "--scheduler",
        metavar="tcp://HOST:PORT",
        help="submit the runs to this Dask scheduler (needs adamlab[dask])",
    )
    where.add_argument(
        "--connect-timeout",
        type=positive_float,
        default=30.0,
        metavar="SECONDS",
        help="give up on a scheduler that has had no worker (or no answer) for this long",
    )
    where.add_argument(
        "--single-runs",
        action="store_true",
        help="train each run on its own (one task per run) instead of runs alike together as "
        "stacked populations (the default; the same numbers)",
    )
    p.add_argument("--out", metavar="DIR", help="output directory (default: a new one under runs/)")
    p.add_argument("--resume", metavar="DIR",
                   help="finish the interrupted sweep in DIR: run only its missing runs, with "
                        "the grid and settings it recorded, and write its outputs")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    _check_usage(args)
    if args.resume:
        return _resume(args)
    for name, default in GRID_DEFAULTS.items():
        if getattr(args, name) is None:
            setattr(args, name, default)
    base = settings_from_args(args)
    tasks, _ = grids.tasks(base, args.optimizers, args.lrs, args.seeds)
    options = {k: getattr(args, k) for k in GRID_DEFAULTS}
    with _client(args) as client:
        out = rundir.new_run_dir(args.out, f"sweep-{Path(tasks[0]['data']).stem}")
        with rundir.Lock(out):
            grid = Grid.start(out, "sweep", options, grids.base_of(base, tasks), tasks)
            summary = _run_and_write(grid, args, client)
    return _finish(summary, args)


def _resume(args: argparse.Namespace) -> int:
    with grids.resuming(args, "sweep") as (grid, removed):
        with _client(args) as client:
            summary = _run_and_write(grid, args, client)
    return _finish(summary, args, {"kept": len(grid.tasks) - summary["ran"],
                                   "ran": summary["ran"], "temporaries_removed": removed})


def _client(args: argparse.Namespace) -> AbstractContextManager[Any]:
    """The Dask client of ``--scheduler`` (closed after), or None for local runs."""
    return scheduler_client(args.scheduler, args.connect_timeout)


def _executor(args: argparse.Namespace, client: Any) -> Any:
    """How the runs execute: given their settings, yields ``(position, result)`` as each
    finishes (one by one, or a population at a time: ``rundir.grid.Grid.run`` keeps each)."""
    from adamlab import sweep

    if getattr(args, "single_runs", False):
        if client is None:
            return lambda tasks: sweep.run_local(tasks, args.workers or 1)
        return lambda tasks: sweep.run_dask(tasks, client, idle_timeout=args.connect_timeout)
    if client is None:  # runs alike as populations, one per worker (the rest alone)
        return lambda tasks: sweep.run_local_populations(tasks, args.workers or 1)
    return lambda tasks: sweep.run_dask_populations(tasks, client,
                                                    idle_timeout=args.connect_timeout)


def _run_and_write(grid: Grid, args: argparse.Namespace, client: Any) -> dict[str, Any]:
    """Run what is missing, keeping each run as it finishes, then write the outputs; an
    interrupt says how many runs are kept and how to finish."""
    t0 = time.perf_counter()
    todo = len(grid.missing())
    if client is None:
        args.workers = workers_for(args, todo)
    try:
        ticks = RunTicks(todo, "sweep", args)
        try:
            grid.run(_executor(args, client), ticks)
        finally:
            ticks.close()
        summary = _write(grid.directory, args, grid.tasks, grid.results(),
                         time.perf_counter() - t0)
    except KeyboardInterrupt as e:
        raise stopped(e, grids.kept_note(grid, "sweep")) from None
    return {**summary, "ran": todo}


def _finish(summary: dict[str, Any], args: argparse.Namespace,
            resumed: dict[str, Any] | None = None) -> int:
    summary.pop("ran")
    _report(summary if resumed is None else {**summary, "resume": resumed}, args)
    grids.refuse_failed(summary["runs"], Path(summary["out"]) / "sweep.csv")
    return 0


def _check_usage(args: argparse.Namespace) -> None:
    if args.out and args.resume:
        raise UsageError("--resume writes into the sweep's own directory; drop --out")
    if args.lr is not None:
        raise UsageError("--lr: a sweep tries the learning rates of --lrs (e.g. --lrs 1e-3,1e-2)")
    if args.seed is not None:
        raise UsageError("--seed: a sweep runs seeds 0..K-1 of --seeds K")
    if args.scheduler and args.workers is not None:
        raise UsageError(
            "--workers is for local runs; with --scheduler the cluster's workers run them"
        )


def _write(
    out: Path,
    args: argparse.Namespace,
    tasks: list[dict[str, Any]],
    results: list[dict[str, Any]],
    seconds: float,
) -> dict[str, Any]:
    from adamlab import plot, sweep

    rows = sweep.table(results)
    metric = sweep.metric_of(rows)
    top = sweep.best(rows, metric)
    rundir.write_text(out / "sweep.csv", sweep.csv_text(rows))
    data = Path(tasks[0]["data"]).stem
    title = (
        f"{data}: final {metric} after {tasks[0]['epochs']} epochs, "
        f"mean over {args.seeds} seed{'s' * (args.seeds > 1)} (band: min–max)"
    )
    rundir.save_figure(plot.sweep(rows, metric=metric, title=title, best=top), out / "sweep.png")
    if top is not None:
        i = next(
            i
            for i, r in enumerate(rows)
            if (r["optimizer"], r["lr"], r["seed"]) == (top["optimizer"], top["lr"], top["seed"])
        )
        top["run"] = i
        history = results[i]["history"]
        if history.get("loss"):
            fig = plot.learning_curves(
                history,
                title=f"{data}: best run, {top['optimizer']}, lr {top['lr']:g}, seed {top['seed']}",
            )
            rundir.save_figure(fig, out / "best_learning_curves.png")
    base = {k: v for k, v in tasks[0].items() if k not in ("optimizer", "lr", "seed")}
    n = args.workers or 1
    where = f"dask {args.scheduler}" if args.scheduler else f"local, {n} process{'es' * (n > 1)}"
    counts = {s: sum(r["status"] == s for r in rows) for s in ("ok", "diverged", "failed")}
    summary = {
        "command": "sweep",
        "settings": base,
        "optimizers": args.optimizers,
        "lrs": args.lrs,
        "seeds": args.seeds,
        "runs_total": len(rows),
        "status": counts,
        "where": where,
        "trained": sweep.trained_note(results),  # in populations, or alone and why
        "seconds": seconds,
        "metric": metric,
        "best": top,
        "out": str(out),
        "runs": [sweep.plain(r) for r in rows],
    }
    rundir.write_json(out / "summary.json", summary)
    rundir.write_json(out / "histories.json", [r["history"] for r in results])
    return summary


def _report(summary: dict[str, Any], args: argparse.Namespace) -> None:
    if args.json:
        print(json.dumps(summary))
        return
    if args.quiet:
        print(summary["out"])
        return
    print(grids.sweep_table(summary))
    b = summary["best"]
    if b is not None:
        print(
            f"best: {b['optimizer']}, lr {b['lr']:g}: mean {b['metric']} {b['mean']:.4g} over "
            f"{b['seeds']} seed{'s' * (b['seeds'] > 1)}"
        )
    else:
        print("best: none (no setting finished for every seed)")
    s = summary["status"]
    counts = ", ".join(f"{n} {status}" for status, n in s.items())
    print(
        f"{summary['runs_total']} runs ({counts}) in {summary['seconds']:.1f} s, {summary['where']}"
    )
    print(f"trained: {summary['trained']}")
    if "resume" in summary:
        r = summary["resume"]
        print(f"resumed: {r['kept']} runs were kept, {r['ran']} ran now")
    print(f"wrote {summary['out']}")
