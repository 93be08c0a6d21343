"""``adamlab landscape``: optimizer paths on a 2-D test function's contour plot."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from adamlab.cli.errors import UsageError, refuse_overwrite
from adamlab.cli.options import choice, int_up_to, name_list, nonneg_int, positive_float
from adamlab.landscape import FUNCTIONS
from adamlab.matrix_problem import DEFAULT_OPTIMIZERS
from adamlab.optim import OPTIMIZERS
from adamlab.rundir import directory as rundir

POINT_DEFAULT = ("adam", "sgd", "momentum", "rmsprop")
DESCRIPTION = """\
Run each optimizer from the same start on a 2-D test function and draw the
paths on its contour plot (landscape.png).

Matrix optimizers have no meaning on a point (x, y): muon (it orthogonalises a
matrix's update) is refused; adafactor, lamb and lars (factors, per-tensor
trust ratios) run, with a note that the point is a degenerate case. For them,
--problem matrix: a linear layer W (8x8) and a bias b fitted by least squares
on ill-conditioned inputs,

    min 1/2 |X W + 1 b' - Y|^2 / n,   Hessian condition number --condition,

each optimizer run as adamlab train runs it (muon on W and its fallback adamw
on b; no weight decay), at its own default rate, --lr, or the best of a ladder
(--tune). matrix.png draws the loss per step (log scale) and W's singular
values over the steps, with the seed, the condition number and each rate."""
MATRIX_ONLY = ("tune", "condition", "seed")  # options of --problem matrix alone
#: The most steps per optimizer: every step is kept (the path drawn, landscape.json ~10 MB per
#: optimizer at this length, a few seconds of work each).
MAX_STEPS = 100_000


def add_parser(sub) -> None:
    p = sub.add_parser(
        "landscape", help="optimizer paths on a 2-D test function, or runs on a matrix problem",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=DESCRIPTION)
    p.add_argument("--problem", choices=("point", "matrix"), default="point",
                   help="point: a 2-D test function (--function); matrix: the matrix problem")
    p.add_argument("--function", type=choice(FUNCTIONS, "function"),
                   help=f"{', '.join(FUNCTIONS)} (default rosenbrock; --problem point only)")
    p.add_argument("--optimizers", type=name_list(OPTIMIZERS, "optimizer"), metavar="A,B,...",
                   help=f"from: {', '.join(OPTIMIZERS)} (default: {','.join(POINT_DEFAULT)}; "
                        f"with --problem matrix {','.join(DEFAULT_OPTIMIZERS)})")
    p.add_argument("--lr", type=positive_float, help="one learning rate for all (default: each "
                   "optimizer family's rate for this function; on the matrix problem each "
                   "optimizer's own default, or --tune)")
    p.add_argument("--steps", type=int_up_to(0, MAX_STEPS, "every step is kept, in the "
                                             "picture and landscape.json"),
                   help=f"steps per optimizer, at most {MAX_STEPS:,} (default: the "
                   "function's; 200 on the matrix problem)")
    p.add_argument("--tune", action="store_true", help="matrix problem: each optimizer at the "
                   "rate of a 1-2-5 ladder (1e-4 .. 10) that ends lowest")
    p.add_argument("--condition", type=positive_float, help="matrix problem: the Hessian's "
                   "condition number, in [1, 1e8] (default 1e4)")
    p.add_argument("--seed", type=nonneg_int, help="matrix problem: the seed that draws X, W*, "
                   "b* and the start (default 0)")
    p.add_argument("--animate", action="store_true", help="also write landscape.gif "
                   "(--problem point)")
    p.add_argument("--out", metavar="DIR", default=".",
                   help="where to write the pictures and their JSON (default: here); files "
                        "already there are kept unless --force")
    p.add_argument("--force", action="store_true",
                   help="replace landscape.png/.json/.gif (matrix.png/.json) already in --out")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from adamlab import plot
    from adamlab.landscape import point_note, run_paths

    if args.problem == "matrix":
        return run_matrix(args)
    given = [f"--{k}" for k in MATRIX_ONLY if getattr(args, k) not in (None, False)]
    if given:
        raise UsageError(f"{', '.join(given)}: for --problem matrix only; a 2-D function takes "
                         "--function, --optimizers, --lr, --steps, --animate")
    refuse_overwrite(Path(args.out), ["landscape.png", "landscape.json"]
                     + ["landscape.gif"] * args.animate, args.force)
    args.function = args.function or "rosenbrock"
    args.optimizers = args.optimizers or list(POINT_DEFAULT)
    try:
        paths = run_paths(args.function, args.optimizers, lr=args.lr, steps=args.steps)
    except ValueError as e:
        raise UsageError(str(e)) from None
    note = point_note(args.optimizers)
    if note and not args.json and not args.quiet:
        print(f"note: {note}", file=sys.stderr)
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
        print(json.dumps({"function": args.function, "paths": result, "note": note,
                          "files": [str(w) for w in written]}))
    elif not args.quiet:
        for r in result:
            flag = "  (diverged)" if r["diverged"] else ""
            print(f"{r['optimizer']:<10} lr {r['lr']:<8g} f = {r['f']:.3g} at "
                  f"({r['final'][0]:.3f}, {r['final'][1]:.3f}){flag}")
        print("wrote " + ", ".join(str(w) for w in written))
    return 0


def run_matrix(args: argparse.Namespace) -> int:
    """``--problem matrix``: every optimizer on ``adamlab.matrix_problem``, matrix.png/.json."""
    from adamlab import matrix_problem, plot

    given = [f"--{k}" for k in ("function", "animate") if getattr(args, k) not in (None, False)]
    if given:
        raise UsageError(f"{', '.join(given)}: for --problem point only; the matrix problem "
                         "takes --optimizers, --lr or --tune, --steps, --condition, --seed")
    if args.tune and args.lr is not None:
        raise UsageError("--tune and --lr: choose one (--tune picks each optimizer's rate)")
    refuse_overwrite(Path(args.out), ["matrix.png", "matrix.json"], args.force)
    names = args.optimizers or list(DEFAULT_OPTIMIZERS)
    steps = 200 if args.steps is None else args.steps
    try:
        problem = matrix_problem.make_problem(
            seed=0 if args.seed is None else args.seed,
            condition=1e4 if args.condition is None else args.condition)
        runs = matrix_problem.run_all(problem, names, lr=args.lr, steps=steps, tune=args.tune)
    except ValueError as e:
        raise UsageError(str(e)) from None
    described = {"seed": problem.seed, "condition": problem.hessian_condition(), "steps": steps,
                 "sv_star": np.linalg.svd(problem.W_star, compute_uv=False).tolist()}
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rundir.save_figure(plot.matrix_runs(runs, described), out / "matrix.png")
    rundir.write_json(out / "matrix.json", {"problem": described, "runs": runs})
    written = [out / "matrix.png", out / "matrix.json"]
    result = [{"optimizer": r["optimizer"], "lr": r["lr"], "tuned": r["tuned"],
               "steps": len(r["loss"]) - 1, "loss": r["loss"][-1], "diverged": r["diverged"]}
              for r in runs]
    if args.json:
        print(json.dumps({"problem": "matrix", "condition": described["condition"],
                          "seed": problem.seed, "runs": result,
                          "files": [str(w) for w in written]}))
    elif not args.quiet:
        print(f"matrix problem: W 8x8, Hessian condition number {described['condition']:.3g}, "
              f"seed {problem.seed}")
        for r in result:
            flag = "  (diverged)" if r["diverged"] else ""
            how = "tuned" if r["tuned"] else "lr"
            print(f"{r['optimizer']:<10} {how} {r['lr']:<8g} f = {r['loss']:.3g} after "
                  f"{r['steps']} steps{flag}")
        print("wrote " + ", ".join(str(w) for w in written))
    return 0
