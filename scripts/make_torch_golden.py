"""Record golden trajectories of ``torch.optim`` for adamlab's tests.

Run with PyTorch installed (CPU build, ``pip install torch==2.13.0``)::

    python scripts/make_torch_golden.py

It writes ``tests/fixtures/torch_optim_golden.npz`` (per case: the gradients PyTorch saw and the
parameters after every step) and ``tests/fixtures/torch_optim_golden.json`` (the cases, the
torch version, and learning-rate schedule values). The tests feed the recorded gradients to
adamlab's optimizers and compare every step, so they need NumPy only.

The function is non-convex and of several arrays (a matrix, a bias, a vector)::

    f(A, b, c) = mean(log(1 + (X·A + b − Y)²)) + Σ sin(2c) + 0.05·Σ c² + 0.2·Σ cos(3A)
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import torch

STEPS = 200
OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures"

# (case name, torch class name, kwargs). Every flag that changes the math appears.
CASES: list[tuple[str, str, dict]] = [
    ("sgd", "SGD", {"lr": 0.05}),
    ("sgd_momentum", "SGD", {"lr": 0.02, "momentum": 0.9}),
    ("sgd_dampening", "SGD", {"lr": 0.02, "momentum": 0.9, "dampening": 0.5}),
    ("sgd_nesterov", "SGD", {"lr": 0.02, "momentum": 0.9, "nesterov": True}),
    ("sgd_momentum_wd", "SGD", {"lr": 0.02, "momentum": 0.8, "weight_decay": 0.05}),
    ("sgd_maximize", "SGD", {"lr": 0.01, "momentum": 0.5, "maximize": True}),
    ("rmsprop", "RMSprop", {"lr": 0.01}),
    ("rmsprop_centered", "RMSprop", {"lr": 0.005, "centered": True}),
    ("rmsprop_momentum", "RMSprop", {"lr": 0.002, "momentum": 0.9}),
    ("rmsprop_all", "RMSprop", {"lr": 0.002, "alpha": 0.9, "centered": True, "momentum": 0.5,
                                "weight_decay": 0.1}),
    ("rmsprop_maximize", "RMSprop", {"lr": 0.005, "maximize": True, "eps": 1e-6}),
    ("adagrad", "Adagrad", {"lr": 0.1}),
    ("adagrad_all", "Adagrad", {"lr": 0.1, "lr_decay": 0.01, "initial_accumulator_value": 0.1,
                                "weight_decay": 0.01, "eps": 1e-8}),
    ("adagrad_maximize", "Adagrad", {"lr": 0.05, "maximize": True}),
    ("adam", "Adam", {"lr": 0.01}),
    ("adam_amsgrad", "Adam", {"lr": 0.01, "amsgrad": True}),
    ("adam_l2", "Adam", {"lr": 0.01, "weight_decay": 0.1}),
    ("adam_decoupled", "Adam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("adam_maximize", "Adam", {"lr": 0.01, "maximize": True}),
    ("adam_all", "Adam", {"lr": 0.01, "amsgrad": True, "weight_decay": 0.05,
                          "decoupled_weight_decay": True, "maximize": True, "eps": 1e-6}),
    ("adam_low_betas", "Adam", {"lr": 0.01, "betas": (0.3, 0.5)}),
    ("adamw", "AdamW", {"lr": 0.01}),
    ("adamw_amsgrad", "AdamW", {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True}),
    ("nadam", "NAdam", {"lr": 0.01}),
    ("nadam_l2", "NAdam", {"lr": 0.01, "weight_decay": 0.1, "momentum_decay": 0.01}),
    ("nadam_decoupled", "NAdam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("nadam_maximize", "NAdam", {"lr": 0.005, "maximize": True, "betas": (0.8, 0.99)}),
    ("radam", "RAdam", {"lr": 0.01}),
    ("radam_l2", "RAdam", {"lr": 0.01, "weight_decay": 0.1}),
    ("radam_decoupled", "RAdam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("radam_maximize", "RAdam", {"lr": 0.005, "maximize": True, "betas": (0.9, 0.9)}),
    ("adamax", "Adamax", {"lr": 0.01}),
    ("adamax_l2", "Adamax", {"lr": 0.01, "weight_decay": 0.1}),
    ("adamax_maximize", "Adamax", {"lr": 0.005, "maximize": True, "betas": (0.5, 0.9)}),
]


def initial_params() -> list[np.ndarray]:
    rng = np.random.default_rng(20261124)
    return [rng.normal(size=(3, 2)), rng.normal(size=2), rng.normal(size=4)]


def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    return rng.normal(size=(5, 3)), rng.normal(size=(5, 2))


def f_torch(A, b, c, X, Y):
    r = X @ A + b - Y
    return (torch.log1p(r**2).mean() + torch.sin(2 * c).sum() + 0.05 * (c**2).sum()
            + 0.2 * torch.cos(3 * A).sum())


def trajectory(cls_name: str, kwargs: dict) -> tuple[np.ndarray, np.ndarray]:
    X, Y = (torch.tensor(a) for a in data())
    params = [torch.tensor(p, requires_grad=True) for p in initial_params()]
    opt = getattr(torch.optim, cls_name)(params, foreach=False, **kwargs)
    grads, after = [], []
    for _ in range(STEPS):
        opt.zero_grad()
        f_torch(*params, X, Y).backward()
        grads.append(np.concatenate([p.grad.detach().numpy().ravel() for p in params]))
        opt.step()
        after.append(np.concatenate([p.detach().numpy().ravel() for p in params]))
    return np.array(grads), np.array(after)


def schedule_values() -> dict:
    def run(make, n, metrics=None):
        p = torch.zeros(1, requires_grad=True)
        opt = torch.optim.SGD([p], lr=0.1)
        sched = make(opt)
        lrs = [opt.param_groups[0]["lr"]]
        for i in range(n):
            opt.step()
            sched.step(metrics[i]) if metrics is not None else sched.step()
            lrs.append(opt.param_groups[0]["lr"])
        return lrs

    lr_sched = torch.optim.lr_scheduler
    plateau_metrics = [1.0, 0.9, 0.95, 0.95, 0.95, 0.95, 0.8, 0.85, 0.85, 0.85, 0.85, 0.85,
                       0.85, 0.7, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9]
    return {
        "base_lr": 0.1,
        "step": {"args": {"step_size": 7, "gamma": 0.5},
                 "lrs": run(lambda o: lr_sched.StepLR(o, step_size=7, gamma=0.5), 40)},
        "exponential": {"args": {"gamma": 0.9},
                        "lrs": run(lambda o: lr_sched.ExponentialLR(o, gamma=0.9), 40)},
        "cosine": {"args": {"T_max": 25, "eta_min": 1e-4},
                   "lrs": run(lambda o: lr_sched.CosineAnnealingLR(o, T_max=25, eta_min=1e-4), 60)},
        "plateau": {"args": {"factor": 0.5, "patience": 2, "cooldown": 1, "min_lr": 0.02},
                    "metrics": plateau_metrics,
                    "lrs": run(lambda o: lr_sched.ReduceLROnPlateau(
                        o, factor=0.5, patience=2, cooldown=1, min_lr=0.02),
                        len(plateau_metrics), plateau_metrics)},
    }


def clip_values() -> list[dict]:
    rng = np.random.default_rng(3)
    out = []
    for max_norm, norm_type in [(1.0, 2.0), (0.5, 1.0), (2.0, math.inf), (100.0, 2.0)]:
        arrays = [rng.normal(size=(4, 3)), rng.normal(size=5)]
        ts = [torch.zeros_like(torch.tensor(a), requires_grad=True) for a in arrays]
        for t, a in zip(ts, arrays, strict=True):
            t.grad = torch.tensor(a)
        total = torch.nn.utils.clip_grad_norm_(ts, max_norm, norm_type=norm_type)
        out.append({"max_norm": max_norm,
                    "norm_type": "inf" if norm_type == math.inf else norm_type,
                    "grads": [a.tolist() for a in arrays], "total": float(total),
                    "clipped": [t.grad.numpy().tolist() for t in ts]})
    return out


def main() -> None:
    torch.set_default_dtype(torch.float64)  # step counts and NAdam's μ-product in float64
    arrays = {"init": np.concatenate([p.ravel() for p in initial_params()])}
    for name, cls_name, kwargs in CASES:
        grads, after = trajectory(cls_name, kwargs)
        assert np.all(np.isfinite(after)), name
        arrays[f"{name}.grads"], arrays[f"{name}.params"] = grads, after
    OUT.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(OUT / "torch_optim_golden.npz", **arrays)
    meta = {
        "torch_version": torch.__version__,
        "steps": STEPS,
        "shapes": [list(p.shape) for p in initial_params()],
        "cases": [{"name": n, "torch_class": c, "kwargs": k} for n, c, k in CASES],
        "schedules": schedule_values(),
        "clip_grad_norm": clip_values(),
    }
    (OUT / "torch_optim_golden.json").write_text(json.dumps(meta, indent=1) + "\n")
    print(f"wrote {len(CASES)} cases x {STEPS} steps with torch {torch.__version__} to {OUT}")


if __name__ == "__main__":
    main()
