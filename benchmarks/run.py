"""Run adamlab's benchmarks against scikit-learn and PyTorch, and print one table.

    python benchmarks/run.py                 # every workload, 3 timed rounds each
    python benchmarks/run.py --quick         # smaller data, 1 round: a smoke test, not a result
    python benchmarks/run.py --repeat 5 --only tabular,article
    python benchmarks/run.py --profile       # where adamlab's time goes, per workload
    python benchmarks/run.py --markdown out.md   # also write the report as Markdown

Contenders take turns in the same process (round 1: a, b, c; round 2: a, b, c; ...) after an
untimed warm-up round, and the median is reported. A peer that is not installed is reported
as skipped. See benchmarks/README.md for the workloads and docs/benchmarks.md for results.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

# OpenBLAS reads these when it is loaded: an inherited OPENBLAS_CORETYPE forces a kernel other
# than the one for this CPU, and OPENBLAS_L2_SIZE changes its blocking. Unset them for this run
# (restarting the interpreter, so that they are unset before numpy loads OpenBLAS).
_OVERRIDES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
if any(v in os.environ for v in _OVERRIDES):
    unset = [v for v in _OVERRIDES if v in os.environ]
    env = {k: v for k, v in os.environ.items() if k not in _OVERRIDES}
    env["ADAMLAB_BENCH_UNSET"] = ",".join(f"{v}={os.environ[v]}" for v in unset)
    os.execve(sys.executable, [sys.executable, *sys.argv], env)

import article  # noqa: E402
import landscape  # noqa: E402
import machine  # noqa: E402
import memory  # noqa: E402
import optimizer_step  # noqa: E402
import population  # noqa: E402
import scaling  # noqa: E402
import tabular  # noqa: E402
import wide  # noqa: E402
from common import Result, Settings, Target, fmt_value  # noqa: E402

WORKLOADS = {"tabular": tabular, "article": article, "wide": wide,
             "optimizer": optimizer_step, "memory": memory, "population": population,
             "scaling": scaling, "landscape": landscape}


def table(results: list[Result], targets: list[Target]) -> list[list[str]]:
    """Rows: workload, contender, median, ratio to adamlab's row, target, met?, notes."""
    rows = []
    for w in dict.fromkeys(r.workload for r in results):
        mine = [r for r in results if r.workload == w]
        ref = next((r for r in mine if r.reference), None)
        for r in mine:
            ratio = "-"
            if r.value is not None and ref is not None and ref.value:
                ratio = "1" if r is ref else f"{r.value / ref.value:.2f}"
            judged = [t for t in targets if t.workload == w and t.contender == r.contender]
            target = "; ".join(t.text for t in judged)
            met = "; ".join("yes" if t.met else "no" if t.met is False else "-" for t in judged)
            notes = "; ".join(x for x in [r.skipped and f"skipped: {r.skipped}", r.info,
                                          *(t.detail for t in judged)] if x)
            rows.append([w, r.contender, fmt_value(r.value, r.unit), ratio, target, met, notes])
    return rows


HEADER = ["workload", "contender", "median", "÷ adamlab", "target", "met?", "notes"]


def as_text(rows: list[list[str]]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(HEADER, *rows, strict=True)]
    widths[-1] = 0  # notes: unpadded
    fmt = lambda row: "  ".join(str(x).ljust(w) for x, w in zip(row, widths, strict=True))  # noqa: E731
    return "\n".join([fmt(HEADER), fmt(["-" * w for w in widths[:-1]] + ["-----"]),
                      *(fmt(r) for r in rows)])


def as_markdown(rows: list[list[str]]) -> str:
    out = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out)


def profile(names: list[str], settings: Settings) -> None:
    """Where adamlab's time goes in each workload (benchmarks/profiles.py)."""
    from profiles import profile as run_profile

    for name in names:
        if name == "memory":
            continue
        fit = WORKLOADS[name].adamlab_fit(settings)
        fit()  # warm-up: compilation and imports are not the workload
        print(f"\n## {name} (adamlab)\n{run_profile(fit)}", flush=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="smaller data and 1 round (smoke test)")
    ap.add_argument("--repeat", type=int, default=None, help="timed rounds (default 3; quick 1)")
    ap.add_argument("--only", default="", help=f"comma-separated subset of {','.join(WORKLOADS)}")
    ap.add_argument("--profile", action="store_true", help="profile adamlab instead of timing")
    ap.add_argument("--markdown", metavar="PATH", help="also write the report as Markdown")
    ap.add_argument("--wait-quiet", type=float, metavar="LOAD", default=None,
                    help="first wait (up to 30 min) until the 1-minute load average is below LOAD")
    args = ap.parse_args(argv)
    names = [n.strip() for n in args.only.split(",") if n.strip()] or list(WORKLOADS)
    unknown = [n for n in names if n not in WORKLOADS]
    if unknown:
        ap.error(f"unknown workload(s) {unknown}; choose from {', '.join(WORKLOADS)}")
    repeat = args.repeat or (1 if args.quick else 3)
    settings = Settings(quick=args.quick, repeat=repeat)
    if args.wait_quiet is not None:
        machine.wait_for_load(args.wait_quiet, timeout=1800)

    header = machine.describe()
    if os.environ.get("ADAMLAB_BENCH_UNSET"):
        header.append(f"note        unset for this run: {os.environ['ADAMLAB_BENCH_UNSET']}")
    header.append(f"settings    {'quick (not a result)' if args.quick else 'full'}, "
                  f"{repeat} timed round(s) after a warm-up, median reported")
    print("\n".join(header), flush=True)
    if args.profile:
        profile(names, settings)
        return 0

    results: list[Result] = []
    targets: list[Target] = []
    for name in names:
        start = time.perf_counter()
        r, t = WORKLOADS[name].run(settings)
        results += r
        targets += t
        print(f"... {name} done in {time.perf_counter() - start:.0f} s", file=sys.stderr,
              flush=True)
    rows = table(results, targets)
    print()
    print(as_text(rows))
    print(f"\nload avg after the run: {machine.load_average()}")
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write("```\n" + "\n".join(header)
                    + f"\nload after  {machine.load_average()}\n```\n\n")
            f.write(as_markdown(rows) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
