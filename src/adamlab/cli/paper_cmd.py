"""``adamlab paper NAME``: a paper's experiment, reproduced; what it claims, what was measured.

Writes ``<NAME>.png`` and ``<NAME>.json`` into ``--out`` (default: a new directory under
``runs/``); prints the claim and the measurement, or the JSON with ``--json``. Exit status 0
whether or not the claim held: the answer is the output (``"holds"``).
"""

from __future__ import annotations

import argparse
import json

from adamlab.cli.options import choice
from adamlab.papers import PAPERS, run_paper
from adamlab.rundir import directory as rundir


def add_parser(sub) -> None:
    p = sub.add_parser("paper", help="reproduce a paper's experiment",
                       description="Run a paper's experiment with adamlab's optimizers, print "
                                   "what the paper claims and what adamlab measured, and write "
                                   "a figure. Papers: " + "; ".join(
                                       f"{k} ({v.citation}: {v.claim})"
                                       for k, v in PAPERS.items()))
    p.add_argument("name", type=choice(PAPERS, "paper"), metavar="NAME",
                   help=", ".join(PAPERS))
    p.add_argument("--quick", action="store_true", help="a smaller setting (seconds)")
    p.add_argument("--out", metavar="DIR", help="output directory (default: a new one under runs/)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    result = run_paper(args.name, quick=args.quick)
    out = rundir.new_run_dir(args.out, f"paper-{args.name}")
    data = {"command": "paper", "citation": PAPERS[args.name].citation, **result.to_dict(),
            "quick": args.quick, "out": str(out)}
    with rundir.Lock(out):
        rundir.save_figure(result.figure, out / f"{args.name}.png")
        rundir.write_json(out / f"{args.name}.json", data)
    if args.json:
        print(json.dumps(data))
    else:
        print(f"{args.name} — {data['citation']}")
        print(f"claim:    {result.claim}")
        print(f"measured: {result.measured}")
        print(f"holds:    {'yes' if result.holds else 'no'} ({result.scale})")
        print(f"wrote {out}")
    return 0
