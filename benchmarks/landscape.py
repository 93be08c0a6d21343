"""landscape: the explorer's slider request — 4 optimizers (adam, sgd, momentum, rmsprop) × 500
steps on Rosenbrock, each on one 2-element float64 point, where a step's cost is call overhead.

* ``adamlab.explore.landscape_api.landscape`` uncached (its path cache cleared before each
  request): the paths with every step's internals, as the page gets them (JSON-able lists);
* ``adamlab.landscape.run_path`` for the four: the steps and points alone;
* ``torch.optim`` on a 2-element float64 tensor, the same four optimizers, rates and steps,
  the gradient set from the same formula each step: the same loop, torch's overhead.

Target (issue 17): the request answered in well under 100 ms; judged here as its median below
50 ms. The torch loop is the peer for ``run_path``'s loop (no internals in either).
"""

from __future__ import annotations

from common import Result, Settings, Target, have, median, missing_peer, paired_target, take_turns

NAME = "landscape"
OPTIMIZERS = ("adam", "sgd", "momentum", "rmsprop")


def steps(settings: Settings) -> int:
    return 100 if settings.quick else 500


def body(n: int) -> dict:
    return {"function": "rosenbrock", "steps": n, "optimizers": [{"name": o} for o in OPTIMIZERS]}


def request(n: int):
    from adamlab.explore import landscape_api

    def run():
        landscape_api._CACHE.clear()  # uncached: every path computed
        return landscape_api.landscape(body(n))

    return run


def paths(n: int):
    from adamlab.landscape import run_path

    return lambda: [run_path("rosenbrock", o, steps=n) for o in OPTIMIZERS]


def torch_paths(n: int):
    import torch

    from adamlab.landscape import get_function

    fn = get_function("rosenbrock")
    make = {"adam": lambda p, lr: torch.optim.Adam([p], lr=lr),
            "sgd": lambda p, lr: torch.optim.SGD([p], lr=lr),
            "momentum": lambda p, lr: torch.optim.SGD([p], lr=lr, momentum=0.9),
            "rmsprop": lambda p, lr: torch.optim.RMSprop([p], lr=lr)}

    def run():
        ends = []
        for o in OPTIMIZERS:
            p = torch.tensor(fn.start, dtype=torch.float64, requires_grad=True)
            p.grad = torch.zeros(2, dtype=torch.float64)
            opt = make[o](p, fn.default_lr(o))
            for _ in range(n):
                with torch.no_grad():
                    x, y = float(p[0]), float(p[1])
                    p.grad.copy_(torch.tensor(fn.gradient(x, y), dtype=torch.float64))
                opt.step()
            ends.append(p.detach().tolist())
        return ends

    return run


def adamlab_fit(settings: Settings):
    return request(steps(settings))


def run(settings: Settings) -> tuple[list[Result], list[Target]]:
    n = steps(settings)
    contenders = {"adamlab explorer request (uncached)": request(n),
                  "adamlab run_path × 4": paths(n)}
    if have("torch"):
        contenders["PyTorch optimizers, same loop"] = torch_paths(n)
    timings = take_turns(contenders, max(settings.repeat, 5))
    per = 4 * n
    results = [Result(NAME, name, median(runs), runs,
                      info=f"{median(runs) / per * 1e6:.1f} µs per step ({per} steps)",
                      reference=name == "adamlab run_path × 4")
               for name, (runs, _) in timings.items()]
    results += missing_peer(NAME, "PyTorch optimizers, same loop", timings)
    runs = timings["adamlab explorer request (uncached)"][0]
    req = median(runs)
    targets = [Target(NAME, "adamlab explorer request (uncached)",
                      "well under 100 ms (issue 17): median < 50 ms", req < 0.05,
                      f"{req * 1e3:.1f} ms (rounds {min(runs) * 1e3:.0f}–"
                      f"{max(runs) * 1e3:.0f} ms)"),
               paired_target(NAME, "PyTorch optimizers, same loop",
                             "run_path no slower than torch's loop", timings,
                             "adamlab run_path × 4", lambda r: r >= 1.0)]
    return results, targets
