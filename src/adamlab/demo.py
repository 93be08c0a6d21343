"""A short demo: the article's 100 points, logistic regression with a bias, trained with Adam.

Run with ``python -m adamlab.demo``. (The ``adamlab`` command line replaces it.)
"""

from __future__ import annotations

import numpy as np

from adamlab.optim import Adam


def main() -> None:
    rs = np.random.RandomState(42)  # the article's data: np.random.seed(42); rand(100, 2)
    X = rs.rand(100, 2)
    y = (X[:, 0] + X[:, 1] > 1).astype(float)
    w, b = np.zeros(2), np.zeros(1)
    opt = Adam([w, b], lr=0.1)
    for epoch in range(1, 101):
        z = X @ w + b
        p = 0.5 * (1 + np.tanh(0.5 * z))  # σ(z), stable
        loss = np.mean(np.logaddexp(0, z) - y * z)  # binary cross-entropy from logits
        opt.step([X.T @ (p - y) / len(y), np.array([np.mean(p - y)])])
        if epoch in (1, 10, 50, 100):
            acc = np.mean((z > 0) == (y == 1))
            print(f"epoch {epoch:3d}  loss {loss:.4f}  accuracy {acc:.2%}")
    print(f"w = {w.round(3).tolist()}, b = {b.round(3).tolist()}  (the boundary x0 + x1 = 1 is w0 = w1 = -b)")


if __name__ == "__main__":
    main()
