"""Record golden trajectories of Adam's successors from their reference implementations.

Run with the references installed (test-only, never runtime dependencies)::

    pip install torch lion-pytorch adabelief-pytorch schedulefree prodigyopt jax optax
    python scripts/make_family_golden.py

It writes ``tests/fixtures/family_golden.npz`` and ``tests/fixtures/family_golden.json``. One
fixed stream of gradients (stored in the file: a constant drift plus noise, so that the
parameters travel and Prodigy's estimate d grows) is fed for 200 steps to every case, over a
(5, 3) matrix and a (3,) vector in float64; the parameters are recorded every ``STRIDE`` steps
(and Schedule-Free's evaluation weights at ``EVAL_AT``). Prodigy's cases take the gradient of
a quadratic at their own iterate plus 0.3 × the stream (``feedback``: its estimate d needs a
problem with a solution to settle). The tests replay the stream through adamlab's optimizers
and need NumPy only.

References: ``lion_pytorch.Lion`` (and ``optax.lion``, checked here to agree),
``adabelief_pytorch.AdaBelief``, ``optax.lamb``, ``optax.lars``, ``optax.contrib.adopt``
(weight decay through ``optax.chain``), ``optax.contrib.ademamix``,
``schedulefree.AdamWScheduleFree``, ``prodigyopt.Prodigy``. JAX runs in float64.
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import jax
import numpy as np
import torch

jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402
import optax  # noqa: E402
import optax.contrib  # noqa: E402

STEPS = 200
STRIDE = 5  # parameters recorded after steps 5, 10, ..., 200 (and step 1)
EVAL_AT = (1, 50, 100, 150, 200)  # Schedule-Free: eval() weights after these steps
SHAPES = [(5, 3), (3,)]
OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures"

# (case name, adamlab class, adamlab kwargs). Every flag that changes the math appears.
CASES: list[tuple[str, str, dict]] = [
    ("lion", "Lion", {"lr": 0.01}),
    ("lion_wd", "Lion", {"lr": 0.01, "betas": (0.8, 0.95), "weight_decay": 0.5}),
    ("lion_decoupled", "Lion", {"lr": 0.01, "weight_decay": 0.05,
                                "decoupled_weight_decay": True}),
    ("adabelief", "AdaBelief", {"lr": 0.01}),
    ("adabelief_wd", "AdaBelief", {"lr": 0.01, "weight_decay": 0.1}),
    ("adabelief_fixed_decay", "AdaBelief", {"lr": 0.01, "weight_decay": 0.01,
                                            "fixed_decay": True}),
    ("adabelief_l2", "AdaBelief", {"lr": 0.01, "weight_decay": 0.1, "weight_decouple": False}),
    ("adabelief_amsgrad", "AdaBelief", {"lr": 0.01, "amsgrad": True, "eps": 1e-8}),
    ("adabelief_no_sgd", "AdaBelief", {"lr": 0.01, "degenerated_to_sgd": False,
                                       "betas": (0.9, 0.99)}),
    ("adabelief_plain", "AdaBelief", {"lr": 0.01, "rectify": False}),
    ("adabelief_plain_amsgrad", "AdaBelief", {"lr": 0.01, "rectify": False, "amsgrad": True,
                                              "eps": 1e-8, "weight_decay": 0.05}),
    ("adabelief_plain_l2", "AdaBelief", {"lr": 0.01, "rectify": False, "weight_decay": 0.1,
                                         "weight_decouple": False, "eps": 1e-10}),
    ("lamb", "LAMB", {"lr": 0.01}),
    ("lamb_wd", "LAMB", {"lr": 0.01, "weight_decay": 0.1, "betas": (0.8, 0.99)}),
    ("lamb_eps_root", "LAMB", {"lr": 0.01, "eps": 1e-8, "eps_root": 1e-4}),
    ("lars", "LARS", {"lr": 1.0}),
    ("lars_nesterov", "LARS", {"lr": 1.0, "nesterov": True, "momentum": 0.8}),
    ("lars_wd_eps", "LARS", {"lr": 2.0, "weight_decay": 0.1, "eps": 1e-3,
                             "trust_coefficient": 0.01}),
    ("lars_no_momentum", "LARS", {"lr": 3.0, "momentum": 0.0}),
    ("adopt", "ADOPT", {"lr": 0.01}),
    ("adopt_no_clipping", "ADOPT", {"lr": 0.01, "use_clipping": False}),
    ("adopt_nesterov", "ADOPT", {"lr": 0.01, "nesterov": True, "betas": (0.8, 0.99)}),
    ("adopt_l2", "ADOPT", {"lr": 0.01, "weight_decay": 0.1}),
    ("adopt_decoupled", "ADOPT", {"lr": 0.01, "weight_decay": 0.1,
                                  "decoupled_weight_decay": True, "eps": 1e-3}),
    ("ademamix", "AdEMAMix", {"lr": 0.01}),
    ("ademamix_all", "AdEMAMix", {"lr": 0.01, "betas": (0.8, 0.99, 0.999), "alpha": 2.0,
                                  "weight_decay": 0.1, "eps_root": 1e-4}),
    ("ademamix_warmup", "AdEMAMix", {"lr": 0.01, "alpha_warmup": 100, "beta3_warmup": 100}),
    ("ademamix_warmups_apart", "AdEMAMix", {"lr": 0.01, "betas": (0.8, 0.99, 0.999),
                                            "alpha": 8.0, "alpha_warmup": 50,
                                            "beta3_warmup": 150}),
    ("schedulefree", "ScheduleFreeAdamW", {"lr": 0.01}),
    ("schedulefree_warmup", "ScheduleFreeAdamW", {"lr": 0.02, "warmup_steps": 50,
                                                  "weight_decay": 0.1}),
    ("schedulefree_r", "ScheduleFreeAdamW", {"lr": 0.01, "r": 0.5, "weight_lr_power": 1.0,
                                             "betas": (0.8, 0.99), "eps": 1e-6}),
    ("prodigy", "Prodigy", {}),
    ("prodigy_bias_correction", "Prodigy", {"use_bias_correction": True}),
    ("prodigy_safeguard", "Prodigy", {"safeguard_warmup": True, "lr": 0.5}),
    ("prodigy_l2", "Prodigy", {"weight_decay": 0.1, "decouple": False}),
    ("prodigy_decoupled", "Prodigy", {"weight_decay": 0.1, "d0": 1e-4}),
    ("prodigy_beta1_zero", "Prodigy", {"betas": (0.0, 0.99), "beta3": 0.9}),
    ("prodigy_growth", "Prodigy", {"growth_rate": 1.02, "d_coef": 0.5, "eps": 1e-6}),
    ("prodigy_slice", "Prodigy", {"slice_p": 2}),
]


def gradient_stream() -> list[list[np.ndarray]]:
    """g_t = 0.3·drift + noise: a constant direction the parameters travel along."""
    rng = np.random.default_rng(20241202)
    drift = [rng.normal(size=s) for s in SHAPES]
    return [[0.3 * d + rng.normal(size=s) for d, s in zip(drift, SHAPES, strict=True)]
            for _ in range(STEPS)]


def initial_params() -> list[np.ndarray]:
    rng = np.random.default_rng(7)
    return [rng.normal(size=s) for s in SHAPES]


def flat(arrays) -> np.ndarray:
    return np.concatenate([np.asarray(a, dtype=np.float64).ravel() for a in arrays])


def recorded(t: int) -> bool:
    """Steps (1-based) whose parameters are kept: the first, and every STRIDE-th."""
    return t == 1 or t % STRIDE == 0


# --------------------------------------------------------------------------- torch references
def quadratic():
    """Prodigy's problem: f(θ) = ½·Σ κ·(θ − c)² per array. Its gradient is taken at the
    reference's own iterate (plus 0.3 × the stored noise), so d settles as in training; a
    pure stream with drift makes d grow without bound."""
    rng = np.random.default_rng(11)
    return ([rng.uniform(0.5, 5.0, size=s) for s in SHAPES], [rng.normal(size=s) for s in SHAPES])


def feedback(params, gs):
    """g = κ ⊙ (θ − c) + 0.3·noise, elementwise (exactly rounded: the test recomputes it)."""
    kappa, center = quadratic()
    return [k * (p - c) + 0.3 * g for p, g, k, c in zip(params, gs, kappa, center, strict=True)]


def torch_run(make, grads, on_step=None, feed=False):
    params = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in initial_params()]
    with contextlib.redirect_stdout(io.StringIO()):  # adabelief prints its change log
        opt = make(params)
    rows = []
    for t, gs in enumerate(grads, start=1):
        if feed:
            gs = feedback([p.detach().numpy() for p in params], gs)
        for p, g in zip(params, gs, strict=True):
            p.grad = torch.tensor(g, dtype=torch.float64)  # a fresh copy: references write it
        opt.step()
        if recorded(t):
            rows.append(flat([p.detach().numpy() for p in params]))
        if on_step is not None:
            on_step(t, opt, params)
    return np.array(rows)


def lion_ref(kw):
    from lion_pytorch import Lion

    return lambda ps: Lion(ps, lr=kw["lr"], betas=kw.get("betas", (0.9, 0.99)),
                           weight_decay=kw.get("weight_decay", 0.0),
                           decoupled_weight_decay=kw.get("decoupled_weight_decay", False))


def prodigy_ref(kw):
    from prodigyopt import Prodigy

    return lambda ps: Prodigy(ps, **kw)


def prodigy_run(kw, grads):
    """The parameters as recorded, and the estimate d (group 0's) after the same steps."""
    ds = []

    def on_step(t, opt, params):
        if recorded(t):
            ds.append(opt.param_groups[0]["d"])

    return torch_run(prodigy_ref(kw), grads, on_step, feed=True), np.array(ds)


def schedulefree_run(kw, grads):
    """The parameters (train mode, y) as recorded, and the eval-mode weights (x) at EVAL_AT:
    eval(), record, train(), as a training loop that evaluates does."""
    from schedulefree import AdamWScheduleFree

    evals = []

    def on_step(t, opt, params):
        if t in EVAL_AT:
            opt.eval()
            evals.append(flat([p.detach().numpy() for p in params]))
            opt.train()

    def make(ps):
        opt = AdamWScheduleFree(ps, **kw)
        opt.train()  # the reference starts in eval mode
        return opt

    return torch_run(make, grads, on_step), np.array(evals)


def adabelief_ref(kw):
    from adabelief_pytorch import AdaBelief

    return lambda ps: AdaBelief(ps, print_change_log=False, **kw)


# --------------------------------------------------------------------------- optax references
def optax_run(tx, grads):
    params = [jnp.asarray(a) for a in initial_params()]
    state = tx.init(params)
    rows = []
    for t, gs in enumerate(grads, start=1):
        updates, state = tx.update([jnp.asarray(g) for g in gs], state, params)
        params = optax.apply_updates(params, updates)
        if recorded(t):
            rows.append(flat(params))
    return np.array(rows)


def optax_tx(cls: str, kw: dict):
    kw = dict(kw)
    lr = kw.pop("lr")
    if "betas" in kw:
        kw.update(zip(("b1", "b2", "b3"), kw.pop("betas"), strict=False))
    if cls == "Lion":
        return optax.lion(lr, **kw)
    if cls == "LAMB":
        return optax.lamb(lr, **kw)
    if cls == "LARS":
        return optax.lars(lr, **kw)
    if cls == "AdEMAMix":  # the warm-ups as schedules of optax's count_m2
        alpha_warmup, beta3_warmup = kw.pop("alpha_warmup", None), kw.pop("beta3_warmup", None)
        if alpha_warmup is not None:
            kw["alpha"] = in_float64(optax.linear_schedule(0.0, kw.get("alpha", 5.0),
                                                           alpha_warmup))
        if beta3_warmup is not None:
            kw["b3"] = in_float64(beta3_schedule(kw.get("b1", 0.9), kw.get("b3", 0.9999),
                                                 beta3_warmup))
        return optax.contrib.ademamix(lr, **kw)
    if cls == "ADOPT":  # optax's ADOPT has no weight decay: chained as L2 or as AdamW's
        wd = kw.pop("weight_decay", 0.0)
        decoupled = kw.pop("decoupled_weight_decay", False)
        adopt = optax.contrib.scale_by_adopt(**kw)
        scale = optax.scale_by_learning_rate(lr)
        if wd == 0:
            return optax.chain(adopt, scale)
        decay = optax.add_decayed_weights(wd)
        return optax.chain(adopt, decay, scale) if decoupled else optax.chain(decay, adopt, scale)
    raise KeyError(cls)


def in_float64(schedule):
    """``schedule`` at optax's int32 count taken as float64 (an int32 count gives float32)."""
    return lambda count: schedule(jnp.asarray(count, jnp.float64))


def beta3_schedule(beta_start: float, beta_end: float, warmup: int):
    """The AdEMAMix authors' ``linear_hl_warmup_scheduler`` as an optax schedule: linear in
    the half-life f(β) = ln ½/ln(β + 1e-8) − 1 from β1 to β3 over ``warmup`` steps."""
    def f(beta):
        return jnp.log(0.5) / jnp.log(beta + 1e-8) - 1

    def schedule(count):
        a = jnp.minimum(count / warmup, 1.0)
        h = (1.0 - a) * f(beta_start) + a * f(beta_end)
        return jnp.where(count < warmup, jnp.power(0.5, 1 / (h + 1)), beta_end)

    return schedule


def reference(cls: str, kw: dict, grads) -> np.ndarray:
    if cls == "Lion":
        return torch_run(lion_ref(kw), grads)
    if cls == "AdaBelief":
        return torch_run(adabelief_ref(kw), grads)
    if cls == "Prodigy":
        return torch_run(prodigy_ref(kw), grads, feed=True)
    return optax_run(optax_tx(cls, kw), grads)


def check_optax_lion_agrees(grads) -> float:
    """optax.lion (θ − α·(sign(c) + λθ)) against lion_pytorch (θ(1 − αλ) − α·sign(c))."""
    kw = {"lr": 0.01, "betas": (0.8, 0.95), "weight_decay": 0.5}
    a = torch_run(lion_ref(kw), grads)
    b = optax_run(optax_tx("Lion", kw), grads)
    err = float(np.max(np.abs(a - b) / np.maximum(np.abs(a), 1e-300)))
    assert err < 1e-10, f"optax.lion and lion_pytorch differ by {err:.2e}"
    return err


def main() -> None:
    torch.set_num_threads(1)
    grads = gradient_stream()
    kappa, center = quadratic()
    arrays = {"init": flat(initial_params()), "grads": np.array([flat(g) for g in grads]),
              "kappa": flat(kappa), "center": flat(center)}
    meta_cases = []
    for name, cls, kw in CASES:
        if cls == "ScheduleFreeAdamW":
            arrays[f"{name}.params"], arrays[f"{name}.eval"] = schedulefree_run(kw, grads)
        elif cls == "Prodigy":
            arrays[f"{name}.params"], arrays[f"{name}.d"] = prodigy_run(kw, grads)
        else:
            arrays[f"{name}.params"] = reference(cls, kw, grads)
        meta_cases.append({"name": name, "class": cls, "kwargs": kw})
        print(f"{name:28s} {cls:18s} recorded {len(arrays[name + '.params'])} rows")
    lion_err = check_optax_lion_agrees(grads)
    print(f"optax.lion vs lion_pytorch: max relative difference {lion_err:.2e}")
    meta = {
        "shapes": SHAPES, "steps": STEPS, "feedback": ["Prodigy"], "stride": STRIDE,
        "eval_at": list(EVAL_AT),
        "recorded_steps": [t for t in range(1, STEPS + 1) if recorded(t)],
        "optax_lion_vs_lion_pytorch": lion_err,
        "versions": {m: __import__(m).__version__ for m in ("torch", "jax", "optax", "numpy")},
        "cases": meta_cases,
    }
    OUT.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(OUT / "family_golden.npz", **arrays)
    (OUT / "family_golden.json").write_text(json.dumps(meta, indent=1) + "\n")
    print(f"wrote {OUT / 'family_golden.npz'} ({(OUT / 'family_golden.npz').stat().st_size} B)")


if __name__ == "__main__":
    main()
