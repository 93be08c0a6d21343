"""``adamlab lr-find``: the learning-rate range test for the run ``adamlab train`` would make.

Writes ``lr_find.png`` (smoothed loss against lr, the suggestion and its range) and
``lr_find.json`` (``LRFind.to_dict()``); prints the suggestion, or the JSON with ``--json``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from adamlab.cli.errors import RunError, UsageError
from adamlab.cli.options import add_options, positive_float, positive_int, settings_from_args
from adamlab.data import DataError
from adamlab.rundir import directory as rundir

#: Training options that have no meaning for a range test (it sets the lr every step itself).
NOT_HERE = {"lr": "--lr (the test sweeps it: use --lr-min/--lr-max)",
            "epochs": "--epochs (the test runs --steps steps)",
            "schedule": "--schedule", "warmup": "--warmup",
            "early_stopping": "--early-stopping"}


def add_parser(sub) -> None:
    p = sub.add_parser("lr-find", help="find a learning rate: the range test (Smith 2017)",
                       description="Train for a few steps while the learning rate grows "
                                   "exponentially, once per seed, and read a suggested learning "
                                   "rate and a range off the smoothed loss (lr_find.png, "
                                   "lr_find.json). The other options are adamlab train's.")
    p.add_argument("--lr-min", type=positive_float, default=1e-6, help="first learning rate")
    p.add_argument("--lr-max", type=positive_float, default=1.0, help="last learning rate")
    p.add_argument("--steps", type=positive_int, default=100,
                   help="steps of the test (20 to 100000)")
    p.add_argument("--seeds", type=positive_int, default=3, metavar="K",
                   help="seeds 0..K-1 (each its own weights and batch order)")
    add_options(p)
    p.add_argument("--out", metavar="DIR", help="output directory (default: a new one under runs/)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from adamlab import plot
    from adamlab.population.lrfind import lr_find

    bad = [text for dest, text in NOT_HERE.items() if getattr(args, dest, None) is not None]
    if bad:
        raise UsageError(f"lr-find does not take {', '.join(bad)}")
    settings = settings_from_args(args)
    try:
        result = lr_find(settings, seeds=args.seeds, lr_min=args.lr_min, lr_max=args.lr_max,
                         steps=args.steps)
    except DataError as e:  # bad data is exit 1, as for train
        raise RunError(str(e)) from None
    except ValueError as e:
        raise UsageError(str(e)) from None
    out = rundir.new_run_dir(args.out, f"lrfind-{Path(settings.data).stem}")
    data = {"command": "lr-find", **result.to_dict(), "out": str(out)}
    with rundir.Lock(out):
        rundir.save_figure(plot.lr_find(data), out / "lr_find.png")
        rundir.write_json(out / "lr_find.json", data)
    if args.json:
        print(json.dumps(data))
    else:
        lo, hi = result.range
        print(f"suggested lr {result.suggestion:.3g} (range {lo:.3g} to {hi:.3g} over "
              f"{len(result.seeds)} seeds, {settings.optimizer} on {settings.data})")
        print(f"how: {result.method}")
        print(f"wrote {out}")
    return 0
