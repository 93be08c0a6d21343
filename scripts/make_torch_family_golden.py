"""Record golden trajectories of torch.optim's Adadelta, Rprop, ASGD, Adafactor and Muon.

Run with the reference venv (torch 2.13.0, CPU)::

    /work/refvenv/bin/python scripts/make_torch_family_golden.py

It writes ``tests/fixtures/torch_family_golden.npz`` (the gradient stream, the initial
parameters, and per case the parameters, ASGD's average ``ax`` and scalars, at the recorded
steps) and ``tests/fixtures/torch_family_golden.json`` (the cases and the torch version).
tests/optim/test_torch_family.py replays the gradients through adamlab's optimizers with
NumPy only.

The gradient stream is fixed (it does not depend on the parameters), so one stream serves
every case: g_t = m + s·ξ_t per coordinate (means and scales spread over 10^-3..10, so that
signs persist for some coordinates and flip for others), about 5% exact zeros, a zero row of
the first matrix at steps 10–12 and a zero second matrix at step 30 (Rprop's r = 0, Adafactor's
ε₁ clamps, Muon's buffer without a fresh gradient).

Muon: torch runs its Newton–Schulz iteration in bfloat16. The Muon cases are recorded with
torch.optim._muon._zeropower_via_newtonschulz replaced by ``ns_float64`` below (torch 2.13's
function with ``.bfloat16()`` replaced by ``.to(torch.float64)``, nothing else), which adamlab
must match to 1e-10; one more case ("muon_bf16") runs stock torch and records each
orthogonalised update, for the looser bfloat16 comparison.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
import torch.optim._muon as torch_muon

STEPS = 200
#: Steps after which the parameters are recorded (every step early on, then every 10th).
RECORDED = list(range(1, 11)) + list(range(20, STEPS + 1, 10))
OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures"
SHAPES = [(5, 3), (2, 4), (4,), (2, 3, 4)]  # a tall matrix, a wide one, a vector, a 3-D array
MATRICES = [0, 1]  # Muon's parameters (it refuses anything not 2-D)
FIRST_THREE = [0, 1, 2]  # the others' (Adafactor also gets the 3-D array: factored per slice)

# (case name, torch class, kwargs). Every flag and range that changes the math appears.
CASES: list[tuple[str, str, dict]] = [
    ("adadelta", "Adadelta", {}),
    ("adadelta_rho_eps", "Adadelta", {"lr": 0.5, "rho": 0.5, "eps": 1e-4}),
    ("adadelta_wd", "Adadelta", {"weight_decay": 0.1}),
    ("adadelta_maximize", "Adadelta", {"maximize": True}),
    ("adadelta_all", "Adadelta", {"lr": 2.0, "rho": 0.95, "eps": 1e-8, "weight_decay": 0.05,
                                  "maximize": True}),
    ("rprop", "Rprop", {}),
    ("rprop_etas", "Rprop", {"lr": 1e-3, "etas": (0.3, 1.5)}),
    ("rprop_clamped", "Rprop", {"lr": 0.02, "step_sizes": (1e-3, 0.05)}),
    ("rprop_maximize", "Rprop", {"maximize": True, "etas": (0.9, 1.1),
                                 "step_sizes": (0.0, 1e-2)}),
    ("asgd", "ASGD", {}),
    ("asgd_averaging", "ASGD", {"lr": 0.02, "lambd": 1e-2, "t0": 50}),
    ("asgd_decay", "ASGD", {"lr": 0.05, "lambd": 0.1, "alpha": 1.0, "t0": 150}),
    ("asgd_wd", "ASGD", {"lr": 0.01, "weight_decay": 0.1, "t0": 20}),
    ("asgd_maximize", "ASGD", {"lr": 0.01, "maximize": True, "t0": 100}),
    ("asgd_t0_zero", "ASGD", {"lr": 0.02, "lambd": 0.0, "alpha": 0.5, "t0": 0}),
    ("adafactor", "Adafactor", {}),
    ("adafactor_relative", "Adafactor", {"lr": 1.0}),  # ρ_t = 1/√t throughout
    ("adafactor_wd", "Adafactor", {"lr": 0.05, "weight_decay": 0.1}),
    ("adafactor_decay_d", "Adafactor", {"lr": 0.05, "beta2_decay": -0.5, "d": 2.0}),
    ("adafactor_eps", "Adafactor", {"lr": 0.05, "eps": (1e-3, 1e-2)}),
    ("adafactor_maximize", "Adafactor", {"lr": 0.05, "maximize": True, "beta2_decay": 0.0}),
    ("muon", "Muon", {"lr": 0.02}),
    ("muon_no_nesterov", "Muon", {"lr": 0.02, "nesterov": False}),
    ("muon_no_wd", "Muon", {"lr": 0.02, "weight_decay": 0.0, "momentum": 0.9}),
    ("muon_match_rms", "Muon", {"lr": 0.02, "adjust_lr_fn": "match_rms_adamw"}),
    ("muon_original", "Muon", {"lr": 0.02, "adjust_lr_fn": "original", "momentum": 0.0}),
    ("muon_cubic", "Muon", {"lr": 0.02, "ns_coefficients": (1.5, -0.5, 0.0), "ns_steps": 8}),
    ("muon_eps", "Muon", {"lr": 0.02, "eps": 10.0, "ns_steps": 2}),  # ‖M‖ < ε: M/ε
    ("muon_maximize", "Muon", {"lr": 0.02, "maximize": True}),  # torch: fed −g
]
BF16_CASE = ("muon_bf16", "Muon", {"lr": 0.02})


def ns_float64(grad, ns_coefficients, ns_steps, eps):
    """torch 2.13's _zeropower_via_newtonschulz with float64 in place of bfloat16."""
    if ns_steps >= 100:
        raise ValueError("Number of steps must be less than 100 for computational efficiency")
    if len(grad.shape) != 2:
        raise ValueError("Input tensor gradient must be a 2D matrix")
    if len(ns_coefficients) != 3:
        raise ValueError("Coefficients must be a tuple of exactly 3 values")
    a, b, c = ns_coefficients
    # the one change: torch has grad.bfloat16(), a copy (copy=True: .to() of a float64
    # tensor would return the momentum buffer itself, which div_ below would then scale)
    ortho_grad = grad.to(torch.float64, copy=True)
    if grad.size(0) > grad.size(1):
        ortho_grad = ortho_grad.T
    ortho_grad.div_(ortho_grad.norm().clamp(min=eps))
    for _ in range(ns_steps):
        gram_matrix = ortho_grad @ ortho_grad.T
        gram_update = torch.addmm(gram_matrix, gram_matrix, gram_matrix, beta=b, alpha=c)
        ortho_grad = torch.addmm(ortho_grad, gram_update, ortho_grad, beta=a)
    if grad.size(0) > grad.size(1):
        ortho_grad = ortho_grad.T
    return ortho_grad


