"""population: the 120-run grid of a sweep — 4 optimizers (adam, sgd, momentum, rmsprop) × 6
learning rates × 5 seeds, moons, hidden 16-16 tanh, batch 16, 50 epochs, float64 — three ways:

* ``adamlab.population.run_population``: the 120 models as one stacked computation, in this
  process, on one core;
* ``adamlab sweep --workers 2``'s path (``sweep.populations.run_local_populations`` with two
  workers): the grid split into two populations of 60, each trained in one of two joblib (loky)
  processes, one per core. The processes are started by the warm-up round and reused, as a
  sweep reuses them for all its populations; what is timed is the training, the settings sent
  and the results returned;
* one after another: ``adamlab.experiment.run`` for each (what ``sweep`` does on one worker);
* a ``torch.func.vmap`` ensemble of the same models: the same initial weights, training and
  validation rows, data order and batch size; the 120 members' gradients from one
  ``vmap(grad_and_value(loss))`` per step, the four optimizers' updates as batched tensor
  operations with a per-member learning rate, the validation loss every epoch (float64).

Targets: the population at least 10x faster than one after another, and faster than the
vmap ensemble. Each member of the population equals its single run (tests/population), so
the rows compute the same trajectories; the torch ensemble's match to rounding.
"""

from __future__ import annotations

import contextlib

import numpy as np
from common import Result, Settings, Target, have, median, missing_peer, paired_target, take_turns

NAME = "population"
OPTIMIZERS = ("adam", "sgd", "momentum", "rmsprop")
LRS = (1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3)


def grid(settings: Settings) -> list:
    from adamlab.experiment import Settings as Run

    opts, lrs, seeds, epochs = ((OPTIMIZERS[:2], LRS[2:4], range(2), 3) if settings.quick
                                else (OPTIMIZERS, LRS, range(5), 50))
    return [Run(data="moons", hidden=[16, 16], activation="tanh", batch_size=16, epochs=epochs,
                optimizer=o, lr=lr, seed=s) for o in opts for lr in lrs for s in seeds]


def population(runs: list) -> list:
    from adamlab.population import run_population

    return run_population(runs)


def sweep_processes(runs: list, workers: int = 2) -> list:
    """What ``adamlab sweep --workers 2`` trains through: populations in joblib processes."""
    import dataclasses

    from adamlab.sweep.populations import run_local_populations

    tasks = [dataclasses.asdict(s) for s in runs]
    out = dict(run_local_populations(tasks, workers=workers))
    return [out[i] for i in range(len(runs))]


def one_after_another(runs: list) -> list:
    from adamlab.experiment import run

    return [run(s) for s in runs]


