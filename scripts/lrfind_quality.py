"""Does ``adamlab lr-find``'s suggestion train as well as the best learning rate of a grid?

For each built-in data set: the suggestion of ``adamlab.lr_find`` (defaults: Adam, the default
model, 3 seeds, 100 steps from 1e-6 to 1), then the default run (``adamlab train``'s settings,
100 epochs, no early stopping) at the suggestion and at each lr of the log grid
10^-4, 10^-3.5, …, 10^0, three seeds each. Prints the Markdown table of docs/lr-find.md.

    python scripts/lrfind_quality.py
"""

from __future__ import annotations

import warnings

import numpy as np

from adamlab import lr_find
from adamlab.experiment import Settings, run

SETS = ("article", "moons", "circles", "xor", "spirals", "digits", "breast-cancer", "wine")
GRID = [float(10**e) for e in np.arange(-4, 0.01, 0.5)]


def score(data: str, lr: float) -> tuple[float, float]:
    """Mean final validation loss and accuracy over seeds 0, 1, 2 (a diverged run: inf, 0)."""
    out = [run(Settings(data=data, lr=lr, seed=s)) for s in range(3)]
    ok = [o["status"] == "ok" for o in out]
    loss = [o["final"]["val_loss"] if k else np.inf for o, k in zip(out, ok, strict=True)]
    acc = [o["final"]["val_accuracy"] if k else 0.0 for o, k in zip(out, ok, strict=True)]
    return float(np.mean(loss)), float(np.mean(acc))


def main() -> None:
    warnings.simplefilter("ignore")
    print("| data | suggestion | range | best grid lr | val. accuracy: suggestion / best | "
          "val. loss: suggestion / best |")
    print("|---|---|---|---|---|---|")
    for data in SETS:
        r = lr_find(data=data)
        grid = {lr: score(data, lr) for lr in GRID}
        best = min(grid, key=lambda lr: grid[lr][0])
        loss, acc = score(data, r.suggestion)
        print(f"| {data} | {r.suggestion:.3g} | {r.range[0]:.3g}–{r.range[1]:.3g} | {best:.3g} | "
              f"{acc:.3f} / {grid[best][1]:.3f} | {loss:.4f} / {grid[best][0]:.4f} "
              f"({loss / grid[best][0]:.2f}x) |", flush=True)


if __name__ == "__main__":
    main()
