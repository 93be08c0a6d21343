"""``adamlab article``: the article reproduced faithfully, then corrected."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from adamlab.rundir import directory as rundir


def add_parser(sub) -> None:
    p = sub.add_parser("article", help="reproduce the article's Adam example, and correct it",
                       description="Run the article's listing through adamlab's Adam (no bias, "
                                   "per-sample steps: 58%% accuracy) and the corrected model "
                                   "(bias, hidden layer, real learning curve).")
    p.add_argument("--out", metavar="DIR", help="write article.png (both learning curves) there")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from adamlab import article

    result = article.run()
    if args.out:
        from adamlab import plot

        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        rundir.save_figure(plot.article(result), out / "article.png")
        rundir.write_json(out / "article.json", result)
    if args.json:
        print(json.dumps(result))
        return 0
    if not args.quiet:
        f, c = result["faithful"], result["corrected"]
        print("The article, faithfully (σ(x·θ), no bias, one sample per step, 100 epochs):")
        print(f"  theta = {f['theta']}")
        print(f"  training accuracy {f['train_accuracy']:.0%}  (no bias: the boundary must pass "
              "through the origin)")
        print(f"Corrected (bias, hidden layer {c['hidden']}, standardised inputs, mini-batches):")
        print(f"  training accuracy {c['train_accuracy']:.0%}, validation accuracy "
              f"{c['final']['val_accuracy']:.0%} after {int(c['final']['epoch'])} epochs")
        if args.out:
            print(f"wrote {Path(args.out) / 'article.png'}")
    return 0
