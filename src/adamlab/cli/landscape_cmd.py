"""``adamlab landscape``: optimizer paths on a 2-D test function's contour plot."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from adamlab.cli.errors import UsageError
from adamlab.cli.options import choice, name_list, nonneg_int, positive_float
from adamlab.landscape import FUNCTIONS
from adamlab.optim import OPTIMIZERS
from adamlab.rundir import directory as rundir


def add_parser(sub) -> None:
    p = sub.add_parser("landscape", help="optimizer paths on a 2-D test function",
                       description="Run each optimizer from the same start on a 2-D test function "
                                   "and draw the paths on its contour plot (landscape.png).")
    p.add_argument("--function", type=choice(FUNCTIONS, "function"), default="rosenbrock",
                   help=f"{', '.join(FUNCTIONS)}")
    p.add_argument("--optimizers", type=name_list(OPTIMIZERS, "optimizer"),
                   default=["adam", "sgd", "momentum", "rmsprop"], metavar="A,B,...",
                   help=f"from: {', '.join(OPTIMIZERS)}")
    p.add_argument("--lr", type=positive_float, help="one learning rate for all (default: each "
                   "optimizer family's rate for this function)")
    p.add_argument("--steps", type=nonneg_int, help="steps per optimizer (default: the function's)")
    p.add_argument("--animate", action="store_true", help="also write landscape.gif")
    p.add_argument("--out", metavar="DIR", default=".", help="where to write the pictures")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from adamlab import plot
    from adamlab.landscape import run_paths

    try:
        paths = run_paths(args.function, args.optimizers, lr=args.lr, steps=args.steps)
    except ValueError as e:
        raise UsageError(str(e)) from None
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rundir.save_figure(plot.landscape(paths, title=f"{args.function}: optimizer paths"),
                       out / "landscape.png")
    rundir.write_json(out / "landscape.json", paths)
    written = [out / "landscape.png", out / "landscape.json"]
    if args.animate:
        written.append(Path(plot.landscape_animation(paths, str(out / "landscape.gif"))))
    result = [{"optimizer": p["optimizer"], "lr": p["lr"], "steps": len(p["xy"]) - 1,
               "final": p["xy"][-1], "f": p["f"][-1], "diverged": p["diverged"]} for p in paths]
    if args.json:
        print(json.dumps({"function": args.function, "paths": result,
                          "files": [str(w) for w in written]}))
    elif not args.quiet:
        for r in result:
            flag = "  (diverged)" if r["diverged"] else ""
            print(f"{r['optimizer']:<10} lr {r['lr']:<8g} f = {r['f']:.3g} at "
                  f"({r['final'][0]:.3f}, {r['final'][1]:.3f}){flag}")
        print("wrote " + ", ".join(str(w) for w in written))
    return 0
