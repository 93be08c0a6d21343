"""Record torch.optim trajectories that adamlab must reproduce bit for bit (float64).

Run with PyTorch installed (CPU build, torch 2.13.0), never from the tests::

    python scripts/make_torch_feedback_golden.py

It writes ``tests/fixtures/torch_feedback_golden.npz`` and ``torch_feedback_golden.json``;
``tests/optim/test_torch_feedback.py`` replays them with NumPy only.

For every case of ``make_torch_golden.CASES`` (each optimizer and each flag that changes its
math) plus a few combinations, and of ``make_torch_family_golden.CASES`` (Adadelta, Rprop,
ASGD, Adafactor, Muon; Muon with its Newton–Schulz iteration in float64, not bfloat16, and
stepping the matrix only), two runs of ``STEPS`` steps from the same start:

* feedback: the gradient is computed from the current parameters, of the non-convex (a
  double well per coordinate, coupled to its neighbours)::

      f(θ) = Σ_i c_i·(θ_i² − a_i)² + Σ_i d_i·θ_i·θ_{i+1}       (indices cyclic)
      ∂f/∂θ_i = 4c_i·θ_i·(θ_i² − a_i) + d_i·θ_{i+1} + d_{i−1}·θ_{i−1}

  (with ``maximize`` the optimizer is given −∂f, so that it still descends f);
* stream: the gradients are a fixed recorded stream, the parameters never feed back;
* feedback32: the feedback run in float32 (θ_0, a, 4c, d rounded to float32, every operation
  in float32).

The gradient is bit-exact in NumPy and torch: it is computed element by element with one
IEEE-754 operation per tensor (×, −, +; each a separate kernel whose result is stored, so no
multiply-add is fused and nothing is reassociated), and every basic operation is correctly
rounded in both. No reduction (whose summation order differs) and no transcendental function
(whose libm implementations differ) is used; the neighbours θ_{i±1} are copies (indexing).
4c and d_{i−1} are stored precomputed. So any difference in the recorded parameters is the
optimizer's.

torch's square root is not IEEE 754's: on x86 builds ``torch.sqrt`` calls Intel MKL's VML
(``vdSqrt``, high-accuracy mode), which returns the value one ulp below the correctly rounded
root for about 0.7% of float64 inputs on this machine's AVX-512 code path (1.5% on MKL's AVX2
path, ``MKL_ENABLE_INSTRUCTIONS=AVX2``): torch's results depend on the processor MKL picks.
NumPy's ``sqrt`` is correctly rounded (as are C's ``sqrt`` and Python's ``math.sqrt``). So each
case is run twice more with torch's ``Tensor.sqrt``/``sqrt_`` replaced by the correctly
rounded root (``math.sqrt`` per element): those runs ("ieee") adamlab must match bit for
bit; the stock runs ("stock") measure what MKL's root alone does to a trajectory.

The parameters are recorded after the steps in ``RECORDED`` (every one of the first 10, then
every 50th): a difference is found near the step it appears, and the fixture stays small.
"""

from __future__ import annotations

import contextlib
import json
import math
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import torch.optim._muon as torch_muon  # noqa: E402
from make_torch_family_golden import CASES as FAMILY_CASES  # noqa: E402
from make_torch_family_golden import ns_float64  # noqa: E402
from make_torch_golden import CASES as BASE_CASES  # noqa: E402

STEPS = 300
RECORDED = list(range(1, 11)) + list(range(50, STEPS + 1, 50))
SHAPES = [(3, 4), (9,)]  # 21 values: torch's vector loop and its scalar tail both run
OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures"

