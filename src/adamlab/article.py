"""The article that started adamlab, reproduced faithfully and then corrected.

The article ("机器学习算法模型系列——Adam算法") trains a model on 100 random points with
label ``x0 + x1 > 1`` using Adam, one sample per step, for 100 epochs, and plots a "learning
curve". Three things in it are wrong or weak:

1. its last equation writes ``θ ← θ − α·m̂/(√v − ε)``; Adam *adds* ε, to √v̂
   (the article's code does add it, so the faithful run below is unaffected);
2. its model ``σ(x·θ)`` has no bias, so the boundary must pass through the origin and cannot
   be ``x0 + x1 = 1``: it stalls at 58% training accuracy;
3. its "learning curve" is the loss of each *sample* after training, not a curve over time.

``run()`` returns both halves as plain data:

* ``faithful``: the article's data, model, initial parameters (drawn from the same global
  stream right after the data), hyperparameters and per-sample updates, run through
  ``adamlab.optim.Adam``, giving the parameters the article's listing prints and its accuracy;
* ``corrected``: the same points through a model with biases and a small hidden layer,
  trained by ``adamlab.train.Trainer``, with the real per-epoch learning curve.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from adamlab.optim import Adam

ALPHA, BETA1, BETA2, EPSILON = 0.1, 0.9, 0.999, 1e-8
EPOCHS = 100


def article_data() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``np.random.seed(42)``, 100×2 uniform points, labels, then θ₀ from the same stream."""
    rs = np.random.RandomState(42)  # the legacy global generator's stream, without touching it
    X = rs.rand(100, 2)
    y = (X[:, 0] + X[:, 1] > 1).astype(int)
    theta0 = rs.rand(2)
    return X, y, theta0


def _sigmoid(z: np.ndarray | float) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


def faithful() -> dict[str, Any]:
    """The article's run, through adamlab's Adam: σ(x·θ), no bias, one sample per step."""
    X, y, theta = article_data()
    theta = theta.copy()
    opt = Adam([theta], lr=ALPHA, betas=(BETA1, BETA2), eps=EPSILON)
    for _ in range(EPOCHS):
        for i in range(len(X)):
            gradient = (_sigmoid(np.dot(X[i], theta)) - y[i]) * X[i]  # ∂ BCE / ∂θ for one sample
            opt.step([gradient])
    p = _sigmoid(X @ theta)
    per_sample = -(y * np.log(p) + (1 - y) * np.log(1 - p))  # the article's "learning curve"
    return {
        "theta": theta.tolist(),
        "train_accuracy": float(np.mean((p > 0.5) == (y == 1))),
        "loss": float(np.mean(per_sample)),
        "per_sample_loss": per_sample.tolist(),
        "steps": opt.state[0]["step"],
    }


def corrected(
    hidden: tuple[int, ...] = (4,), epochs: int = EPOCHS, seed: int = 0
) -> dict[str, Any]:
    """The same 100 points, a model with biases and a small hidden layer, a real learning curve.

    Standardised inputs, tanh hidden units, Adam (PyTorch's convention, lr 0.01), mini-batches
    of 10, a stratified 20% validation split: the per-epoch curves are in ``history``.
    """
    from adamlab.data import Standardizer
    from adamlab.nn import MLP
    from adamlab.train import Trainer

    X, y, _ = article_data()
    Xs = Standardizer().fit(X).transform(X)
    model = MLP(n_inputs=2, hidden=hidden, n_outputs=1, activation="tanh", output="sigmoid",
                rng=np.random.default_rng(seed))
    trainer = Trainer(model, "adam", lr=0.01, batch_size=10, seed=seed)
    trainer.fit(Xs, y, epochs=epochs, val_fraction=0.2)
    p = model.predict_proba(Xs).ravel()
    return {
        "hidden": list(hidden),
        "train_accuracy": float(np.mean((p > 0.5) == (y == 1))),
        "final": trainer.history.last(),
        "history": trainer.history.to_dict()["epochs"],
    }


def run() -> dict[str, Any]:
    """Both halves, as plain data (JSON-able)."""
    return {"faithful": faithful(), "corrected": corrected()}
