"""Reddi, Kale & Kumar (2018), "On the convergence of Adam and beyond", §3 and §5.

The online problem on F = [−1, 1] (their synthetic experiment, Figure 1):

    f_t(x) = C·x  if t mod 101 = 1,   f_t(x) = −10·x  otherwise,   C = 1010,

so that the average gradient is (1010 − 100·10)/101 > 0 and the optimum is x* = −1. The rare
large gradient is forgotten by Adam's v_t (β2 = 0.99) long before it comes back, so Adam's
steps towards +1 on the frequent −10 gradients outweigh the rare step back: it converges to
+1, the *worst* point. AMSGrad keeps v̂_t = max(v̂_{t−1}, v_t), remembers the large gradient,
and converges to −1. Both use β1 = 0.9 and α_t = α/√t, projected onto [−1, 1] after each step.

Here each step is a step of ``adamlab.optim.Adam`` (``amsgrad=False`` / ``True``) on a
one-element parameter; the projection is ``np.clip``. The setting is the paper's exactly, so
the numbers are compared: the final iterates, and the average regret R_T/T → 0 for AMSGrad.
"""

from __future__ import annotations

import numpy as np

from adamlab.optim import Adam
from adamlab.papers.base import Result

C, PERIOD, SMALL = 1010.0, 101, -10.0
ALPHA, BETAS = 0.5, (0.9, 0.99)


def gradient(t: int) -> float:
    """∇f_t, constant in x (f_t is linear)."""
    return C if t % PERIOD == 1 else SMALL


def trajectory(amsgrad: bool, steps: int, alpha: float = ALPHA) -> np.ndarray:
    """x_1 … x_T (x_1 = 0, the start) under Adam or AMSGrad with α_t = α/√t, projected."""
    x, g = np.zeros(1), np.zeros(1)
    opt = Adam([x], lr=alpha, betas=BETAS, amsgrad=amsgrad)
    group = opt.param_groups[0]
    out = np.empty(steps)
    for t in range(1, steps + 1):
        out[t - 1] = x[0]
        g[0] = gradient(t)
        group["lr"] = alpha / np.sqrt(t)  # α_t = α/√t
        opt.step([g])
        np.clip(x, -1.0, 1.0, out=x)  # the projection onto F = [−1, 1]
    return out


def average_regret(xs: np.ndarray) -> np.ndarray:
    """R_t/t = (1/t) Σ_{s≤t} (f_s(x_s) − f_s(x*)), x* = −1."""
    g = np.array([gradient(t) for t in range(1, len(xs) + 1)])
    return np.cumsum(g * (xs - (-1.0))) / np.arange(1, len(xs) + 1)


def run(quick: bool = False) -> Result:
    steps = 20_000 if quick else 200_000
    xs = {name: trajectory(name == "amsgrad", steps) for name in ("adam", "amsgrad")}
    final = {name: float(x[-1]) for name, x in xs.items()}
    regret = {name: average_regret(x) for name, x in xs.items()}
    holds = final["amsgrad"] < -0.9 and final["adam"] > 0.9
    return Result(
        "amsgrad-counterexample",
        claim="On f_t(x) = 1010x every 101st step and −10x otherwise, over [−1, 1], Adam "
              "(β1 0.9, β2 0.99) converges to x = +1, the worst point, and AMSGrad to the "
              "optimum x* = −1 (Reddi et al. 2018, Figure 1).",
        measured=f"after {steps:,} steps (α_t = {ALPHA}/√t): Adam at x = {final['adam']:+.4f}, "
                 f"AMSGrad at x = {final['amsgrad']:+.4f}; average regret R_T/T "
                 f"{regret['adam'][-1]:.3g} (Adam) and {regret['amsgrad'][-1]:.3g} (AMSGrad). "
                 f"The claim holds when Adam ends above +0.9 and AMSGrad below −0.9.",
        holds=holds,
        numbers={"final": final, "steps": steps, "alpha": ALPHA, "betas": list(BETAS),
                 "average_regret": {k: float(v[-1]) for k, v in regret.items()}},
        scale="the paper's own setting",
        figure=_figure(xs, regret),
    )


def _figure(xs: dict[str, np.ndarray], regret: dict[str, np.ndarray]):
    from adamlab.plot.style import color_for, finish_axes, new_figure

    fig, (a, b) = new_figure(2, (5.0, 3.6))
    t = np.arange(1, len(xs["adam"]) + 1)
    every = max(1, len(t) // 4000)  # a picture of ~4000 points, not 200,000
    colors = {"adam": color_for("adam"), "amsgrad": "#1f77b4"}  # two hues told apart at once
    for name, x in xs.items():
        a.plot(t[::every], x[::every], color=colors[name], label=name, lw=1.4)
        r = regret[name][::every]
        b.plot(t[::every], np.where(r > 0, r, np.nan), color=colors[name], label=name, lw=1.4)
    a.axhline(-1.0, color="k", ls=":", lw=1, label="optimum x* = −1")
    for ax in (a, b):
        ax.set_xscale("log")
    b.set_yscale("log")
    finish_axes(a, "the iterate x_t", "step t", "x_t")
    finish_axes(b, "average regret R_t / t", "step t", "R_t / t")
    fig.suptitle("Reddi et al.'s counterexample: Adam goes to the worst point, AMSGrad does not")
    return fig
