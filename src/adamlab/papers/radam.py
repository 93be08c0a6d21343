"""Liu et al. (2020), "On the variance of the adaptive learning rate and beyond", §3–4.

Adam's adaptive learning rate ψ_t = 1/√v̂_t (v̂_t = v_t/(1 − β2^t)) is an estimate made from
t squared gradients: in the first steps it rests on one or two of them, so its variance is
huge (for Gaussian gradients Var[1/|g_1|] is infinite), which is why Adam needs a warmup.
RAdam multiplies ψ_t by the rectification

    r_t = √( (ρ_t − 4)(ρ_t − 2) ρ_∞ / ((ρ_∞ − 4)(ρ_∞ − 2) ρ_t) ),   ρ_t = ρ_∞ − 2tβ2^t/(1 − β2^t),

which makes Var[r_t ψ_t] consistent over t, and takes plain momentum steps while ρ_t ≤ 5.

The experiment (their Figure 3, on simulated gradients, as in their §3): K coordinates with
independent gradients g ~ N(0, 1), β1 = 0 (so the update is −lr·g·(adaptive lr)), β2 = 0.999,
stepped by ``adamlab.optim.Adam``, Adam under a linear warmup of 1/(1 − β2) steps, and
``adamlab.optim.RAdam``. Each step's effective adaptive learning rate is read off the real
update, Δθ / (−lr·g), and its variance over the K coordinates is what is drawn.
"""

from __future__ import annotations

import numpy as np

from adamlab.optim import Adam, RAdam
from adamlab.papers.base import Result

BETA2, LR = 0.999, 1e-3


def effective_rates(kind: str, coordinates: int, steps: int, seed: int = 0) -> np.ndarray:
    """Var over coordinates of Δθ/(−lr·g) at each step, for "adam", "warmup" or "radam"."""
    x, g = np.zeros(coordinates), np.empty(coordinates)
    opt = (RAdam if kind == "radam" else Adam)([x], lr=LR, betas=(0.0, BETA2))
    group = opt.param_groups[0]
    warmup = round(1 / (1 - BETA2))
    rng = np.random.default_rng(seed)
    out = np.empty(steps)
    before = np.empty_like(x)
    for t in range(1, steps + 1):
        g[:] = rng.standard_normal(coordinates)
        group["lr"] = LR * (min(1.0, t / warmup) if kind == "warmup" else 1.0)
        before[:] = x
        opt.step([g])
        out[t - 1] = float(np.var((before - x) / (LR * g)))  # Var[Δθ / (−lr·g)]
    return out


def run(quick: bool = False) -> Result:
    k, steps = (4000, 300) if quick else (20_000, 1000)
    var = {kind: effective_rates(kind, k, steps) for kind in ("adam", "warmup", "radam")}
    adam_spread = float(var["adam"][:10].max() / var["adam"][-1])
    rectified = var["radam"][5:]  # ρ_t > 5 from t = 6 on (β2 = 0.999): the rectified steps
    radam_spread = float(rectified.max() / rectified.min())
    holds = adam_spread > 1000 and radam_spread < 3
    at = [t for t in (1, 2, 5, 10, 100, steps) if t <= steps]
    return Result(
        "radam-warmup",
        claim="Adam's adaptive learning rate has a very large variance in the first steps, "
              "which a warmup reduces; RAdam's rectification keeps it consistent over time "
              "(Liu et al. 2020, §3 and Figure 3).",
        measured=f"with {k:,} coordinates of N(0, 1) gradients, β2 = {BETA2}: the variance of "
                 f"Adam's effective rate falls by {adam_spread:.3g}x from the first ten steps "
                 f"to step {steps}; RAdam's rectified steps (t ≥ 6) stay within a factor "
                 f"{radam_spread:.2f} of each other; warmup's largest variance is "
                 f"{var['warmup'].max():.3g} against Adam's {var['adam'].max():.3g}. The claim "
                 f"holds when Adam's falls by more than 1000x and RAdam's stays within 3x.",
        holds=holds,
        numbers={"variance": {kind: {str(t): float(v[t - 1]) for t in at}
                              for kind, v in var.items()},
                 "adam_spread": adam_spread, "radam_spread": radam_spread,
                 "coordinates": k, "steps": steps, "beta2": BETA2},
        scale="simulated gradients, as the paper's own analysis; its training runs (ImageNet, "
              "language models) are beyond this scale",
        figure=_figure(var),
    )


def _figure(var: dict[str, np.ndarray]):
    from adamlab.plot.style import color_for, finish_axes, new_figure

    fig, (ax,) = new_figure(1, (6.4, 4.0))
    t = np.arange(1, len(var["adam"]) + 1)
    labels = {"adam": "Adam", "warmup": f"Adam, linear warmup over {round(1 / (1 - BETA2))} steps",
              "radam": "RAdam (momentum steps while ρ_t ≤ 5, then rectified)"}
    colors = {"adam": color_for("adam"), "warmup": "#ff7f0e", "radam": color_for("radam")}
    for kind, v in var.items():  # RAdam's first steps are un-adapted: variance 0 (not drawn)
        ax.plot(t, np.where(v > 1e-12, v, np.nan), color=colors[kind], label=labels[kind],
                lw=1.6)
    ax.set_xscale("log")
    ax.set_yscale("log")
    finish_axes(ax, "variance of the adaptive learning rate, step by step",
                "step t", "Var[Δθ / (−lr·g)] over coordinates")
    return fig
