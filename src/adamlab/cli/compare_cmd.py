"""``adamlab compare``: the same data, model and seeds for several optimizers, overlaid.

A sweep with one learning rate (``sweep.grid``, run here: as one stacked population where the runs
can train together, ``sweep.run_local_populations``, else one by one): a diverged run is a row like
in a sweep, a run that fails is a row too and the command then exits 1. Like a sweep it keeps
each run as it finishes (``rundir.grid``), and ``--resume DIR`` finishes an interrupted one.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from adamlab.cli import grids
from adamlab.cli.interrupt import stopped
from adamlab.cli.options import add_options, name_list, positive_int, settings_from_args
from adamlab.cli.progress import RunTicks
from adamlab.experiment import Settings
from adamlab.optim import OPTIMIZERS
from adamlab.rundir import directory as rundir
from adamlab.rundir.grid import Grid

CSV_COLUMNS = ("optimizer", "seed", "status", "epochs", "loss", "accuracy", "val_loss",
               "val_accuracy", "seconds")
#: The grid's own options, when not given.
GRID_DEFAULTS = {"optimizers": ["adam", "sgd", "momentum", "rmsprop"], "seeds": 3}
#: What summary.json keeps of each run.
RUN_FIELDS = ("optimizer", "seed", "status", "seconds", "final", "epochs", "steps",
              "params_sha256")


def add_parser(sub) -> None:
    p = sub.add_parser("compare", help="compare optimizers on the same data, model and seeds",
                       description="Train the same model on the same data with each optimizer and "
                                   "each seed; write comparison.png (mean and band over seeds) and "
                                   "comparison.csv.")
    p.add_argument("--optimizers", type=name_list(OPTIMIZERS, "optimizer"),
                   metavar="A,B,...",
                   help=f"from: {', '.join(OPTIMIZERS)} (default: adam,sgd,momentum,rmsprop)")
    p.add_argument("--seeds", type=positive_int, metavar="K",
                   help="seeds 0..K-1 per optimizer (default 3)")
    add_options(p, optimizer=False)
    p.add_argument("--single-runs", action="store_true",
                   help="train each run on its own instead of the runs together as one stacked "
                        "population (the default where they can be; the same numbers)")
    p.add_argument("--out", metavar="DIR", help="output directory (default: a new one under runs/)")
    p.add_argument("--resume", metavar="DIR",
                   help="finish the interrupted compare in DIR: run only its missing runs, with "
                        "the settings it recorded, and write its outputs")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.resume:
        with grids.resuming(args, "compare") as (grid, removed):
            ran = len(grid.missing())
            summary, rows = _run_and_write(grid, args)
        resumed = {"kept": len(grid.tasks) - ran, "ran": ran, "temporaries_removed": removed}
        return _report(summary, rows, args, resumed)
    for name, default in GRID_DEFAULTS.items():
        if getattr(args, name) is None:
            setattr(args, name, default)
    base = settings_from_args(args)
    # Synthetic data is drawn once for every run: with data_seed, else --seed (default 0).
    data_seed = base.data_seed if base.data_seed is not None else base.seed
    base = Settings.from_dict({**base.to_dict(), "data_seed": data_seed})
    tasks, data_name = grids.tasks(base, args.optimizers, [base.lr], args.seeds)
    out = rundir.new_run_dir(args.out, f"compare-{Path(base.data).stem}")
    with rundir.Lock(out):
        options = {k: getattr(args, k) for k in GRID_DEFAULTS}
        grid = Grid.start(out, "compare", options, grids.base_of(base, tasks), tasks,
                          data_name)
        summary, rows = _run_and_write(grid, args)
    return _report(summary, rows, args)


def _run_and_write(grid: Grid, args: argparse.Namespace
                   ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Run what is missing, keeping each run as it finishes, then write the outputs."""
    from adamlab import plot, sweep

    out, base = grid.directory, grid.settings
    t0 = time.perf_counter()
    try:
        ticks = RunTicks(len(grid.missing()), "compare", args, with_lr=False)
        try:
            grid.run(_executor(args), ticks)
        finally:
            ticks.close()
        results = grid.results()
        rows = sweep.table(results)
        runs = {name: [r["history"] for r in results if r["settings"]["optimizer"] == name]
                for name in args.optimizers}
        name = grid.data.get("name") or Path(base["data"]).stem
        title = (f"{name}: {len(args.optimizers)} optimizers × {args.seeds} seeds, "
                 f"lr {base['lr']:g}")
        rundir.save_figure(plot.comparison(runs, title=title), out / "comparison.png")
        rundir.write_text(out / "comparison.csv", sweep.csv_text(rows, CSV_COLUMNS))
        summary = {"command": "compare", "settings": base, "optimizers": args.optimizers,
                   "seeds": args.seeds, "seconds": time.perf_counter() - t0, "out": str(out),
                   "trained": sweep.trained_note(results),
                   "runs": [_run_fields(r, row) for r, row in zip(results, rows, strict=True)]}
        rundir.write_json(out / "summary.json", summary)
    except KeyboardInterrupt as e:
        raise stopped(e, grids.kept_note(grid, "compare")) from None
    return summary, rows


def _executor(args: argparse.Namespace) -> Any:
    """Here, in order: the runs that can train together as one stacked population
    (``sweep.run_local_populations``: the same numbers as one after another), each chunk kept as
    it finishes; ``--single-runs``: one run after another."""
    from adamlab import sweep

    if getattr(args, "single_runs", False):
        return lambda tasks: sweep.run_local(tasks, 1)
    return lambda tasks: sweep.run_local_populations(tasks, 1)


def _report(summary: dict[str, Any], rows: list[dict[str, Any]], args: argparse.Namespace,
            resumed: dict[str, Any] | None = None) -> int:
    if args.json:
        print(json.dumps(summary if resumed is None else {**summary, "resume": resumed}))
    else:
        print(grids.compare_table(rows, args.optimizers))
        if resumed is not None:
            print(f"resumed: {resumed['kept']} runs were kept, {resumed['ran']} ran now")
        print(f"trained: {summary['trained']}")
        print(f"wrote {summary['out']}")
    grids.refuse_failed(rows, Path(summary["out"]) / "comparison.csv")
    return 0


def _run_fields(result: dict[str, Any], row: dict[str, Any]) -> dict[str, Any]:
    both = {**result, "optimizer": row["optimizer"], "seed": row["seed"]}
    return {k: both[k] for k in RUN_FIELDS}
