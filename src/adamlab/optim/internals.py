"""What an optimizer keeps and does, as named quantities a trace records and a figure draws.

``Optimizer.internals(grads, previous, memory)`` returns, after a step, a dict of quantities;
``Optimizer.declared_internals()`` says what each is and how it is drawn (an ``Internal``).
Kinds of quantity::

    tracked     per parameter: a list aligned with ``optimizer.params`` of arrays shaped like
                each parameter (None where not defined); the trace keeps a few coordinates
    quantiles   per parameter as for tracked; the trace keeps percentiles over every defined
                coordinate (5, 25, 50, 75, 95)
    scalar      one number per step (a float)
    vector      a few numbers per step (a 1-D array of fixed length: singular values, factors)
    constant    a number recorded once (β1, say)

``grads`` are the gradients the step was given, ``previous`` the parameters before it (both
aligned with ``optimizer.params``); ``memory`` is a dict the trace keeps across records and
checkpoints for quantities that need a history of their own (Adafactor's full EMA of g²).

The rule every optimizer gets unless it says more (``default_declared``/``default_internals``,
from its state keys): the gradient and each moment array at the tracked coordinates, the
spread of |moment| and of the step |Δθ| over all parameters, the numbers of group 0's state.
An optimizer with Adam's moments (``exp_avg``, ``exp_avg_sq``, β1, β2, ε) gets Adam's own
quantities instead, under the keys ``adamlab.plot.adam_internals`` has always read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

__all__ = ["Internal", "KINDS", "PerParameter", "default_declared", "default_internals",
           "is_adam_like", "per_parameter", "update_of", "check_internals",
           "by_group", "moments_declared", "moments_internals"]

KINDS = ("tracked", "quantiles", "scalar", "vector", "constant")
#: A per-parameter quantity: one array per parameter (None where it is not defined).
PerParameter = list[np.ndarray | None]


@dataclass(frozen=True)
class Internal:
    """How one quantity is drawn: its ``kind`` (``KINDS``), the ``panel`` it shares with the
    quantities of the same panel title, its legend ``label`` (matplotlib mathtext), a log
    y-axis, and the line ``style`` of a tracked series."""

    kind: str
    panel: str = ""
    label: str = ""
    log: bool = False
    style: str = "-"

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"Internal.kind must be one of {KINDS}, got {self.kind!r}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def per_parameter(opt: Any, f: Callable[[int, np.ndarray, dict[str, Any]], Any]) -> PerParameter:
    """``[f(i, p, state_i), ...]`` over the optimizer's parameters."""
    return [f(i, p, s) for i, (p, s) in enumerate(zip(opt.params, opt.state, strict=True))]


def by_group(opt: Any, *arrays: Sequence[np.ndarray]) -> Any:
    """Per group: ``(group, params, *arrays' slices)`` (arrays aligned with ``opt.params``)."""
    a = 0
    for group in opt.param_groups:
        b = a + len(group["params"])
        yield (group, list(group["params"]), *(list(x[a:b]) for x in arrays))
        a = b


def update_of(opt: Any, previous: Sequence[np.ndarray]) -> PerParameter:
    """The step each parameter took, Δθ = θ_t − θ_{t−1}."""
    return [np.subtract(p, q) for p, q in zip(opt.params, previous, strict=True)]


def _state_arrays(opt: Any) -> list[str]:
    """The names of the arrays shaped like the parameter in parameter 0's state."""
    p, s = opt.params[0], opt.state[0]
    return [k for k, v in s.items() if isinstance(v, np.ndarray) and v.shape == p.shape]


def _group_numbers(opt: Any) -> list[str]:
    g = opt.param_groups[0]
    return [k for k in opt.group_state if isinstance(g.get(k), int | float)
            and not isinstance(g.get(k), bool)]


def is_adam_like(opt: Any) -> bool:
    """Adam's moments and hyperparameters: Adam, AdamW, AMSGrad, NAdam, RAdam."""
    s, g = opt.state[0], opt.param_groups[0]
    betas = g.get("betas")
    return ("exp_avg" in s and "exp_avg_sq" in s and isinstance(betas, tuple)
            and len(betas) == 2 and isinstance(g.get("eps"), int | float))


