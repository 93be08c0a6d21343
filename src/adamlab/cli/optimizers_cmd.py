"""``adamlab optimizers``: the registry's table — every name, what it keeps, how it decays."""

from __future__ import annotations

import argparse
import json

from adamlab.optim import table


def add_parser(sub) -> None:
    p = sub.add_parser("optimizers", help="list the optimizers",
                       description="Every optimizer name --optimizer takes: its class, the state "
                                   "it keeps per weight, how weight decay enters, what it is "
                                   "checked against, its paper (docs/optimizers.md has the "
                                   "same table).")
    p.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.json:
        print(json.dumps({"optimizers": table.rows()}))
    else:
        print(table.markdown() if args.markdown else table.text())
    return 0
