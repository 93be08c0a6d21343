"""A small ill-conditioned matrix problem, for the optimizers a 2-D point cannot show.

Muon orthogonalises a matrix's update, Adafactor factors a matrix's second moment, LAMB and
LARS rescale each tensor by its own trust ratio: on a single point (x, y) of ``landscape``
none of that exists. This is the smallest problem where it does, a linear layer fitted by
least squares on inputs whose directions have very different scales::

    f(W, b) = ½·‖X·W + 1·bᵀ − Y‖²_F / n,      W: (8, 8), b: (8,), X: (n, 8), n = 32
    ∇_W f = Xᵀ·R,   ∇_b f = Rᵀ·1,             R = (X·W + 1·bᵀ − Y) / n

X = √n·Q·diag(s)·Vᵀ with Q's columns orthonormal and centred (1ᵀX = 0, so b's curvature,
1, is apart from W's) and V a random rotation (the ill-conditioning is not along the axes,
so no per-coordinate step can undo it); s² runs log-spaced from 1 down to 1/κ, so the Hessian
I ⊗ XᵀX/n (and 1 for b) has condition number κ. Y = X·W* + 1·b*ᵀ: the minimum is f = 0 at
(W*, b*). Everything is drawn from ``seed``; W starts at a fan-in initialisation
N(0, 1/8), b at 0.

``run`` runs one registry optimizer over (W, b) as ``adamlab train`` would: a row that steps
matrices only (Muon) gets W and its ``fallback`` row (AdamW, at its own defaults) gets b;
every other optimizer gets both, so Adafactor factors W and keeps b's moment in full, and LAMB
and LARS take one trust ratio for W and one for b. There is no weight decay (it would move the
minimum). The result is plain data (JSON-able): the loss and W's singular values per step.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from adamlab.optim import OPTIMIZERS, MultiOptimizer, get_optimizer_spec, make_optimizer

__all__ = ["MatrixProblem", "make_problem", "run", "run_all", "tune_lr", "LR_LADDER",
           "DEFAULT_OPTIMIZERS"]

#: What ``landscape --problem matrix`` runs by default: the matrix optimizers and two peers.
DEFAULT_OPTIMIZERS = ("muon", "adafactor", "lamb", "lars", "adam", "sgd")
#: The 1-2-5 ladder ``tune_lr`` searches.
LR_LADDER = tuple(m * 10.0**e for e in range(-4, 1) for m in (1, 2, 5)) + (10.0,)


@dataclass(frozen=True)
class MatrixProblem:
    """The data of f(W, b) = ½·‖X·W + 1·bᵀ − Y‖²/n and where the optimizers start."""

    X: np.ndarray
    Y: np.ndarray
    W_star: np.ndarray
    b_star: np.ndarray
    W0: np.ndarray
    b0: np.ndarray
    seed: int
    condition: float

    @property
    def n(self) -> int:
        return self.X.shape[0]

    def residual(self, W: np.ndarray, b: np.ndarray) -> np.ndarray:
        return (self.X @ W + b - self.Y) / self.n  # R = (X·W + 1·bᵀ − Y)/n

    def loss(self, W: np.ndarray, b: np.ndarray) -> float:
        r = self.residual(W, b)
        return 0.5 * self.n * float(np.sum(r * r))  # ½·‖X·W + 1·bᵀ − Y‖²/n = ½·n·‖R‖²

    def gradient(self, W: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        r = self.residual(W, b)
        return self.X.T @ r, r.sum(axis=0)  # ∇_W = Xᵀ·R,  ∇_b = Rᵀ·1

    def hessian_condition(self) -> float:
        """κ of the Hessian in (W, b), from the augmented design [X, 1] (its eigenvalues are
        those of [X, 1]ᵀ[X, 1]/n, each repeated for the 8 outputs)."""
        Z = np.column_stack([self.X, np.ones(self.n)])
        eig = np.linalg.eigvalsh(Z.T @ Z / self.n)
        return float(eig.max() / eig.min())


def make_problem(seed: int = 0, condition: float = 1e4, size: int = 8, n: int = 32
                 ) -> MatrixProblem:
    """The problem drawn from ``seed``, with Hessian condition number ``condition`` (≥ 1)."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"matrix problem: seed must be an integer >= 0, got {seed!r}")
    if not (isinstance(condition, (int, float)) and math.isfinite(condition)
            and 1 <= condition <= 1e8):
        raise ValueError(f"matrix problem: condition must be a number in [1, 1e8], got "
                         f"{condition!r}")
    if n < size + 1:
        raise ValueError(f"matrix problem: n must be > size ({size}), got {n}")
    rng = np.random.default_rng(seed)
    raw = rng.standard_normal((n, size))
    Q, _ = np.linalg.qr(raw - raw.mean(axis=0))  # orthonormal, centred columns
    V, _ = np.linalg.qr(rng.standard_normal((size, size)))  # a random rotation
    s = np.logspace(0, -0.5 * math.log10(condition), size)  # s² from 1 down to 1/κ
    X = math.sqrt(n) * (Q * s) @ V.T  # XᵀX/n = V·diag(s²)·Vᵀ
    W_star = rng.standard_normal((size, size))
    b_star = 0.1 * rng.standard_normal(size)
    W0 = rng.standard_normal((size, size)) / math.sqrt(size)
    return MatrixProblem(X=X, Y=X @ W_star + b_star, W_star=W_star, b_star=b_star, W0=W0,
                         b0=np.zeros(size), seed=int(seed), condition=float(condition))