EXTRA_CASES: list[tuple[str, str, dict]] = [
    ("sgd_nesterov_wd_maximize", "SGD", {"lr": 0.01, "momentum": 0.9, "nesterov": True,
                                         "weight_decay": 0.05, "maximize": True}),
    ("sgd_dampening_wd", "SGD", {"lr": 0.02, "momentum": 0.7, "dampening": 0.3,
                                 "weight_decay": 0.02}),
    ("rmsprop_momentum_wd_maximize", "RMSprop", {"lr": 0.002, "momentum": 0.8,
                                                 "weight_decay": 0.05, "maximize": True}),
    ("rmsprop_centered_low_alpha", "RMSprop", {"lr": 0.002, "alpha": 0.3, "centered": True,
                                               "momentum": 0.6}),
    ("adagrad_lr_decay_maximize", "Adagrad", {"lr": 0.05, "lr_decay": 0.05,
                                              "maximize": True, "weight_decay": 0.1}),
    ("adam_amsgrad_l2", "Adam", {"lr": 0.01, "amsgrad": True, "weight_decay": 0.1}),
    ("adamw_maximize_low_betas", "AdamW", {"lr": 0.01, "maximize": True, "betas": (0.4, 0.8)}),
    ("nadam_low_betas_decoupled", "NAdam", {"lr": 0.01, "betas": (0.3, 0.6),
                                            "weight_decay": 0.05,
                                            "decoupled_weight_decay": True}),
    ("radam_low_betas_l2", "RAdam", {"lr": 0.01, "betas": (0.2, 0.7), "weight_decay": 0.05}),
    ("adamax_wd_maximize", "Adamax", {"lr": 0.01, "weight_decay": 0.05, "maximize": True}),
]
# The newer torch optimizers, with make_torch_family_golden's cases (every flag that changes
# their math). torch's Muon has no maximize (the family script feeds it −g instead): left out.
FAMILY = [c for c in FAMILY_CASES if not (c[1] == "Muon" and c[2].get("maximize"))]
CASES = BASE_CASES + EXTRA_CASES + FAMILY
#: The optimizers whose step calls no ``Tensor.sqrt`` (Adafactor's is ``rsqrt_``, its and
#: Muon's norms take their roots inside the reduction: correctly rounded, not MKL's).
NO_SQRT = {"SGD", "Adamax", "Rprop", "ASGD", "Adafactor", "Muon"}
#: Muon steps 2-D parameters only: it gets the 3×4 matrix, the vector stays where it starts
#: (its coordinates still enter the matrix's gradient through the coupling d).
ONLY = {"Muon": [0]}


def problem() -> dict[str, np.ndarray]:
    """The constants of f, the start θ_0 and the gradient stream (all float64)."""
    rng = np.random.default_rng(20261202)
    n = sum(int(np.prod(s)) for s in SHAPES)
    a = rng.uniform(0.5, 1.5, n)
    c4 = 4.0 * rng.uniform(0.1, 0.3, n)  # 4·c_i (×4 is exact)
    d = rng.uniform(-0.2, 0.2, n)
    nxt = np.roll(np.arange(n), -1)  # index of θ_{i+1}
    prv = np.roll(np.arange(n), 1)  # index of θ_{i−1}
    return {"a": a, "c4": c4, "d": d, "d_prev": d[prv], "next": nxt, "prev": prv,
            "init": rng.normal(size=n), "stream": rng.normal(size=(STEPS, n))}


def gradient(theta: torch.Tensor, k: dict[str, torch.Tensor]) -> torch.Tensor:
    """∂f/∂θ, one stored IEEE operation at a time (the test repeats them in NumPy)."""
    sq = theta * theta
    r = sq - k["a"]
    u = theta * r
    g = k["c4"] * u  # 4c_i·θ_i·(θ_i² − a_i)
    g = g + k["d"] * theta[k["next"]]  # + d_i·θ_{i+1}
    return g + k["d_prev"] * theta[k["prev"]]  # + d_{i−1}·θ_{i−1}


SQRT_CALLS = [0]


def _ieee_sqrt(t: torch.Tensor) -> torch.Tensor:
    SQRT_CALLS[0] += 1
    flat = [math.sqrt(v) if v >= 0 else math.nan for v in t.detach().reshape(-1).tolist()]
    return torch.tensor(flat, dtype=t.dtype).reshape(t.shape)


