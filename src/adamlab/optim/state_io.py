"""An optimizer's state out and back in, exactly: ``state_dict`` and ``load_state_dict``.

The saved form is PyTorch's: ``{"state": {i: {...}}, "param_groups": [{..., "params": [i...]}]}``
with arrays copied, the step count an ``int`` and scalars Python floats (plus ``"training"``
for an optimizer with train/eval modes). Loading validates everything first (keys, shapes,
ranges, the hyperparameters by the optimizer's own checks) and only then applies it, so a bad
file leaves the optimizer as it was; loading into an optimizer built over parameters of the
same shapes restores it bit for bit.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from adamlab.optim.checks import finite_float, shown

if TYPE_CHECKING:
    from adamlab.optim.base import Optimizer

__all__ = ["state_dict", "load_state_dict"]


def state_dict(opt: Optimizer) -> dict[str, Any]:
    """A deep copy of ``opt``'s state (see the module docstring)."""
    state = {}
    for i, s in enumerate(opt.state):
        state[i] = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in s.items()}
    groups = []
    i = 0
    for group in opt.param_groups:
        n = len(group["params"])
        g = {k: (tuple(v) if k == "betas" else list(v) if k == "param_names" else v)
             for k, v in group.items() if k != "params"}
        g["params"] = list(range(i, i + n))
        groups.append(g)
        i += n
    out: dict[str, Any] = {"state": state, "param_groups": groups}
    if opt.modes:
        out["training"] = opt.training
    return out


def load_state_dict(opt: Optimizer, saved_dict: Mapping[str, Any]) -> None:
    """Restore hyperparameters and state saved by ``state_dict``."""
    name = f"{opt._name}.load_state_dict"
    try:
        groups = list(saved_dict["param_groups"])
        saved = dict(saved_dict["state"])
    except (KeyError, TypeError) as e:
        raise ValueError(
            f"{name}: expected a dict with 'state' and 'param_groups', got {e!r}"
        ) from None
    extra = {"params", "initial_lr", "param_names", *opt.group_state}
    for j, g in enumerate(groups):
        if not isinstance(g, Mapping) or "params" not in g:
            raise ValueError(f"{name}: saved group {j} is not a dict with a 'params' key")
        groups[j] = g = {**{k: v for k, v in opt.added_later.items() if k not in g}, **g}
        missing = sorted((set(opt.defaults) | set(opt.group_state)) - set(g))
        unknown = sorted(set(g) - set(opt.defaults) - extra)
        if missing or unknown:
            raise ValueError(
                f"{name}: saved group {j} has missing hyperparameter(s) {missing} "
                f"and unknown one(s) {unknown}"
            )
        for key in opt.group_state:
            if finite_float(g[key]) is None:
                raise ValueError(f"{name}: saved group {j}'s {key} must be a finite number, "
                                 f"got {shown(g[key])}")
    if len(groups) != len(opt.param_groups) or any(
        len(g["params"]) != len(mine["params"])
        for g, mine in zip(groups, opt.param_groups, strict=True)
    ):
        raise ValueError(
            f"{name}: the saved state has groups of sizes "
            f"{[len(g['params']) for g in groups]}, "
            f"this optimizer has {[len(g['params']) for g in opt.param_groups]}"
        )
    training = saved_dict.get("training", True)
    if not isinstance(training, bool):
        raise ValueError(f"{name}: 'training' must be true or false, got {shown(training)}")
    new_groups = []
    index0 = 0
    for j, (g, mine) in enumerate(zip(groups, opt.param_groups, strict=True)):
        h = {k: (tuple(v) if k == "betas" else v) for k, v in g.items() if k != "params"}
        where = f" (loaded group {j})"
        opt._validate_hyperparameters(h, where=where)
        opt._check_eps_in_dtype(h, mine["params"], where=where, index0=index0)
        new_groups.append({**h, "params": mine["params"]})
        index0 += len(mine["params"])
    new_states, plans = [], []
    i = 0
    for group in new_groups:
        states, plan = _group_state(opt, name, i, group, saved, merge=True)
        if plan.merged and not _consistent(opt, plan, states, i):
            states, plan = _group_state(opt, name, i, group, saved, merge=False)
        new_states.extend(states)
        plans.append(plan)
        i += len(group["params"])
    opt.param_groups, opt.state, opt._plans = new_groups, new_states, plans
    opt.training = training if opt.modes else True
    opt._cached = opt._cached_prev = (None, None)


def _group_state(opt: Optimizer, name: str, i0: int, group: Mapping[str, Any],
                 saved: Mapping, merge: bool) -> tuple[list[dict[str, Any]], Any]:
    """Fresh state (and plan) for the group, filled from ``saved`` (checked)."""
    states, plan = opt._allocate(group["params"], group, merge=merge)
    plan.ranges = [(a + i0, b + i0) for a, b in plan.ranges]
    for k, s in enumerate(states):
        _fill(name, i0 + k, s, saved)
    for (a, b), run_state in zip(plan.ranges, plan.states, strict=True):
        if b - a > 1:  # a merged run: its counters are its parameters' (checked equal)
            first = states[a - i0]
            for key in ("step", *opt.scalars):
                if key in first:
                    run_state[key] = first[key]
    return states, plan


def _consistent(opt: Optimizer, plan: Any, states: list[dict[str, Any]], i0: int) -> bool:
    """Whether every merged run's parameters share their step count and scalars."""
    keys = ("step", *opt.scalars)
    for a, b in plan.ranges:
        first = states[a - i0]
        for i in range(a + 1, b):
            s = states[i - i0]
            if any(s.get(k) != first.get(k) for k in keys):
                return False
    return True


def _fill(name: str, i: int, fresh: dict[str, Any], saved: Mapping) -> None:
    """Copy parameter ``i``'s saved state into ``fresh`` (in place), checking each value."""
    s = saved.get(i, saved.get(str(i)))
    if s is None:
        raise ValueError(f"{name}: no saved state for parameter {i}")
    if set(s) != set(fresh):
        raise ValueError(
            f"{name}: state of parameter {i} has keys {sorted(s)}, expected {sorted(fresh)}"
        )
    for k, v in fresh.items():
        if isinstance(v, np.ndarray):
            a = np.asarray(s[k])
            if a.shape != v.shape:
                raise ValueError(
                    f"{name}: state['{k}'] of parameter {i} has shape {a.shape}, "
                    f"expected {v.shape}"
                )
            v[...] = a
        elif k == "step":
            step = s[k]
            if isinstance(step, float) and step.is_integer():
                step = int(step)
            # < 2**63: a count no run reaches, that the compiled kernels can still take
            # (a tampered checkpoint's 10**400 failed deep inside numba, or in beta**t)
            if (not isinstance(step, (int, np.integer)) or isinstance(step, bool)
                    or not 0 <= int(step) < 2**63):
                raise ValueError(
                    f"{name}: state['step'] of parameter {i} must be an integer in "
                    f"[0, 2**63), got {shown(s[k])}"
                )
            fresh[k] = int(step)
        else:
            x = finite_float(s[k])
            if x is None:
                raise ValueError(
                    f"{name}: state['{k}'] of parameter {i} must be a finite number, "
                    f"got {shown(s[k])}"
                )
            fresh[k] = x
