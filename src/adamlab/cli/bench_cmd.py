"""``adamlab bench``: a fair benchmark of optimizers (``adamlab.bench``).

Writes ``leaderboard.json`` (schema ``adamlab.bench/1``, docs/bench.md), ``profiles.png`` and
``bench.csv`` (one row per workload × optimizer) into ``--out``; prints the table, or the
leaderboard with ``--json``.
"""

from __future__ import annotations

import argparse
import json
import sys

from adamlab.cli.errors import UsageError
from adamlab.cli.options import choice, name_list, positive_int
from adamlab.optim import OPTIMIZERS
from adamlab.rundir import directory as rundir

DEFAULT = ["adam", "adamw", "sgd", "momentum", "rmsprop", "lion", "schedulefree", "adabelief"]
COLUMNS = ("workload", "optimizer", "best_lr", "steps_to_target", "ci_low", "ci_high",
           "reached", "seeds", "final", "final_metric")


def add_parser(sub) -> None:
    from adamlab.bench import SUITES

    p = sub.add_parser("bench", help="benchmark optimizers fairly (equal tuning budgets)",
                       description="Tune each optimizer's learning rate on the same log grid, "
                                   "rerun the best with fresh seeds, and report steps to each "
                                   "workload's target and the final metric (medians, bootstrap "
                                   "95%% intervals) with performance profiles across workloads.")
    p.add_argument("--suite", type=choice(SUITES, "suite"), default="quick",
                   help=", ".join(f"{k} ({len(v)} workloads)" for k, v in SUITES.items()))
    p.add_argument("--optimizers", type=name_list(OPTIMIZERS, "optimizer"), default=DEFAULT,
                   metavar="A,B,...", help=f"from: {', '.join(OPTIMIZERS)}")
    p.add_argument("--budget", type=positive_int, default=6,
                   help="learning rates tried per optimizer (the same log grid for all)")
    p.add_argument("--seeds", type=positive_int, default=10, help="fresh seeds for the best lr")
    p.add_argument("--workers", type=positive_int, default=1, help="local processes")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="run the populations on this Dask scheduler (needs adamlab[dask])")
    p.add_argument("--out", metavar="DIR", help="output directory (default: a new one under runs/)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from adamlab import plot, sweep
    from adamlab.bench import run_bench
    from adamlab.cli.cluster import scheduler_client

    say = None if args.quiet or args.json else (lambda m: print(m, file=sys.stderr))
    with scheduler_client(args.scheduler) as client:
        try:
            board = run_bench(args.suite, args.optimizers, budget=args.budget, seeds=args.seeds,
                              workers=args.workers, client=client, progress=say)
        except ValueError as e:
            raise UsageError(str(e)) from None
    out = rundir.new_run_dir(args.out, f"bench-{args.suite}")
    board["out"] = str(out)
    rows = [_row(e) for e in board["entries"]]
    with rundir.Lock(out):
        rundir.write_json(out / "leaderboard.json", board)
        rundir.save_figure(plot.bench_profiles(board), out / "profiles.png")
        rundir.write_text(out / "bench.csv", sweep.csv_text(rows, COLUMNS))
    if args.json:
        print(json.dumps(board))
        return 0
    print(table(board))
    print(f"ranking (area under the profile): {', '.join(board['ranking'])}")
    print(f"wrote {out}")
    return 0


def _row(e: dict) -> dict:
    if not e.get("applicable", True):
        return {"workload": e["workload"], "optimizer": e["optimizer"], "best_lr": None,
                "steps_to_target": None, "ci_low": None, "ci_high": None, "reached": None,
                "seeds": None, "final": None, "final_metric": "not applicable"}
    s, f = e["steps_to_target"], e["final"]
    lo, hi = s["ci"] or (None, None)
    return {"workload": e["workload"], "optimizer": e["optimizer"], "best_lr": e["best_lr"],
            "steps_to_target": s["median"], "ci_low": lo, "ci_high": hi,
            "reached": s["reached"], "seeds": e["seeds"], "final": f["median"],
            "final_metric": f["metric"]}


def table(board: dict) -> str:
    """The leaderboard as a Markdown table, optimizers (best first) by workloads: median steps
    to the target [bootstrap 95% interval] and how many seeds reached it."""
    def steps(e: dict) -> str:
        if not e.get("applicable", True):
            return "n/a"
        s = e["steps_to_target"]
        if s["median"] is None:
            return f"never ({s['reached']}/{e['seeds']})"
        lo, hi = (("∞" if v is None else f"{v:.0f}") for v in s["ci"])
        return f"{s['median']:.0f} [{lo}, {hi}] ({s['reached']}/{e['seeds']})"

    by = {(e["workload"], e["optimizer"]): e for e in board["entries"]}
    names = [w["name"] for w in board["workloads"]]
    lines = ["| optimizer (profile area) | " + " | ".join(
                 f"{w['name']} ({w['target_metric']} {w['target']:g})"
                 for w in board["workloads"]) + " |",
             "|---|" + "---|" * len(names)]
    for o in board["ranking"]:
        lines.append(f"| {o} ({board['profile_area'][o]:.2f}) | "
                     + " | ".join(steps(by[w, o]) for w in names) + " |")
    return "\n".join(lines)