@contextlib.contextmanager
def ieee_sqrt():
    """torch.Tensor.sqrt and .sqrt_ as the correctly rounded square root, for the block."""
    saved = torch.Tensor.sqrt, torch.Tensor.sqrt_, torch.sqrt
    torch.Tensor.sqrt = _ieee_sqrt
    torch.Tensor.sqrt_ = lambda t: t.copy_(_ieee_sqrt(t))
    torch.sqrt = _ieee_sqrt
    try:
        yield
    finally:
        torch.Tensor.sqrt, torch.Tensor.sqrt_, torch.sqrt = saved


def run(cls_name: str, kwargs: dict, k: dict, feedback: bool) -> np.ndarray:
    flat0 = k["init"].clone()
    params, i = [], 0
    for shape in SHAPES:
        size = int(np.prod(shape))
        params.append(flat0[i:i + size].reshape(shape).clone().requires_grad_(True))
        i += size
    stepped = [params[i] for i in ONLY.get(cls_name, range(len(params)))]
    extra = {} if cls_name == "Muon" else {"foreach": False}  # Muon: single-tensor only
    opt = getattr(torch.optim, cls_name)(stepped, **extra, **kwargs)
    sign = -1.0 if kwargs.get("maximize") else 1.0
    out = []
    for t in range(1, STEPS + 1):
        with torch.no_grad():
            theta = torch.cat([p.reshape(-1) for p in params])
            g = gradient(theta, k) if feedback else k["stream"][t - 1]
            g = -g if sign < 0 else g
            j = 0
            for p in params:
                p.grad = g[j:j + p.numel()].reshape(p.shape).clone()
                j += p.numel()
        opt.step()
        if t in RECORDED:
            out.append(torch.cat([p.detach().reshape(-1) for p in params]).numpy().copy())
    return np.array(out)


def main() -> None:
    torch.set_default_dtype(torch.float64)  # step counts and NAdam's μ-product in float64
    # Muon's Newton–Schulz iteration in float64 instead of bfloat16 (torch 2.13's function
    # with ``.bfloat16()`` replaced, nothing else: make_torch_family_golden.ns_float64).
    torch_muon._zeropower_via_newtonschulz = ns_float64
    consts = problem()
    k = {name: torch.from_numpy(v) for name, v in consts.items()}
    k32 = {name: v.float() if v.is_floating_point() else v for name, v in k.items()}
    arrays = dict(consts)
    for name, cls_name, kwargs in CASES:
        for mode in ("feedback", "stream"):
            with ieee_sqrt():
                calls = SQRT_CALLS[0]
                traj = run(cls_name, kwargs, k, mode == "feedback")
                assert (SQRT_CALLS[0] > calls) == (cls_name not in NO_SQRT), (name, "sqrt")
            assert np.all(np.isfinite(traj)), (name, mode)
            arrays[f"{name}.{mode}.ieee"] = traj
        with ieee_sqrt():  # the feedback run once more in float32 (the problem's constants too)
            traj = run(cls_name, kwargs, k32, True)
        assert np.all(np.isfinite(traj)), (name, "float32")
        arrays[f"{name}.feedback32.ieee"] = traj
        traj = run(cls_name, kwargs, k, True)
        assert np.all(np.isfinite(traj)), (name, "stock")
        arrays[f"{name}.feedback.stock"] = traj
    OUT.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(OUT / "torch_feedback_golden.npz", **arrays)
    meta = {
        "torch_version": torch.__version__,
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "no_sqrt": sorted(NO_SQRT),
        "steps": STEPS,
        "recorded": RECORDED,
        "shapes": [list(s) for s in SHAPES],
        "only": ONLY,
        "cases": [{"name": n, "torch_class": c, "kwargs": kw} for n, c, kw in CASES],
    }
    (OUT / "torch_feedback_golden.json").write_text(json.dumps(meta, indent=1) + "\n")
    print(f"wrote {len(CASES)} cases x 4 runs x {STEPS} steps with torch {torch.__version__} "
          f"({meta['cpu_capability']}) to {OUT}")


if __name__ == "__main__":
    main()