def initial_params() -> list[np.ndarray]:
    rng = np.random.default_rng(20261202)
    return [rng.normal(size=s) for s in SHAPES]


def gradient_stream() -> list[list[np.ndarray]]:
    rng = np.random.default_rng(13)
    means = [rng.normal(size=s) * 10.0 ** rng.uniform(-3, 1, size=s) for s in SHAPES]
    scales = [10.0 ** rng.uniform(-3, 1, size=s) for s in SHAPES]
    out = []
    for t in range(1, STEPS + 1):
        g = [m + s * rng.normal(size=m.shape) for m, s in zip(means, scales, strict=True)]
        for a in g:
            a[rng.random(size=a.shape) < 0.05] = 0.0
        if 10 <= t <= 12:
            g[0][0] = 0.0
        if t == 30:
            g[1][...] = 0.0
        out.append(g)
    return out


def run(cls_name: str, kwargs: dict, which: list[int], record_updates: bool = False) -> dict:
    kwargs = dict(kwargs)
    sign = 1.0
    if cls_name == "Muon" and kwargs.pop("maximize", False):
        sign = -1.0  # torch's Muon has no maximize: maximising is descending on −g
    extra = {} if cls_name == "Muon" else {"foreach": False}
    params = [torch.tensor(initial_params()[i], requires_grad=True) for i in which]
    opt = getattr(torch.optim, cls_name)(params, **extra, **kwargs)
    updates = []
    if record_updates:
        stock = torch_muon._zeropower_via_newtonschulz

        def recording(grad, *args):
            out = stock(grad, *args)
            updates.append(out.to(torch.float64).numpy().copy())
            return out

        torch_muon._zeropower_via_newtonschulz = recording
    try:
        rec = {"params": [], "ax": [], "eta": [], "mu": []}
        for t, grads in enumerate(gradient_stream(), start=1):
            for p, i in zip(params, which, strict=True):
                p.grad = torch.tensor(sign * grads[i])
            opt.step()
            if t in RECORDED:
                rec["params"].append(np.concatenate([p.detach().numpy().ravel() for p in params]))
                if cls_name == "ASGD":
                    st = [opt.state[p] for p in params]
                    rec["ax"].append(np.concatenate([s["ax"].numpy().ravel() for s in st]))
                    rec["eta"].append(float(st[0]["eta"]))
                    rec["mu"].append(float(st[0]["mu"]))
    finally:
        if record_updates:
            torch_muon._zeropower_via_newtonschulz = stock
    out = {k: np.array(v) for k, v in rec.items() if len(v)}
    for i in range(len(which)):  # one orthogonalised update per step and matrix
        if record_updates:
            out[f"updates{i}"] = np.array(updates[i::len(which)])
    return out


