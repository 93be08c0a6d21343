"""The landscape endpoints: optimizer paths on a 2-D function, with each step's internals.

Each path is run by the optimizer of ``adamlab.optim`` that the name maps to (read from the
registry at every request, so a row registered while the server runs is offered at once), on
one 2-element float64 array, with the rule of ``adamlab.landscape.run_path``: a step that
leaves the box ``Function2D.box()`` or reaches a non-finite point ends the run, ``diverged``.
The points are the ones ``run_path`` returns for the same settings (tests/explore check it).
The last ``CACHE_SIZE`` paths are kept, keyed by everything that determines them, so that a
slider recomputes only the paths it changes.

After every step the internals are *read from the optimizer's state* (``opt.state[0]``), not
recomputed::

    g_t       ∇f(θ_{t-1}), the gradient handed to ``step`` (before any weight decay)
    bc1, bc2  1 − β1^t and 1 − β2^t, t = state["step"], β from the parameter group
    m̂_t       state["exp_avg"] / bc1
    v̂_t       state["exp_avg_sq"] / bc2  (AMSGrad: state["max_exp_avg_sq"] / bc2, the one used)
    Δθ_t      θ_t − θ_{t-1}, the step the optimizer took, per coordinate

m̂ and v̂ are Adam's bias-corrected moments as defined in Kingma & Ba (2015); NAdam and RAdam
keep the same buffers but use them differently, and their Δθ is their own. Any other optimizer
(SGD, RMSprop, Adagrad, Lion, AdaBelief, ...) reports its state arrays as they are
(``buffers``, by their names in ``opt.state``).
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import numpy as np

from adamlab.explore.validate import (
    LIMITS,
    BadRequest,
    choice,
    integer,
    number,
    only_fields,
)
from adamlab.landscape import FUNCTIONS, get_function
from adamlab.optim import OPTIMIZERS, get_optimizer_spec, make_optimizer

__all__ = ["meta", "landscape", "surface", "optimizer_settings"]


def offered() -> list[str]:
    """The names the page offers, read live from the registry: all but the rows defined on
    weight matrices only (no 2-D landscape for them)."""
    return [name for name, spec in list(OPTIMIZERS.items()) if not spec.matrices]


def optimizer_rows() -> list[dict[str, Any]]:
    """The registry's rows as the page lists them (read live)."""
    rows = []
    for name, spec in list(OPTIMIZERS.items()):
        if spec.matrices:  # (as ``offered``)
            continue
        args = spec.arguments()
        rows.append({"name": name, "summary": spec.summary, "family": spec.family,
                     "color": _color(name), "betas": "betas" in args, "eps": "eps" in args,
                     "weight_decay": "weight_decay" in args and spec.decay != "none",
                     "default_lr": default_lr(spec)})
    return rows


def default_lr(spec: Any) -> float | None:
    """The row's default learning rate, or None when it has none (a row whose lr defaults to
    None, say, is still offered: the landscape then takes its family's rate)."""
    try:
        value = float(spec.default_lr())
    except (TypeError, ValueError, KeyError):
        return None
    return value if math.isfinite(value) and value > 0 else None


def meta() -> dict[str, Any]:
    """What the page needs to build its controls: functions, optimizers, limits."""
    functions = {
        name: {"summary": f.summary, "xlim": list(f.xlim), "ylim": list(f.ylim),
               "start": list(f.start), "minima": [list(m) for m in f.minima],
               "steps": f.steps, "lr": dict(f.lr), "f_min": f.f_min}
        for name, f in FUNCTIONS.items()
    }
    return {"functions": functions, "optimizers": optimizer_rows()}


def optimizer_settings(name: str, lr: float, body: Mapping[str, Any]) -> dict[str, Any]:
    """The keyword arguments ``make_optimizer(name, ...)`` gets from the shared sliders: each
    only when the optimizer takes it (SGD has no betas; RMSprop keeps its own alpha)."""
    spec = get_optimizer_spec(name)
    args = spec.arguments()
    kwargs: dict[str, Any] = {"lr": lr}
    if "betas" in args:
        default = tuple(spec.default("betas"))  # (β1, β2), or more (AdEMAMix's β3)
        kwargs["betas"] = (number(body, "beta1", *LIMITS["beta1"], default=default[0]),
                           number(body, "beta2", *LIMITS["beta2"], default=default[1]),
                           *default[2:])
    if "eps" in args and "eps" in body:
        kwargs["eps"] = number(body, "eps", *LIMITS["eps"])
    if "weight_decay" in args and spec.decay != "none" and "weight_decay" in body:
        kwargs["weight_decay"] = number(body, "weight_decay", *LIMITS["weight_decay"])
    return kwargs