def _optimizer(name: str, W: np.ndarray, b: np.ndarray, lr: float | None,
               kwargs: Mapping[str, Any]) -> Any:
    """The registry's ``name`` over (W, b) without weight decay, routed as its row says."""
    spec = get_optimizer_spec(name)

    def build(row: str, params: list[np.ndarray], rate: float | None, extra: Mapping[str, Any]):
        args = dict(extra)
        if "weight_decay" in get_optimizer_spec(row).arguments():
            args.setdefault("weight_decay", 0.0)
        if rate is not None:
            args["lr"] = rate
        return make_optimizer(row, params, **args)

    if not spec.matrices:
        return build(name, [W, b], lr, kwargs)
    return MultiOptimizer([build(name, [W], lr, kwargs), build(spec.fallback, [b], None, {})])


def lr_of(name: str, lr: float | None) -> float:
    """The learning rate a run uses: ``lr``, else the optimizer's own default."""
    return float(lr) if lr is not None else get_optimizer_spec(name).default_lr()


def run(problem: MatrixProblem, name: str, lr: float | None = None, steps: int = 200,
        **optimizer_kwargs: Any) -> dict[str, Any]:
    """Run optimizer ``name`` (at ``lr``, default its own) for ``steps`` steps.

    Returns ``{"optimizer", "lr", "steps", "loss": [f at steps 0..], "sv": [[σ_1 ≥ … of W],
    ...], "diverged"}``; a run whose loss becomes non-finite or exceeds 1e6 times the start's
    stops there (``diverged``), so every number is finite.
    """
    key = str(name).strip().lower()
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
        raise ValueError(f"matrix problem: steps must be an integer >= 0, got {steps!r}")
    W, b = problem.W0.copy(), problem.b0.copy()
    opt = _optimizer(key, W, b, lr, optimizer_kwargs)
    losses = [problem.loss(W, b)]
    svs = [np.linalg.svd(W, compute_uv=False).tolist()]
    diverged = False
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(steps):
            opt.step(list(problem.gradient(W, b)))
            f = problem.loss(W, b)
            if not (math.isfinite(f) and f <= 1e6 * losses[0]) or not np.all(np.isfinite(W)):
                diverged = True
                break
            losses.append(f)
            svs.append(np.linalg.svd(W, compute_uv=False).tolist())
    return {"optimizer": key, "lr": lr_of(key, lr), "steps": int(steps), "loss": losses,
            "sv": svs, "diverged": diverged}


def tune_lr(problem: MatrixProblem, name: str, steps: int = 200,
            ladder: Iterable[float] = LR_LADDER) -> float:
    """The rate of ``ladder`` whose run ends lowest (mean loss of the last tenth of the steps,
    so a rate that ends on a lucky bounce does not win); diverged runs lose."""
    def score(rate: float) -> float:
        r = run(problem, name, lr=rate, steps=steps)
        if r["diverged"]:
            return math.inf
        tail = r["loss"][-max(1, len(r["loss"]) // 10):]
        return float(np.mean(tail))

    rates = list(ladder)
    scores = [score(rate) for rate in rates]
    return rates[int(np.argmin(scores))]


def run_all(problem: MatrixProblem, names: Iterable[str],
            lr: float | Mapping[str, float] | None = None, steps: int = 200,
            tune: bool = False) -> list[dict[str, Any]]:
    """``run`` for each optimizer: at ``lr`` (one for all, or a mapping name -> rate), at
    each one's tuned rate (``tune``: ``tune_lr``), else at each one's default."""
    names = [str(n).strip().lower() for n in names]
    if not names:
        raise ValueError("matrix problem: name at least one optimizer")
    for n in names:
        if n not in OPTIMIZERS:
            get_optimizer_spec(n)  # the registry's error, listing the names
    out = []
    for n in names:
        rate = lr.get(n) if isinstance(lr, Mapping) else lr
        tuned = rate is None and tune
        r = run(problem, n, lr=tune_lr(problem, n, steps) if tuned else rate, steps=steps)
        r["tuned"] = tuned
        out.append(r)
    return out