def torch_vmap(runs: list) -> list[float]:
    """The ensemble; returns each member's final validation loss."""
    import torch
    from torch.func import grad_and_value, vmap

    from adamlab.experiment import prepare

    preps = [prepare(s) for s in runs]
    K, model = len(preps), preps[0].model
    shapes = [(d.fan_in, d.fan_out) for d in model.dense]
    offsets = [(a.__array_interface__["data"][0] - model.params.__array_interface__["data"][0])
               // 8 for a in (*model.weights, *model.biases)]

    def unflatten(theta):
        L = len(shapes)
        Ws = [theta[o:o + fi * fo].view(fi, fo)
              for o, (fi, fo) in zip(offsets[:L], shapes, strict=True)]
        bs = [theta[o:o + fo] for o, (_, fo) in zip(offsets[L:], shapes, strict=True)]
        return Ws, bs

    def loss(theta, x, t):
        Ws, bs = unflatten(theta)
        a = x
        for i, (W, b) in enumerate(zip(Ws, bs, strict=True)):
            a = a @ W + b
            if i < len(Ws) - 1:
                a = torch.tanh(a)
        return torch.nn.functional.binary_cross_entropy_with_logits(a[:, 0], t)

    step_fn = vmap(grad_and_value(loss))
    val_fn = vmap(loss)
    theta = torch.from_numpy(np.stack([p.model.params for p in preps])).clone()
    X = torch.from_numpy(np.stack([p.X_train for p in preps]))
    y = torch.from_numpy(np.stack([p.y_train for p in preps]).astype(np.float64))
    Xv = torch.from_numpy(np.stack([p.X_val for p in preps]))
    yv = torch.from_numpy(np.stack([p.y_val for p in preps]).astype(np.float64))
    lr = torch.tensor([[s.lr] for s in runs], dtype=torch.float64)
    kinds = {o: torch.tensor([i for i, s in enumerate(runs) if s.optimizer == o])
             for o in dict.fromkeys(s.optimizer for s in runs)}
    m, v = torch.zeros_like(theta), torch.zeros_like(theta)
    rngs = [np.random.default_rng([s.seed, 2]) for s in runs]
    n, bs, rows = X.shape[1], runs[0].batch_size, torch.arange(K)[:, None]
    t = 0
    with torch.no_grad(), _one_thread(torch):
        for _ in range(runs[0].epochs):
            perm = torch.from_numpy(np.stack([r.permutation(n) for r in rngs]))
            for b0 in range(0, n, bs):
                idx = perm[:, b0:b0 + bs]
                g, _ = step_fn(theta, X[rows, idx], y[rows, idx])
                t += 1
                for name, ix in kinds.items():
                    th, gi, mi, vi, a = theta[ix], g[ix], m[ix], v[ix], lr[ix]
                    if name == "adam":  # torch.optim.Adam's update, per-member lr
                        mi.lerp_(gi, 0.1)
                        vi.mul_(0.999).addcmul_(gi, gi, value=0.001)
                        den = (vi.sqrt() / (1 - 0.999**t) ** 0.5).add_(1e-8)
                        th.sub_(a / (1 - 0.9**t) * mi / den)
                    elif name == "sgd":
                        th.sub_(a * gi)
                    elif name == "momentum":  # b = 0.9 b + g (b_1 = g)
                        if t > 1:
                            mi.mul_(0.9).add_(gi)
                        else:
                            mi.copy_(gi)
                        th.sub_(a * mi)
                    else:  # rmsprop: v = 0.99 v + 0.01 g²
                        vi.mul_(0.99).addcmul_(gi, gi, value=0.01)
                        th.sub_(a * gi / (vi.sqrt() + 1e-8))
                    theta[ix], m[ix], v[ix] = th, mi, vi
            val = val_fn(theta, Xv, yv)
    return val.tolist()


@contextlib.contextmanager
def _one_thread(torch):
    """Small products on one thread, as adamlab's trainer runs them (with torch's default of
    one per core they took ~20x longer here, a busy 2-core machine)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def adamlab_fit(settings: Settings):
    runs = grid(settings)
    return lambda: population(runs)


def run(settings: Settings) -> tuple[list[Result], list[Target]]:
    runs = grid(settings)
    contenders = {"adamlab population": lambda: population(runs),
                  "adamlab sweep, 2 worker processes": lambda: sweep_processes(runs),
                  "one after another": lambda: one_after_another(runs)}
    if have("torch"):
        contenders["torch.func.vmap ensemble"] = lambda: torch_vmap(runs)
    timings = take_turns(contenders, settings.repeat)
    results = []
    label = f"{len(runs)} runs × {runs[0].epochs} epochs"
    for name, (times, value) in timings.items():
        info = label
        if name in ("adamlab population", "one after another"):
            ok = sum(r["status"] == "ok" for r in value)
            best = max((r["final"]["val_accuracy"] or 0) for r in value)
            info += f", {ok} ok, best val accuracy {best:.3f}"
        results.append(Result(NAME, name, median(times), times, info=info,
                              reference=name == "adamlab population"))
    if "one after another" in timings:
        single = timings["one after another"][1]
        for k, name in enumerate(("adamlab population", "adamlab sweep, 2 worker processes")):
            same = all(a["params_sha256"] == b["params_sha256"]
                       for a, b in zip(timings[name][1], single, strict=True))
            results[k].info += f"; every member's final weights equal its single run's: {same}"
    results += missing_peer(NAME, "torch.func.vmap ensemble", timings)
    targets = [
        paired_target(NAME, "one after another", "population ≥ 10x faster", timings,
                      "adamlab population", lambda r: r >= 10),
        paired_target(NAME, "one after another", "sweep --workers 2 (populations) ≥ 10x faster",
                      timings, "adamlab sweep, 2 worker processes", lambda r: r >= 10),
        paired_target(NAME, "torch.func.vmap ensemble", "population faster", timings,
                      "adamlab population", lambda r: r > 1),
    ]
    return results, targets