_FIELDS = ("function", "optimizers", "beta1", "beta2", "eps", "weight_decay", "steps", "start")


def landscape(body: Mapping[str, Any]) -> dict[str, Any]:
    """POST /api/landscape: ``{"function", "optimizers": [{"name", "lr"}], "beta1", "beta2",
    "eps", "weight_decay", "steps", "start"}`` -> the paths with their internals."""
    only_fields(body, _FIELDS)
    fn = get_function(choice(body, "function", FUNCTIONS))
    steps = integer(body, "steps", 0, LIMITS["steps"], default=fn.steps)
    start = body.get("start", list(fn.start))
    if not isinstance(start, list) or len(start) != 2:
        raise BadRequest(f"'start' must be a pair [x, y], got {start!r:.40}")
    c = LIMITS["coordinate"]
    start = (number({"start[0]": start[0]}, "start[0]", -c, c),
             number({"start[1]": start[1]}, "start[1]", -c, c))
    chosen = body.get("optimizers")
    if not isinstance(chosen, list) or not 1 <= len(chosen) <= LIMITS["optimizers"]:
        raise BadRequest(f"'optimizers' must be a list of 1 to {LIMITS['optimizers']} entries "
                         f"like {{\"name\": \"adam\", \"lr\": 0.05}}, got {chosen!r:.60}")
    for field in ("beta1", "beta2", "eps", "weight_decay"):  # checked even if no one takes it
        if field in body:
            number(body, field, *LIMITS[field])
    names = offered()  # (not optimizer_rows(): its signatures and colours cost ~3 ms)
    runs = []  # every entry checked before any path runs
    for k, entry in enumerate(chosen):
        where = f"optimizers[{k}]"
        try:
            if not isinstance(entry, Mapping):
                raise BadRequest("must be an object {\"name\": ..., \"lr\": ...}")
            only_fields(entry, ("name", "lr"))
            name = choice(entry, "name", names)
            lr = number(entry, "lr", *LIMITS["lr"], default=fn.default_lr(name))
        except BadRequest as e:
            raise BadRequest(f"{where}: {e}") from None
        runs.append((name, optimizer_settings(name, lr, body)))
    paths = [cached_path(fn.name, name, settings, steps, start) for name, settings in runs]
    return {"function": fn.name, "steps": steps, "start": list(start), "paths": paths,
            "draw": drawing(paths, fn)}


def drawing(paths: list[dict[str, Any]], fn: Any) -> dict[str, Any]:
    """How the page draws the paths, by the rule of ``adamlab.plot.landscape`` (one rule for
    the figure and the page): the order (longest first), the line widths in points and the
    steps between markers."""
    from adamlab.plot.landscape_paths import draw_order, marker_every, path_widths

    steps = max(len(p["xy"]) - 1 for p in paths)
    return {"order": draw_order(paths, fn), "widths_pt": path_widths(len(paths)),
            "marker_every": marker_every(steps)}


#: Paths kept for reuse: moving β1 recomputes the optimizers that take β and serves SGD's and
#: momentum's from here. Bounded (a path of 2000 steps is about 0.5 MB of lists).
CACHE_SIZE = 64


def cached_path(function: str, name: str, settings: Mapping[str, Any], steps: int,
                start: tuple[float, float]) -> dict[str, Any]:
    """``trace_path``, or the same request's answer kept from before. The key holds the
    registry row itself (class and fixed arguments), so a row replaced while serving is run
    anew. The answer is shared: callers must not change it."""
    spec = get_optimizer_spec(name)
    key = (function, name, spec.cls, repr(sorted(spec.fixed.items())),
           tuple(sorted((k, tuple(v) if isinstance(v, (list, tuple)) else v)
                        for k, v in settings.items())), steps, tuple(start))
    with _CACHE_LOCK:
        hit = _CACHE.get(key)
        if hit is not None:
            _CACHE.move_to_end(key)
            return hit
    path = trace_path(function, name, settings, steps, start)
    with _CACHE_LOCK:
        _CACHE[key] = path
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)  # the least recently used
    return path


_CACHE: OrderedDict[tuple, dict[str, Any]] = OrderedDict()
_CACHE_LOCK = threading.Lock()


