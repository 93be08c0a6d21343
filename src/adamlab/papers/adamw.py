"""Loshchilov & Hutter (2019), "Decoupled weight decay regularization", §2–3 and Figure 2.

With L2 regularisation inside Adam the decay's gradient λθ is divided by √v̂ like every other
gradient, so the decay a weight feels depends on the learning rate and on its gradient
history: the best λ moves with the best α (a diagonal valley in the α × λ plane). Decoupled
decay (AdamW) shrinks every weight by the same factor per step, outside the adaptive step,
so the best λ and the best α can be chosen apart (the valley is axis-aligned).

The experiment: the α × λ grid for ``adam`` (``weight_decay=λ``: L2, coupled) and ``adamw``
(decay per step λ: adamlab's, as PyTorch's, multiplies ``weight_decay`` by lr, so it is given
``weight_decay = λ/α`` — the paper's "normalised" decay, independent of α), each run the
default ``adamlab train`` pipeline on a small over-parameterised problem, trained as one
population. Measured: each row's best λ, and how far the best λ moves across the α's
(in decades): smaller is "separable". The paper's scale (CIFAR-10, ResNets) is beyond this;
the qualitative claim is compared.
"""

from __future__ import annotations

import numpy as np

from adamlab.papers.base import Result

LRS = [float(10**e) for e in (-3.5, -3.0, -2.5, -2.0, -1.5)]
DECAYS = [float(10**e) for e in (-5.0, -4.0, -3.0, -2.0, -1.0)]


def grid(kind: str, lrs: list[float], decays: list[float], seeds: int, epochs: int,
         n_samples: int) -> np.ndarray:
    """Mean final validation loss over seeds, rows α, columns λ."""
    from adamlab.experiment import Settings
    from adamlab.population import run_population

    runs = [Settings(data="moons", n_samples=n_samples, noise=0.3, data_seed=0, hidden=[64, 64],
                     epochs=epochs, batch_size=32, optimizer=kind, lr=lr, seed=s,
                     weight_decay=lam if kind == "adam" else lam / lr)
            for lr in lrs for lam in decays for s in range(seeds)]
    loss = [r["final"]["val_loss"] if r["status"] == "ok" else np.inf
            for r in run_population(runs)]
    return np.asarray(loss, dtype=float).reshape(len(lrs), len(decays), seeds).mean(axis=2)


def run(quick: bool = False) -> Result:
    seeds, epochs, n = (1, 20, 300) if quick else (2, 60, 1000)
    lrs, decays = LRS, DECAYS
    maps = {kind: grid(kind, lrs, decays, seeds, epochs, n) for kind in ("adam", "adamw")}
    best = {kind: [decays[j] for j in m.argmin(axis=1)] for kind, m in maps.items()}
    moves = {kind: float(np.log10(max(b)) - np.log10(min(b))) for kind, b in best.items()}
    holds = moves["adamw"] < moves["adam"]
    return Result(
        "adamw-decoupling",
        claim="With L2 regularisation in Adam the best weight decay depends on the learning "
              "rate; decoupled weight decay (AdamW) separates them, so each can be tuned on "
              "its own (Loshchilov & Hutter 2019, Figure 2).",
        measured=f"moons ({n} points, noise 0.3), MLP (64, 64), {epochs} epochs, {seeds} "
                 f"seed(s): across α = {lrs[0]:.2g} … {lrs[-1]:.2g} the best λ moves by "
                 f"{moves['adam']:.0f} decade(s) for Adam with L2 and {moves['adamw']:.0f} for "
                 f"AdamW. The claim holds when AdamW's best λ moves less.",
        holds=holds,
        numbers={"lrs": lrs, "decays": decays, "best_decay": best, "decades_moved": moves,
                 "val_loss": {k: m.tolist() for k, m in maps.items()}},
        scale="a small MLP on moons instead of ResNets on CIFAR-10; one grid, few seeds: a "
              "qualitative comparison",
        figure=_figure(maps, lrs, decays),
    )


def _figure(maps: dict[str, np.ndarray], lrs: list[float], decays: list[float]):
    from adamlab.plot.style import new_figure

    fig, axes = new_figure(2, (4.6, 3.8))
    finite = np.concatenate([m[np.isfinite(m)] for m in maps.values()])
    lo, hi = float(finite.min()), float(np.quantile(finite, 0.9))
    titles = {"adam": "Adam, L2 (coupled): weight_decay = λ",
              "adamw": "AdamW (decoupled): decay λ per step"}
    for ax, (kind, m) in zip(axes, maps.items(), strict=True):
        im = ax.imshow(np.minimum(m, hi), origin="lower", cmap="viridis_r", vmin=lo, vmax=hi,
                       aspect="auto")
        for i, j in enumerate(m.argmin(axis=1)):
            ax.plot(j, i, marker="*", color="white", markersize=11, markeredgecolor="k")
        ax.set_xticks(range(len(decays)), [f"{d:.0e}" for d in decays], fontsize=7)
        ax.set_yticks(range(len(lrs)), [f"{v:.1e}" for v in lrs], fontsize=7)
        ax.set_xlabel("weight decay λ")
        ax.set_ylabel("learning rate α")
        ax.set_title(titles[kind], fontsize=9)
        fig.colorbar(im, ax=ax, label="final validation loss")
    fig.suptitle("the best λ for each α (★): does it move with α?")
    return fig
