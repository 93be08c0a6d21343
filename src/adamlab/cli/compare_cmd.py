"""``adamlab compare``: the same data, model and seeds for several optimizers, overlaid.

A sweep with one learning rate (``sweep.grid``, run here in order): a diverged run is a row like
in a sweep, a run that fails is a row too and the command then exits 1.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from adamlab.cli import grids
from adamlab.cli.options import add_options, name_list, positive_int, settings_from_args
from adamlab.cli.progress import RunTicks
from adamlab.experiment import Settings
from adamlab.optim import OPTIMIZERS
from adamlab.rundir import directory as rundir

CSV_COLUMNS = ("optimizer", "seed", "status", "epochs", "loss", "accuracy", "val_loss",
               "val_accuracy", "seconds")
#: What summary.json keeps of each run.
RUN_FIELDS = ("optimizer", "seed", "status", "seconds", "final", "epochs", "steps",
              "params_sha256")


def add_parser(sub) -> None:
    p = sub.add_parser("compare", help="compare optimizers on the same data, model and seeds",
                       description="Train the same model on the same data with each optimizer and "
                                   "each seed; write comparison.png (mean and band over seeds) and "
                                   "comparison.csv.")
    p.add_argument("--optimizers", type=name_list(OPTIMIZERS, "optimizer"),
                   default=["adam", "sgd", "momentum", "rmsprop"], metavar="A,B,...",
                   help=f"from: {', '.join(OPTIMIZERS)}")
    p.add_argument("--seeds", type=positive_int, default=3, metavar="K",
                   help="seeds 0..K-1 per optimizer")
    add_options(p, optimizer=False)
    p.add_argument("--out", metavar="DIR", help="output directory (default: a new one under runs/)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from adamlab import plot, sweep

    base = settings_from_args(args)
    # Synthetic data is drawn once for every run: with data_seed, else --seed (default 0).
    data_seed = base.data_seed if base.data_seed is not None else base.seed
    base = Settings.from_dict({**base.to_dict(), "data_seed": data_seed})
    tasks, data_name = grids.tasks(base, args.optimizers, [base.lr], args.seeds)
    out = rundir.new_run_dir(args.out, f"compare-{Path(base.data).stem}")
    t0 = time.perf_counter()
    with rundir.Lock(out):
        ticks = RunTicks(len(tasks), "compare", args, with_lr=False)
        results = grids.collect(sweep.run_local(tasks, 1), len(tasks), ticks)
        rows = sweep.table(results)
        runs = {name: [r["history"] for r in results if r["settings"]["optimizer"] == name]
                for name in args.optimizers}
        title = (f"{data_name}: {len(args.optimizers)} optimizers × {args.seeds} seeds, "
                 f"lr {base.lr:g}")
        rundir.save_figure(plot.comparison(runs, title=title), out / "comparison.png")
        rundir.write_text(out / "comparison.csv", sweep.csv_text(rows, CSV_COLUMNS))
        summary = {"command": "compare", "settings": base.to_dict(), "optimizers": args.optimizers,
                   "seeds": args.seeds, "seconds": time.perf_counter() - t0, "out": str(out),
                   "runs": [_run_fields(r, row) for r, row in zip(results, rows, strict=True)]}
        rundir.write_json(out / "summary.json", summary)
    if args.json:
        print(json.dumps(summary))
    else:
        print(grids.compare_table(rows, args.optimizers))
        print(f"wrote {out}")
    grids.refuse_failed(rows, out / "comparison.csv")
    return 0


def _run_fields(result: dict[str, Any], row: dict[str, Any]) -> dict[str, Any]:
    both = {**result, "optimizer": row["optimizer"], "seed": row["seed"]}
    return {k: both[k] for k in RUN_FIELDS}