ADAM_STEP = r"$|\alpha\,\hat m_t/(\sqrt{\hat v_t}+\epsilon)|$"
ADAM: dict[str, Internal] = {
    "beta1": Internal("constant"), "beta2": Internal("constant"), "eps": Internal("constant"),
    "eps_hat": Internal("constant"),
    "bias_correction1": Internal("scalar", "bias-correction factors", r"$1-\beta_1^t$", True),
    "bias_correction2": Internal("scalar", "bias-correction factors", r"$1-\beta_2^t$", True),
    "grad": Internal("tracked", "first moment", "gradient $g_t$"),
    "m": Internal("tracked", "first moment", "$m_t$", style="--"),
    "v": Internal("tracked", "second moment", "$v_t$", True, "--"),
    "m_hat": Internal("tracked", "first moment", r"$\hat m_t$"),
    "v_hat": Internal("tracked", "second moment", r"$\hat v_t$", True),
    "step_quantiles": Internal("quantiles", "effective step, all parameters", ADAM_STEP, True),
}


def default_declared(opt: Any) -> dict[str, Internal]:
    """The quantities of ``default_internals``."""
    if is_adam_like(opt):
        return dict(ADAM)
    out = moments_declared(_state_arrays(opt))
    for k in _group_numbers(opt):
        out[k] = Internal("scalar", "group state", k)
    return out


def default_internals(opt: Any, grads: Sequence[np.ndarray], previous: Sequence[np.ndarray],
                      memory: dict[str, np.ndarray]) -> dict[str, Any]:
    """The gradient, the moments and the step (or Adam's own quantities)."""
    if is_adam_like(opt):
        return adam_quantities(opt, grads)
    out = moments_internals(opt, _state_arrays(opt), grads, previous)
    g = opt.param_groups[0]
    out.update({k: float(g[k]) for k in _group_numbers(opt)})
    return out


def moments_declared(keys: Sequence[str], labels: Mapping[str, str] | None = None,
                     log: Sequence[str] = ()) -> dict[str, Internal]:
    """The gradient and the state arrays ``keys`` at the tracked coordinates, the spread of
    each |array| and of the step |Δθ| over all parameters."""
    labels = labels or {}
    out = {"grad": Internal("tracked", "gradient", "gradient $g_t$")}
    for k in keys:
        name = labels.get(k, k)
        out[k] = Internal("tracked", name, name, k in log)
        out[f"|{k}|"] = Internal("quantiles", f"|{name}|, all parameters", f"|{name}|", True)
    out["|Δθ|"] = Internal("quantiles", "step |Δθ|, all parameters", r"$|\Delta\theta_t|$", True)
    return out


def moments_internals(opt: Any, keys: Sequence[str], grads: Sequence[np.ndarray],
                      previous: Sequence[np.ndarray]) -> dict[str, Any]:
    """The values ``moments_declared(keys)`` declares."""
    out: dict[str, Any] = {"grad": list(grads)}
    for k in keys:
        out[k] = per_parameter(opt, lambda i, p, s, k=k: s.get(k))
        out[f"|{k}|"] = [None if a is None else np.abs(a) for a in out[k]]
    out["|Δθ|"] = [np.abs(d) for d in update_of(opt, previous)]
    return out


def adam_quantities(opt: Any, grads: Sequence[np.ndarray]) -> dict[str, Any]:
    """m̂ = m/(1 − β1^t), v̂ = v/(1 − β2^t) and the effective step |α·m̂/(√v̂ + ε)| (with
    ``eps_hat`` the optimizer's own form |α·√(1−β2^t)/(1−β1^t) · m/(√v + ε)|); β, ε and α are
    group 0's, t parameter 0's step count."""
    g0 = opt.param_groups[0]
    (b1, b2), eps, lr = g0["betas"], g0["eps"], g0["lr"]
    eps_hat = bool(g0.get("eps_hat", False))
    t = opt.state[0]["step"]
    bc1, bc2 = 1 - b1**t, 1 - b2**t
    m = per_parameter(opt, lambda i, p, s: s["exp_avg"])
    v = per_parameter(opt, lambda i, p, s: s["exp_avg_sq"])
    if eps_hat:
        eff = [np.abs(lr * bc2**0.5 / bc1 * a / (np.sqrt(b) + eps))
               for a, b in zip(m, v, strict=True)]
    else:
        eff = [np.abs(lr * (a / bc1) / (np.sqrt(b / bc2) + eps))
               for a, b in zip(m, v, strict=True)]
    return {"beta1": b1, "beta2": b2, "eps": eps, "eps_hat": eps_hat,
            "bias_correction1": bc1, "bias_correction2": bc2, "grad": list(grads), "m": m,
            "v": v, "m_hat": [a / bc1 for a in m], "v_hat": [b / bc2 for b in v],
            "step_quantiles": eff}


def check_internals(name: str, declared: Mapping[str, Internal], got: Mapping[str, Any]) -> None:
    """Raise ValueError when ``internals()`` and ``declared_internals()`` disagree on keys."""
    if set(got) != set(declared):
        raise ValueError(f"{name}.internals() gave {sorted(got)}, but declares "
                         f"{sorted(declared)}")
