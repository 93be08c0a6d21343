"""``adamlab sweep``: optimizer × learning rate × seed, here (joblib) or on a Dask cluster.

Writes ``sweep.csv`` (one row per run), ``sweep.png`` (final loss against learning rate),
``best_learning_curves.png`` (the best run), ``summary.json`` and ``histories.json``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from adamlab.cli import grids
from adamlab.cli.errors import RunError, UsageError
from adamlab.cli.options import (
    add_options,
    name_list,
    positive_float,
    positive_int,
    settings_from_args,
)
from adamlab.cli.progress import RunTicks
from adamlab.optim import OPTIMIZERS
from adamlab.rundir import directory as rundir


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
        default=["adam", "sgd"],
        metavar="A,B,...",
        help=f"from: {', '.join(OPTIMIZERS)}",
    )
    grid.add_argument(
        "--lrs",
        type=lr_list,
        default=[1e-4, 1e-3, 1e-2, 1e-1],
        metavar="LR,LR,...",
        help="learning rates (default: 1e-4,1e-3,1e-2,1e-1)",
    )
    grid.add_argument(
        "--seeds", type=positive_int, default=3, metavar="K", help="seeds 0..K-1 per setting"
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
        help="run in N local processes (default 1: in this process)",
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
    p.add_argument("--out", metavar="DIR", help="output directory (default: a new one under runs/)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from adamlab import sweep

    _check_usage(args)
    tasks, _ = grids.tasks(settings_from_args(args), args.optimizers, args.lrs, args.seeds)
    client = None
    if args.scheduler:
        _quiet_dask_logs()
        try:
            client = sweep.connect(_address(args.scheduler), timeout=args.connect_timeout)
        except sweep.DaskMissing as e:
            raise UsageError(str(e)) from None
        except sweep.SchedulerError as e:
            raise RunError(str(e)) from None
    try:
        out = rundir.new_run_dir(args.out, f"sweep-{Path(tasks[0]['data']).stem}")
        with rundir.Lock(out):
            t0 = time.perf_counter()
            pairs = (
                sweep.run_local(tasks, args.workers or 1)
                if client is None
                else sweep.run_dask(tasks, client, idle_timeout=args.connect_timeout)
            )
            results = grids.collect(pairs, len(tasks), RunTicks(len(tasks), "sweep", args))
            summary = _write(out, args, tasks, results, time.perf_counter() - t0)
    finally:
        if client is not None:
            client.close()
    _report(summary, args)
    grids.refuse_failed(summary["runs"], out / "sweep.csv")
    return 0


def _check_usage(args: argparse.Namespace) -> None:
    if args.lr is not None:
        raise UsageError("--lr: a sweep tries the learning rates of --lrs (e.g. --lrs 1e-3,1e-2)")
    if args.seed is not None:
        raise UsageError("--seed: a sweep runs seeds 0..K-1 of --seeds K")
    if args.scheduler and args.workers is not None:
        raise UsageError(
            "--workers is for local runs; with --scheduler the cluster's workers run them"
        )


def _quiet_dask_logs() -> None:
    """distributed logs a lost scheduler with tracebacks while it retries; the sweep reports
    what it cost (failed rows, one line) itself. ``ADAMLAB_DEBUG=1`` keeps the logs."""
    import logging
    import os

    if os.environ.get("ADAMLAB_DEBUG"):
        return
    try:
        import distributed  # noqa: F401 — its import sets up the loggers silenced below
    except ImportError:
        return  # connect() says what to install

    for name in ["distributed", *logging.root.manager.loggerDict]:
        if name == "distributed" or name.startswith("distributed."):
            logging.getLogger(name).setLevel(logging.CRITICAL)


def _address(text: str) -> str:
    """``tcp://HOST:PORT`` (``HOST:PORT`` taken as tcp), checked for a host and a port."""
    from urllib.parse import urlsplit

    address = text.strip() if "://" in text else f"tcp://{text.strip()}"
    parts = urlsplit(address)
    try:
        ok = bool(parts.hostname) and parts.port is not None
    except ValueError:
        ok = False
    if not ok:
        raise UsageError(
            f"--scheduler {text!r}: give the scheduler's address as tcp://HOST:PORT "
            "(Dask's default port is 8786)"
        )
    return address


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
    print(f"wrote {summary['out']}")
