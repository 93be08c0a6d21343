"""Tiny, deterministic data for the plotting tests (and for looking at the figures by eye)."""

from __future__ import annotations

import math

import numpy as np


def make_history(n_epochs: int = 12, classification: bool = True, validation: bool = True,
                 lr: str = "cosine", seed: int = 0) -> dict[str, list]:
    """A plausible per-epoch history; None where a column does not apply (as JSON gives it)."""
    rng = np.random.default_rng(seed)
    e = np.arange(1, n_epochs + 1)
    loss = 0.7 * np.exp(-e / 4) + 0.05 + 0.01 * rng.random(n_epochs)
    val_loss = loss + 0.03 + 0.004 * e
    acc = 1 - 0.5 * np.exp(-e / 3) - 0.02 * rng.random(n_epochs)
    lrs = {"cosine": 1e-3 * 0.5 * (1 + np.cos(np.pi * (e - 1) / n_epochs)),
           "constant": np.full(n_epochs, 1e-3), "none": np.full(n_epochs, np.nan)}[lr]
    none = [None] * n_epochs
    return {
        "epoch": e.tolist(),
        "loss": loss.tolist(),
        "accuracy": acc.tolist() if classification else none,
        "val_loss": val_loss.tolist() if validation else none,
        "val_accuracy": (acc - 0.03).tolist() if classification and validation else none,
        "lr": [None if math.isnan(v) else float(v) for v in lrs],
    }


def make_steps(n_steps: int = 120, seed: int = 0) -> dict[str, list]:
    rng = np.random.default_rng(seed)
    s = np.arange(1, n_steps + 1)
    loss = (0.7 * np.exp(-s / 40) + 0.05) * np.exp(0.3 * rng.standard_normal(n_steps))
    return {"step": s.tolist(), "loss": loss.tolist()}


def adam_trace(steps: int = 60, n_features: int = 20, batch: int = 16, seed: int = 0,
               lr: float = 0.01, beta1: float = 0.9, beta2: float = 0.999,
               eps: float = 1e-8) -> dict:
    """Adam written out by hand on mini-batch logistic regression, recording its internals
    in the layout ``adamlab.plot.adam_internals`` reads."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((256, n_features))
    y = (X @ rng.standard_normal(n_features) > 0).astype(float)
    theta = np.zeros(n_features + 1)
    m, v = np.zeros_like(theta), np.zeros_like(theta)
    tracked = [0, n_features // 2, n_features]
    quantiles = [5, 25, 50, 75, 95]
    tr = {"step": [], "lr": [], "beta1": beta1, "beta2": beta2, "eps": eps,
          "bias_correction1": [], "bias_correction2": [], "tracked": tracked,
          "grad": [], "m": [], "v": [], "m_hat": [], "v_hat": [],
          "quantiles": quantiles, "step_quantiles": []}
    for t in range(1, steps + 1):
        idx = rng.integers(0, len(X), batch)
        Xb = np.column_stack([X[idx], np.ones(batch)])
        p = 1 / (1 + np.exp(-Xb @ theta))
        g = Xb.T @ (p - y[idx]) / batch  # ∇ of the mean log-loss
        m = beta1 * m + (1 - beta1) * g  # m_t = β1·m + (1 − β1)·g
        v = beta2 * v + (1 - beta2) * g**2  # v_t = β2·v + (1 − β2)·g²
        bc1, bc2 = 1 - beta1**t, 1 - beta2**t
        m_hat, v_hat = m / bc1, v / bc2
        step = lr * m_hat / (np.sqrt(v_hat) + eps)  # θ_t = θ − α·m̂/(√v̂ + ε)
        theta -= step
        for key, a in (("grad", g), ("m", m), ("v", v), ("m_hat", m_hat), ("v_hat", v_hat)):
            tr[key].append(a[tracked].tolist())
        tr["step"].append(t)
        tr["lr"].append(lr)
        tr["bias_correction1"].append(bc1)
        tr["bias_correction2"].append(bc2)
        tr["step_quantiles"].append(np.percentile(np.abs(step), quantiles).tolist())
    return tr


def binary_proba(X: np.ndarray) -> np.ndarray:
    """P(class 1) of a fixed smooth classifier: the inside of a tilted ellipse is class 1."""
    r = (X[:, 0] - 0.3) ** 2 + 2 * (X[:, 1] - 0.2 * X[:, 0]) ** 2
    return 1 / (1 + np.exp(4 * (r - 1)))


def three_class_proba(X: np.ndarray) -> np.ndarray:
    """Softmax over distances to three centres."""
    centres = np.array([[-1.0, 0.0], [1.0, 0.5], [0.0, -1.2]])
    logits = -2 * ((X[:, None, :] - centres[None]) ** 2).sum(axis=2)
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def blobs(n: int = 60, k: int = 2, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Points labelled by the matching classifier above (with a little label noise)."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2, 2, (n, 2))
    P = binary_proba(X) if k == 2 else three_class_proba(X)
    y = (P > 0.5).astype(int) if k == 2 else P.argmax(axis=1)
    flip = rng.random(n) < 0.05
    y[flip] = (y[flip] + 1) % k
    return X, y


def legend_texts(ax) -> list[str]:
    legend = ax.get_legend()
    return [] if legend is None else [t.get_text() for t in legend.get_texts()]


def assert_saves_png(fig, path) -> None:
    """The figure renders to a PNG (any warning fails the test: pytestmark filterwarnings)."""
    fig.savefig(path, dpi=100)
    with open(path, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
