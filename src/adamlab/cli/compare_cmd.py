"""``adamlab compare``: the same data, model and seeds for several optimizers, overlaid."""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
import time
from pathlib import Path
from typing import Any

from adamlab.cli.errors import RunError
from adamlab.cli.options import add_options, name_list, positive_int, settings_from_args
from adamlab.data import DataError
from adamlab.optim import OPTIMIZERS
from adamlab.rundir import directory as rundir

CSV_COLUMNS = ("optimizer", "seed", "status", "epochs", "loss", "accuracy", "val_loss",
               "val_accuracy", "seconds")


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
    from adamlab import experiment, plot

    base = settings_from_args(args)
    try:
        dataset = experiment.load(base)
    except DataError as e:
        raise RunError(str(e)) from None
    out = rundir.new_run_dir(args.out, f"compare-{Path(base.data).stem}")
    results: list[dict[str, Any]] = []
    jobs = [(name, seed) for name in args.optimizers for seed in range(args.seeds)]
    bar = _bar(len(jobs), args)
    t0 = time.perf_counter()
    with rundir.Lock(out):
        for name, seed in jobs:
            t1 = time.perf_counter()
            s = experiment.Settings.from_dict({
                **base.to_dict(), "optimizer": name, "seed": seed,
                "data_seed": base.data_seed if base.data_seed is not None else 0})
            p = experiment.prepare(s, dataset=dataset)
            status = "ok"
            try:
                p.fit()
            except Exception as e:  # a diverged run is a result, not a failed comparison
                from adamlab.train import DivergenceError

                if not isinstance(e, DivergenceError):
                    raise
                status = "diverged"
            summary = experiment.summarize(p)
            results.append({"optimizer": name, "seed": seed, "status": status,
                            "seconds": time.perf_counter() - t1,
                            "history": p.trainer.history.to_dict()["epochs"], **summary})
            _tick(bar, f"{name} seed {seed}: {status}, "
                       f"val_loss {summary['final']['val_loss']}", args)
        runs = {name: [r["history"] for r in results if r["optimizer"] == name]
                for name in args.optimizers}
        title = (f"{dataset.name}: {len(args.optimizers)} optimizers × {args.seeds} seeds, "
                 f"lr {base.lr:g}")
        rundir.save_figure(plot.comparison(runs, title=title), out / "comparison.png")
        rundir.write_text(out / "comparison.csv", _csv(results))
        summary = {"command": "compare", "settings": base.to_dict(), "optimizers": args.optimizers,
                   "seeds": args.seeds, "seconds": time.perf_counter() - t0, "out": str(out),
                   "runs": [{k: v for k, v in r.items() if k != "history"} for r in results]}
        rundir.write_json(out / "summary.json", summary)
    if bar is not None:
        bar.close()
    if args.json:
        print(json.dumps(summary))
    else:
        print(_table(results, args.optimizers))
        print(f"wrote {out}")
    return 0


def _bar(total: int, args: argparse.Namespace):
    if args.quiet or args.json or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="run", desc="compare", file=sys.stderr)


def _tick(bar, text: str, args: argparse.Namespace) -> None:
    if bar is not None:
        bar.update(1)
    elif not (args.quiet or args.json):
        print(text, file=sys.stderr, flush=True)


def _csv(results: list[dict[str, Any]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for r in results:
        f = r["final"]
        w.writerow([r["optimizer"], r["seed"], r["status"], r["epochs"],
                    *("" if f[k] is None else repr(f[k])
                      for k in ("loss", "accuracy", "val_loss", "val_accuracy")),
                    f"{r['seconds']:.3f}"])
    return buf.getvalue()


def _table(results: list[dict[str, Any]], names: list[str]) -> str:
    import math

    lines = [f"{'optimizer':<10} {'val_loss':>10} {'val_acc':>8}  (mean over seeds)"]
    for name in names:
        rows = [r["final"] for r in results if r["optimizer"] == name]
        def mean(k: str, rows: list[dict[str, Any]] = rows) -> float:
            vals = [row[k] for row in rows if row[k] is not None]
            return sum(vals) / len(vals) if vals else math.nan
        lines.append(f"{name:<10} {mean('val_loss'):>10.4f} {mean('val_accuracy'):>8.3f}")
    return "\n".join(lines)
