"""``adamlab schedule``: picture a learning-rate schedule before training with it."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from adamlab.cli.errors import UsageError, refuse_overwrite
from adamlab.cli.options import (
    MAX_EPOCHS,
    choice,
    epochs_count,
    nonneg_float,
    nonneg_int,
    positive_float,
    positive_int,
)
from adamlab.optim import SCHEDULES, make_schedule
from adamlab.rundir import directory as rundir


def add_parser(sub) -> None:
    p = sub.add_parser("schedule", help="picture a learning-rate schedule",
                       description="Compute a learning-rate schedule per epoch and draw it "
                                   "(schedule.png), as adamlab train would apply it.")
    p.add_argument("--schedule", type=choice(SCHEDULES, "schedule"), default="cosine",
                   help=", ".join(s for s, spec in SCHEDULES.items() if not spec.needs_metric))
    p.add_argument("--epochs", type=epochs_count, default=100,
                   help=f"length of the run, at most {MAX_EPOCHS:,} (as train's)")
    p.add_argument("--lr", type=positive_float, default=0.01, help="base learning rate")
    p.add_argument("--warmup", type=nonneg_int, default=0, help="linear warmup epochs (cosine)")
    p.add_argument("--gamma", type=positive_float, help="decay factor (step, exponential)")
    p.add_argument("--step-size", type=positive_int, help="epochs between decays (step)")
    p.add_argument("--eta-min", type=nonneg_float, default=0.0, help="final learning rate (cosine)")
    p.add_argument("--out", metavar="DIR", default=".",
                   help="where to write schedule.png (default: here); a schedule.png already "
                        "there is kept unless --force")
    p.add_argument("--force", action="store_true", help="replace a schedule.png already in --out")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if SCHEDULES[args.schedule].needs_metric:
        drawable = ", ".join(s for s, spec in SCHEDULES.items() if not spec.needs_metric)
        raise UsageError(f"the {args.schedule} schedule follows a metric measured in training "
                         f"(the validation loss), so it cannot be drawn before training; "
                         f"choose one of {drawable}")
    refuse_overwrite(Path(args.out), ["schedule.png"], args.force)
    try:
        sched = make_schedule(args.schedule, args.epochs, warmup=args.warmup, gamma=args.gamma,
                              step_size=args.step_size, eta_min=args.eta_min)
    except ValueError as e:
        raise UsageError(str(e)) from None
    lrs = [sched(t, args.lr) for t in range(args.epochs)]
    from adamlab import plot

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    title = f"{args.schedule} schedule, lr {args.lr:g}" + (
        f", warmup {args.warmup}" if args.warmup else "")
    rundir.save_figure(plot.schedule(lrs, title=title), out / "schedule.png")
    if args.json:
        print(json.dumps({"schedule": args.schedule, "lrs": lrs, "out": str(out / "schedule.png")}))
    elif not args.quiet:
        print(f"lr: epoch 1 {lrs[0]:.4g}, epoch {args.epochs} {lrs[-1]:.4g}; "
              f"wrote {out / 'schedule.png'}")
    return 0
