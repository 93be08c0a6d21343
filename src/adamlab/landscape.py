"""Two-dimensional test functions, and the paths optimizers trace on them.

Each function in ``FUNCTIONS`` has its value f(x, y) (vectorised: x and y may be grids), its
exact gradient written right under it, a start point, a plot domain, its known minima, and a
learning rate per optimizer family that shows the optimizers' characters in a few hundred steps.

``run_path`` runs one optimizer from ``adamlab.optim`` on a single 2-element float64 array and
returns plain data (lists, JSON-able); ``adamlab.plot.landscape`` draws the result::

    paths = run_paths("rosenbrock", ["sgd", "momentum", "adam"])
    fig = adamlab.plot.landscape(paths)

A run that leaves a large box around the domain, or reaches a non-finite point, stops there
and is marked ``diverged``: no exception, no floating-point warning.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from adamlab.optim import OPTIMIZERS, make_optimizer

__all__ = ["Function2D", "FUNCTIONS", "get_function", "optimizer_family", "point_note", "run_path",
           "run_paths"]

Value = Callable[[Any, Any], Any]
Gradient = Callable[[Any, Any], tuple[Any, Any]]

def optimizer_family(name: str) -> str:
    """The family whose default learning rate ``name`` takes: its registry row's ``family``
    ("sgd", "adaptive", "adagrad" or "radam"; see ``adamlab.optim.registry``); "adaptive"
    for a name not registered."""
    spec = OPTIMIZERS.get(str(name).strip().lower())
    return "adaptive" if spec is None else spec.family


def point_note(names: Iterable[str]) -> str | None:
    """One line saying why a path on a point (x, y) is not the optimizer at work, for the rows
    of ``names`` whose step is per tensor (the registry class is not ``elementwise``:
    Adafactor's factors, LAMB's and LARS's trust ratios): on a point the whole of θ is one
    2-element vector, one "layer". None when there is none (a matrix-only row is refused by
    ``run_path`` instead)."""
    keys = [str(n).strip().lower() for n in names]
    per_tensor = [k for k in dict.fromkeys(keys) if (spec := OPTIMIZERS.get(k)) is not None
                  and not spec.cls.elementwise and not spec.matrices]
    if not per_tensor:
        return None
    return (f"{', '.join(per_tensor)}: per tensor (factors, trust ratios over a whole array); on "
            "a point (x, y) all of θ is one 2-element vector, a degenerate case (one 'layer', "
            "nothing to factor): see adamlab landscape --problem matrix")


@dataclass(frozen=True)
class Function2D:
    """A 2-D test function: value, exact gradient, start, plot domain, minima (and saddle
    points), learning rate per optimizer family (``adamlab.optim.FAMILIES``), default number
    of steps."""

    name: str
    value: Value
    gradient: Gradient
    start: tuple[float, float]
    xlim: tuple[float, float]
    ylim: tuple[float, float]
    minima: tuple[tuple[float, float], ...]
    lr: Mapping[str, float]  # family -> default learning rate
    steps: int = 500
    saddles: tuple[tuple[float, float], ...] = ()
    summary: str = ""

    def __call__(self, x: Any, y: Any) -> Any:
        return self.value(x, y)

    @property
    def f_min(self) -> float:
        """The lowest value at the known minima (the global minimum's value)."""
        return min(float(self.value(x, y)) for x, y in self.minima)

    def default_lr(self, optimizer: str) -> float:
        return float(self.lr[optimizer_family(optimizer)])

    def box(self) -> tuple[float, float, float, float]:
        """The region a run may explore before it counts as diverged: the domain grown 10×."""
        (x0, x1), (y0, y1) = self.xlim, self.ylim
        cx, cy, hx, hy = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2, (y1 - y0) / 2
        return cx - 10 * hx, cx + 10 * hx, cy - 10 * hy, cy + 10 * hy


# --------------------------------------------------------------------------- the functions
def rosenbrock(x, y):
    """f = (1 − x)² + 100·(y − x²)²: a curved, flat-bottomed valley; minimum f(1, 1) = 0."""
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


def rosenbrock_grad(x, y):
    # ∂f/∂x = −2(1 − x) − 400·x·(y − x²);   ∂f/∂y = 200·(y − x²)
    return -2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)


def beale(x, y):
    """f = (1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²; minimum f(3, 0.5) = 0."""
    return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2


def beale_grad(x, y):
    # with a = 1.5 − x + xy, b = 2.25 − x + xy², c = 2.625 − x + xy³:
    # ∂f/∂x = 2a(y − 1) + 2b(y² − 1) + 2c(y³ − 1);   ∂f/∂y = 2a·x + 2b·2xy + 2c·3xy²
    a, b, c = 1.5 - x + x * y, 2.25 - x + x * y**2, 2.625 - x + x * y**3
    gx = 2 * a * (y - 1) + 2 * b * (y**2 - 1) + 2 * c * (y**3 - 1)
    gy = 2 * a * x + 4 * b * x * y + 6 * c * x * y**2
    return gx, gy


def himmelblau(x, y):
    """f = (x² + y − 11)² + (x + y² − 7)²: four minima, all with f = 0."""
    return (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2


def himmelblau_grad(x, y):
    # ∂f/∂x = 4x(x² + y − 11) + 2(x + y² − 7);   ∂f/∂y = 2(x² + y − 11) + 4y(x + y² − 7)
    a, b = x**2 + y - 11, x + y**2 - 7
    return 4 * x * a + 2 * b, 2 * a + 4 * y * b


def saddle(x, y):
    """f = x² − y² + y⁴/2: the saddle x² − y² at the origin, held up by y⁴ far from it;
    minima f(0, ±1) = −1/2. A start just off the ridge y = 0 tests how fast a method escapes."""
    return x**2 - y**2 + y**4 / 2


def saddle_grad(x, y):
    # ∂f/∂x = 2x;   ∂f/∂y = −2y + 2y³
    return 2 * x, -2 * y + 2 * y**3


_ILL_ANGLE = math.pi / 6  # the valley's axes, rotated by 30°
_ILL_EIG = (0.1, 10.0)  # Hessian eigenvalues: condition number 100
_C, _S = math.cos(_ILL_ANGLE), math.sin(_ILL_ANGLE)


def ill_conditioned(x, y):
    """f = ½(λ1·u² + λ2·w²) with (u, w) = (x, y) rotated by 30°, λ = (0.1, 10): condition
    number 100, a long narrow valley across the axes; minimum f(0, 0) = 0."""
    u, w = _C * x + _S * y, -_S * x + _C * y
    return 0.5 * (_ILL_EIG[0] * u**2 + _ILL_EIG[1] * w**2)


def ill_conditioned_grad(x, y):
    # ∇f = Rᵀ·diag(λ)·R·(x, y): back-rotate (λ1·u, λ2·w)
    u, w = _C * x + _S * y, -_S * x + _C * y
    gu, gw = _ILL_EIG[0] * u, _ILL_EIG[1] * w
    return _C * gu - _S * gw, _S * gu + _C * gw


FUNCTIONS: dict[str, Function2D] = {
    f.name: f
    for f in (
        Function2D("rosenbrock", rosenbrock, rosenbrock_grad, start=(-1.5, 2.0),
                   xlim=(-2.0, 2.0), ylim=(-1.0, 3.0), minima=((1.0, 1.0),),
                   lr={"sgd": 1e-3, "adaptive": 0.05, "adagrad": 0.5, "radam": 0.01}, steps=1000,
                   summary="Rosenbrock's banana valley; minimum at (1, 1)"),
        Function2D("beale", beale, beale_grad, start=(1.0, 1.5),
                   xlim=(-4.5, 4.5), ylim=(-4.5, 4.5), minima=((3.0, 0.5),),
                   lr={"sgd": 1e-3, "adaptive": 0.05, "adagrad": 0.5, "radam": 0.01},
                   summary="Beale's function: flat plateaus, sharp ridges; minimum at (3, 0.5)"),
        Function2D("himmelblau", himmelblau, himmelblau_grad, start=(0.0, 0.0),
                   xlim=(-5.0, 5.0), ylim=(-5.0, 5.0),
                   minima=((3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186),
                           (3.584428, -1.848126)),
                   lr={"sgd": 5e-3, "adaptive": 0.1, "adagrad": 1.0, "radam": 0.05},
                   summary="Himmelblau's function: four minima with f = 0"),
        Function2D("saddle", saddle, saddle_grad, start=(1.5, 1e-3),
                   xlim=(-2.0, 2.0), ylim=(-1.6, 1.6), minima=((0.0, 1.0), (0.0, -1.0)),
                   saddles=((0.0, 0.0),),
                   lr={"sgd": 0.01, "adaptive": 0.02, "adagrad": 0.2, "radam": 0.02}, steps=400,
                   summary="x² − y² + y⁴/2: a saddle at the origin, minima at (0, ±1)"),
        Function2D("ill-conditioned", ill_conditioned, ill_conditioned_grad, start=(-1.8, -0.4),
                   xlim=(-2.0, 2.0), ylim=(-2.0, 2.0), minima=((0.0, 0.0),),
                   lr={"sgd": 0.05, "adaptive": 0.05, "adagrad": 0.5, "radam": 0.05}, steps=500,
                   summary="rotated quadratic with condition number 100; minimum at (0, 0)"),
    )
}


def get_function(name: str) -> Function2D:
    """The registry entry for ``name`` (case-insensitive), or a ValueError listing the names."""
    key = str(name).strip().lower()
    if key not in FUNCTIONS:
        raise ValueError(f"unknown function {name!r}; choose one of: {', '.join(FUNCTIONS)}")
    return FUNCTIONS[key]


# --------------------------------------------------------------------------- running optimizers
def run_path(
    function_name: str,
    optimizer_name: str,
    lr: float | None = None,
    steps: int | None = None,
    start: tuple[float, float] | None = None,
    **optimizer_kwargs: Any,
) -> dict[str, Any]:
    """Run ``optimizer_name`` on ``function_name`` from ``start`` for ``steps`` steps.

    ``lr`` defaults to the function's rate for the optimizer's family, ``steps`` and ``start``
    to the function's own; other keyword arguments go to the optimizer (``betas=(0.9, 0.99)``).

    Returns plain data::

        {"function": name, "optimizer": name, "lr": α, "steps": steps asked for,
         "start": [x, y], "xy": [[x, y], ...] (steps + 1 points), "f": [f(x, y), ...],
         "diverged": False}

    When a step lands outside the box ``Function2D.box()`` (the domain grown 10×) or on a
    non-finite point, the run stops: ``diverged`` is True, ``xy`` ends with that point when it
    and its ``f`` are finite (else with the last point inside), and has fewer than
    ``steps + 1`` rows. Every number returned is finite, so the result is strict JSON.
    """
    fn = get_function(function_name)
    spec = OPTIMIZERS.get(str(optimizer_name).strip().lower())
    if spec is not None and spec.matrices:
        raise ValueError(
            f"run_path: {optimizer_name!r} is defined on weight matrices only (it orthogonalises "
            "a 2-D update), and a point (x, y) is not one; run it on a model's hidden weights "
            f"(adamlab train --optimizer {str(optimizer_name).strip().lower()}) and use e.g. "
            f"{spec.fallback!r} here")
    steps = fn.steps if steps is None else steps
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
        raise ValueError(f"run_path: steps must be an integer >= 0, got {steps!r}")
    lr = fn.default_lr(optimizer_name) if lr is None else float(lr)
    start = fn.start if start is None else start
    theta = np.array(start, dtype=np.float64)
    if theta.shape != (2,) or not np.all(np.isfinite(theta)):
        raise ValueError(f"run_path: start must be two finite numbers (x, y), got {start!r}")
    opt = make_optimizer(optimizer_name, [theta], lr=lr, **optimizer_kwargs)
    x0, x1, y0, y1 = fn.box()

    xy = [theta.tolist()]
    values = [float(fn(*theta))]
    diverged = False
    grad = np.empty(2)
    grads = (grad,)  # the same tuple every step: the optimizer checks it once (optim.base)
    # One errstate for the loop (~5 µs each, a step's worth): a huge step, or f far out
    # overflowing, is caught by the box check.
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(steps):
            grad[:] = fn.gradient(theta[0], theta[1])
            opt.step(grads)
            x, y = float(theta[0]), float(theta[1])
            finite = math.isfinite(x) and math.isfinite(y)
            if not (finite and x0 <= x <= x1 and y0 <= y <= y1):
                diverged = True
                if finite:  # far out, f may overflow: keep the point only if f is finite too
                    fx = float(fn(np.float64(x), np.float64(y)))
                    if math.isfinite(fx):
                        xy.append([x, y])
                        values.append(fx)
                break
            xy.append([x, y])
            values.append(float(fn(x, y)))
    return {
        "function": fn.name,
        "optimizer": str(optimizer_name).strip().lower(),
        "lr": lr,
        "steps": int(steps),
        "start": list(xy[0]),
        "xy": xy,
        "f": values,
        "diverged": diverged,
    }


def run_paths(
    function_name: str,
    optimizer_names: Iterable[str],
    lr: float | Mapping[str, float] | None = None,
    **kwargs: Any,
) -> list[dict[str, Any]]:
    """``run_path`` for each optimizer, same function, start and steps.

    ``lr`` is one rate for all, a mapping optimizer name -> rate (others take their default),
    or None for every optimizer's default.
    """
    names = list(optimizer_names)
    if not names:
        raise ValueError("run_paths: optimizer_names is empty; name at least one optimizer")
    get_function(function_name)  # fail on the function before running anything
    out = []
    for name in names:
        rate = lr.get(name) if isinstance(lr, Mapping) else lr
        out.append(run_path(function_name, name, lr=rate, **kwargs))
    return out