def main() -> None:
    torch.set_default_dtype(torch.float64)  # step counts and ASGD's eta, mu in float64
    stream = gradient_stream()
    arrays = {
        "init": np.concatenate([p.ravel() for p in initial_params()]),
        "grads": np.array([np.concatenate([a.ravel() for a in g]) for g in stream]),
    }
    meta_cases = []
    stock = torch_muon._zeropower_via_newtonschulz
    torch_muon._zeropower_via_newtonschulz = ns_float64
    try:
        for name, cls_name, kwargs in CASES:
            which = {"Muon": MATRICES, "Adafactor": list(range(len(SHAPES)))}.get(cls_name,
                                                                              FIRST_THREE)
            rec = run(cls_name, kwargs, which)
            for k, v in rec.items():
                assert np.all(np.isfinite(v)), (name, k)
                arrays[f"{name}.{k}"] = v
            meta_cases.append({"name": name, "class": cls_name, "kwargs": kwargs,
                               "params": which})
    finally:
        torch_muon._zeropower_via_newtonschulz = stock
    name, cls_name, kwargs = BF16_CASE
    rec = run(cls_name, kwargs, MATRICES, record_updates=True)
    for k, v in rec.items():
        arrays[f"{name}.{k}"] = v
    meta_cases.append({"name": name, "class": cls_name, "kwargs": kwargs, "params": MATRICES,
                       "newton_schulz": "bfloat16 (stock torch)"})
    OUT.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(OUT / "torch_family_golden.npz", **arrays)
    meta = {
        "torch_version": torch.__version__,
        "steps": STEPS,
        "recorded_steps": RECORDED,
        "shapes": [list(s) for s in SHAPES],
        "newton_schulz": "float64 (torch patched: scripts/make_torch_family_golden.py) "
                         "except where a case says otherwise",
        "cases": meta_cases,
    }
    (OUT / "torch_family_golden.json").write_text(json.dumps(meta, indent=1) + "\n")
    size = (OUT / "torch_family_golden.npz").stat().st_size
    print(f"wrote {len(meta_cases)} cases x {STEPS} steps with torch {torch.__version__} "
          f"to {OUT} ({size / 1024:.0f} KB)")


if __name__ == "__main__":
    main()