def trace_path(function: str, name: str, settings: Mapping[str, Any], steps: int,
               start: tuple[float, float]) -> dict[str, Any]:
    """One optimizer's path with the internals read from its state after every step."""
    fn = get_function(function)
    theta = np.array(start, dtype=np.float64)
    try:
        opt = make_optimizer(name, [theta], **settings)
    except ValueError as e:  # the optimizer's own check (e.g. an eps too small for float64)
        raise BadRequest(f"{name}: {e}") from None
    state, group = opt.state[0], opt.param_groups[0]  # read again after every step
    betas = group.get("betas")
    amsgrad = bool(group.get("amsgrad", False))
    x0, x1, y0, y1 = fn.box()
    xy = np.empty((steps + 1, 2))
    xy[0] = theta
    f = [float(fn(*theta))]
    grads = np.empty((steps, 2))
    bufs = {k: np.empty((steps, 2)) for k, v in state.items() if isinstance(v, np.ndarray)}
    t_of = np.empty(steps, dtype=np.int64)
    n, diverged = 0, False
    grad = np.empty(2)
    given = (grad,)  # the same tuple every step: the optimizer checks it once (optim.base)
    # Overflow is not an error here: a step out of the box ends the run (run_path's rule).
    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(steps):
            grad[:] = fn.gradient(theta[0], theta[1])
            opt.step(given)
            state = opt.state[0]  # the property brings the state up to date (optim.base)
            x, y = float(theta[0]), float(theta[1])
            finite = math.isfinite(x) and math.isfinite(y)
            if not (finite and x0 <= x <= x1 and y0 <= y <= y1):
                diverged = True
                if finite:
                    fx = float(fn(np.float64(x), np.float64(y)))
                    if math.isfinite(fx) and all(np.all(np.isfinite(state[b])) for b in bufs):
                        _record(k, theta, xy, grads, grad, bufs, state, t_of)
                        f.append(fx)
                        n += 1
                break
            _record(k, theta, xy, grads, grad, bufs, state, t_of)
            f.append(float(fn(x, y)))
            n += 1
    delta = xy[1:n + 1] - xy[:n]  # Δθ_t = θ_t − θ_{t-1}
    out: dict[str, Any] = {
        "optimizer": name, "settings": _jsonable(settings), "color": _color(name),
        "xy": xy[:n + 1].tolist(), "f": f, "diverged": diverged,
        "internals": {"t": t_of[:n].tolist(), "grad": grads[:n].tolist(),
                      "step": delta.tolist()},
    }
    internals = out["internals"]
    if betas is not None and "exp_avg" in bufs and "exp_avg_sq" in bufs:  # Adam's moments
        t = t_of[:n].astype(np.float64)
        bc1 = 1 - betas[0] ** t  # 1 − β1^t
        bc2 = 1 - betas[1] ** t  # 1 − β2^t
        v = bufs["max_exp_avg_sq" if amsgrad else "exp_avg_sq"][:n]
        internals["bc1"], internals["bc2"] = bc1.tolist(), bc2.tolist()
        internals["m_hat"] = (bufs["exp_avg"][:n] / bc1[:, None]).tolist()  # m̂ = m/(1 − β1^t)
        internals["v_hat"] = (v / bc2[:, None]).tolist()  # v̂ = v/(1 − β2^t)
    else:
        internals["buffers"] = {b: a[:n].tolist() for b, a in bufs.items()}
    return out


def _record(k, theta, xy, grads, grad, bufs, state, t_of) -> None:
    xy[k + 1] = theta
    grads[k] = grad
    t_of[k] = state["step"]
    for b, a in bufs.items():
        a[k] = state[b]


def _color(name: str) -> str:
    from adamlab.plot import color_for

    return color_for(name)


def _jsonable(settings: Mapping[str, Any]) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in settings.items()}


def surface(query: Mapping[str, Any]) -> dict[str, Any]:
    """GET /api/surface?function=...&n=...: f on an n x n grid over the function's domain
    (rows are y, columns x), for the page's background."""
    only_fields(query, ("function", "n"))
    fn = get_function(choice(query, "function", FUNCTIONS))
    n = integer({"n": _int_text(query.get("n", 120))}, "n", 8, LIMITS["surface_n"])
    xs = np.linspace(*fn.xlim, n)
    ys = np.linspace(*fn.ylim, n)
    X, Y = np.meshgrid(xs, ys)
    Z = fn(X, Y)
    return {"function": fn.name, "n": n, "xlim": list(fn.xlim), "ylim": list(fn.ylim),
            "f_min": fn.f_min, "z": np.round(Z, 6).ravel().tolist()}


def _int_text(value: Any) -> Any:
    """A query-string integer ("120") as an int; anything else as it is (refused later)."""
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return value
