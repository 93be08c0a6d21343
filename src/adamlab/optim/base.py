"""The optimizer base: parameter groups, per-parameter state, validation, exact state_dict.

An optimizer holds references to NumPy arrays and updates them *in place*::

    opt = Adam([w, b], lr=1e-3)
    opt.step([grad_w, grad_b])        # same order and shapes as the parameters

Parameters may be given in groups, as in PyTorch, so that hyperparameters can differ
between them (for example no weight decay on biases)::

    Adam([{"params": [w], "weight_decay": 0.1}, {"params": [b], "weight_decay": 0.0}], lr=1e-3)

State lives in one place: ``self.state[i]`` is a dict for the i-th parameter (in the flat
order of all groups) holding its step count (an ``int``) and its moment arrays. Subclasses
declare their buffers in ``_init_state`` and their math in ``_update``; nothing else.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

__all__ = ["Optimizer"]


class Optimizer:
    """Base class: subclasses set ``defaults`` and implement ``_init_state`` and ``_update``."""

    #: Names of the per-parameter array buffers, in the order they are created.
    buffers: tuple[str, ...] = ()
    #: Names of per-parameter float scalars kept in state besides ``step`` (e.g. NAdam's μ-product).
    scalars: tuple[str, ...] = ()

    def __init__(self, params: Iterable[Any], defaults: Mapping[str, Any]) -> None:
        self.defaults = dict(defaults)
        self._validate_hyperparameters(self.defaults, where="")
        self.param_groups: list[dict[str, Any]] = []
        self.state: list[dict[str, Any]] = []
        # Scratch arrays reused across steps (not state: never saved, never needed to resume).
        self._work: dict[tuple[int, int], np.ndarray] = {}
        params = list(params)
        if not params:
            raise ValueError(f"{self._name}: params is empty; pass a list of float arrays")
        if not isinstance(params[0], Mapping):
            params = [{"params": params}]
        for group in params:
            self.add_param_group(group)

    # ------------------------------------------------------------------ groups
    @property
    def _name(self) -> str:
        return type(self).__name__

    @property
    def params(self) -> list[np.ndarray]:
        """All parameters, in the flat order that ``step`` expects gradients in."""
        return [p for group in self.param_groups for p in group["params"]]

    def add_param_group(self, group: Mapping[str, Any]) -> None:
        """Add a group ``{"params": [...], **hyperparameters}``; missing keys take the defaults."""
        if not isinstance(group, Mapping) or "params" not in group:
            raise ValueError(
                f"{self._name}: a parameter group must be a dict with a 'params' key, "
                f"got {group!r:.80}"
            )
        unknown = set(group) - set(self.defaults) - {"params", "initial_lr"}
        if unknown:
            raise ValueError(
                f"{self._name}: unknown hyperparameter(s) {sorted(unknown)} in a parameter group; "
                f"known: {sorted(self.defaults)}"
            )
        params = group["params"]
        params = [params] if isinstance(params, np.ndarray) else list(params)
        if not params:
            raise ValueError(f"{self._name}: a parameter group has an empty 'params' list")
        seen = {id(p) for p in self.params}
        index0 = len(self.state)
        for j, p in enumerate(params):
            where = f"params[{index0 + j}]"
            if not isinstance(p, np.ndarray) or p.dtype not in (np.float32, np.float64):
                raise ValueError(
                    f"{self._name}: {where} must be a float NumPy array (float32 or float64), "
                    f"got {type(p).__name__}"
                    f"{'' if not isinstance(p, np.ndarray) else ' of ' + str(p.dtype)}"
                )
            if not p.flags.writeable:
                raise ValueError(
                    f"{self._name}: {where} is read-only; the optimizer updates it in place"
                )
            if id(p) in seen:
                raise ValueError(
                    f"{self._name}: {where} appears more than once among the parameters"
                )
            seen.add(id(p))
        new = {**self.defaults, **{k: v for k, v in group.items() if k != "params"}}
        where = f" (group {len(self.param_groups)})"
        self._validate_hyperparameters(new, where=where)
        self._check_eps_in_dtype(new, params, where=where, index0=index0)
        if "betas" in new:
            new["betas"] = tuple(new["betas"])
        new["params"] = params
        self.param_groups.append(new)
        for p in params:
            self.state.append(self._new_state(p, new))

    def _new_state(self, p: np.ndarray, group: Mapping[str, Any]) -> dict[str, Any]:
        state: dict[str, Any] = {"step": 0}
        state.update(self._init_state(p, group))
        return state

    # ---------------------------------------------------------- subclass hooks
    def _init_state(self, p: np.ndarray, group: Mapping[str, Any]) -> dict[str, Any]:
        """Fresh state for parameter ``p`` (arrays in ``p``'s dtype, scalars as floats)."""
        return {name: np.zeros_like(p) for name in self.buffers}

    def _update(
        self, p: np.ndarray, g: np.ndarray, state: dict[str, Any], group: Mapping[str, Any]
    ) -> None:
        """Apply one step to ``p`` in place, given its gradient ``g`` (never modified)."""
        raise NotImplementedError

    def _scratch(self, p: np.ndarray, k: int = 0) -> np.ndarray:
        """The k-th scratch array shaped like ``p``, allocated once and reused every step."""
        key = (id(p), k)
        buf = self._work.get(key)
        if buf is None:
            buf = self._work[key] = np.empty_like(p)
        return buf

    def _validate_hyperparameters(self, h: Mapping[str, Any], where: str) -> None:
        """Raise ``ValueError`` naming the argument when a hyperparameter is out of range."""
        name = self._name + where
        if "lr" in h:
            _check_number(name, "lr", h["lr"], low=0.0)
        if "betas" in h:
            betas = h["betas"]
            if not isinstance(betas, Sequence) or len(betas) != 2:
                raise ValueError(f"{name}: betas must be a pair (beta1, beta2), got {betas!r}")
            for k, b in enumerate(betas):
                _check_number(name, f"betas[{k}]", b, low=0.0, high=1.0, high_open=True)
        for key in ("weight_decay", "momentum", "lr_decay", "initial_accumulator_value",
                    "momentum_decay", "dampening"):
            if key in h:
                _check_number(name, key, h[key], low=0.0)
        # Two values torch.optim accepts and adamlab refuses (docs/optimizers.md, "Where adamlab
        # differs from torch.optim"): both give steps torch itself computes as NaN or lr·g/eps.
        if "eps" in h:
            _check_number(name, "eps", h["eps"], low=0.0, low_open=True, why=(
                f"eps keeps the update's denominator above 0; {EPS_ZERO_NAN}. For a negligible "
                "eps use 1e-12") if h["eps"] == 0 else "")
        if "alpha" in h:
            _check_number(name, "alpha", h["alpha"], low=0.0, high=1.0, high_open=True, why=(
                "with alpha = 1 the average of g² never moves from 0 and every step is lr·g/eps "
                "(Adam refuses beta2 = 1 alike); use e.g. 0.99, the default"
            ) if h["alpha"] == 1 else "")

    def _check_eps_in_dtype(self, h: Mapping[str, Any], params: Sequence[np.ndarray], where: str,
                            index0: int) -> None:
        """Raise ``ValueError`` when ``eps`` > 0 still gives NaN in a parameter's dtype: it is
        added in that dtype, where a tiny one is 0 (float32 rounds anything below ~7e-46 to 0)."""
        if "eps" not in h:
            return
        for j, p in enumerate(params):
            fault = self._eps_fault(p.dtype.type(h["eps"]))
            if fault:
                raise ValueError(
                    f"{self._name}{where}: eps = {h['eps']!r} {fault.format(dtype=p.dtype)} "
                    f"(params[{index0 + j}] is {p.dtype}). Use e.g. 1e-8, or at least "
                    f"{np.finfo(p.dtype).tiny!s}, {p.dtype}'s smallest normal number"
                )

    def _eps_fault(self, eps: np.floating) -> str:
        """Why ``eps``, as the parameters' dtype holds it, gives NaN on a zero gradient, or ''
        (``{dtype}`` stands for the dtype's name)."""
        return f"is 0 in {{dtype}}: {EPS_ZERO_NAN}" if eps == 0 else ""

    # -------------------------------------------------------------------- step
    def step(self, grads: Sequence[np.ndarray],
             previous: Sequence[np.ndarray] | None = None) -> None:
        """Update every parameter in place from its gradient (same order and shapes).

        ``previous``: optional arrays shaped like the parameters, into which each parameter's
        value before this step is copied (a training loop keeps it to undo a step that
        diverged); a compiled step copies it in the same pass over memory.
        """
        # Called once per training step: the checks are kept, in as few Python operations as
        # possible (a training loop over a small model spends most of its time here otherwise).
        grads = [grads] if isinstance(grads, np.ndarray) else list(grads)
        state = self.state
        if len(grads) != len(state):
            raise ValueError(
                f"{self._name}.step: got {len(grads)} gradient(s) for {len(state)} parameter(s); "
                "pass one gradient per parameter, in the order the parameters were given"
            )
        i = 0
        for group in self.param_groups:
            for p in group["params"]:
                g = grads[i]
                if not isinstance(g, np.ndarray) or g.shape != p.shape:
                    self._bad_grad(i, p, g)
                i += 1
        if previous is not None and len(previous) != len(state):
            raise ValueError(f"{self._name}.step: previous must hold one array per parameter")
        i = 0
        for group in self.param_groups:
            for p in group["params"]:
                if previous is None:
                    self._update(p, grads[i], state[i], group)
                else:
                    self._update_keeping(p, grads[i], state[i], group, previous[i])
                i += 1

    def _update_keeping(self, p: np.ndarray, g: np.ndarray, state: dict[str, Any],
                        group: Mapping[str, Any], previous: np.ndarray) -> None:
        """``_update``, after copying ``p`` into ``previous`` (a fused step does both at once)."""
        np.copyto(previous, p)
        self._update(p, g, state, group)

    def _bad_grad(self, i: int, p: np.ndarray, g: Any) -> None:
        shape = g.shape if isinstance(g, np.ndarray) else type(g).__name__
        raise ValueError(
            f"{self._name}.step: grads[{i}] has shape {shape}, but params[{i}] has shape {p.shape}"
        )

    # -------------------------------------------------------------- state I/O
    def state_dict(self) -> dict[str, Any]:
        """A deep copy of the state:
        ``{"state": {i: {...}}, "param_groups": [{..., "params": [i...]}]}``.

        Arrays are copied, the step count is an ``int``, scalars are Python floats; loading it
        into an optimizer built over parameters of the same shapes restores it bit for bit.
        """
        state = {}
        for i, s in enumerate(self.state):
            state[i] = {
                k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in s.items()
            }
        groups = []
        i = 0
        for group in self.param_groups:
            n = len(group["params"])
            g = {k: (tuple(v) if k == "betas" else v) for k, v in group.items() if k != "params"}
            g["params"] = list(range(i, i + n))
            groups.append(g)
            i += n
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore hyperparameters and state saved by ``state_dict`` (validated first, then
        applied)."""
        name = f"{self._name}.load_state_dict"
        try:
            groups = list(state_dict["param_groups"])
            saved = dict(state_dict["state"])
        except (KeyError, TypeError) as e:
            raise ValueError(
                f"{name}: expected a dict with 'state' and 'param_groups', got {e!r}"
            ) from None
        for j, g in enumerate(groups):
            if not isinstance(g, Mapping) or "params" not in g:
                raise ValueError(f"{name}: saved group {j} is not a dict with a 'params' key")
            missing = sorted(set(self.defaults) - set(g))
            unknown = sorted(set(g) - set(self.defaults) - {"params", "initial_lr"})
            if missing or unknown:
                raise ValueError(
                    f"{name}: saved group {j} has missing hyperparameter(s) {missing} "
                    f"and unknown one(s) {unknown}"
                )
        if len(groups) != len(self.param_groups) or any(
            len(g["params"]) != len(mine["params"])
            for g, mine in zip(groups, self.param_groups, strict=True)
        ):
            raise ValueError(
                f"{name}: the saved state has groups of sizes "
                f"{[len(g['params']) for g in groups]}, "
                f"this optimizer has {[len(g['params']) for g in self.param_groups]}"
            )
        new_groups = []
        index0 = 0
        for j, (g, mine) in enumerate(zip(groups, self.param_groups, strict=True)):
            h = {k: (tuple(v) if k == "betas" else v) for k, v in g.items() if k != "params"}
            where = f" (loaded group {j})"
            self._validate_hyperparameters(h, where=where)
            self._check_eps_in_dtype(h, mine["params"], where=where, index0=index0)
            new_groups.append({**h, "params": mine["params"]})
            index0 += len(mine["params"])
        new_states = []
        i = 0
        for group in new_groups:
            for p in group["params"]:
                new_states.append(self._load_param_state(name, i, p, group, saved))
                i += 1
        self.param_groups = new_groups
        self.state = new_states

    def _load_param_state(
        self, name: str, i: int, p: np.ndarray, group: Mapping[str, Any], saved: Mapping
    ) -> dict[str, Any]:
        s = saved.get(i, saved.get(str(i)))
        if s is None:
            raise ValueError(f"{name}: no saved state for parameter {i}")
        fresh = self._new_state(p, group)
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
                        f"[0, 2**63), got {_shown(s[k])}"
                    )
                fresh[k] = int(step)
            else:
                x = _finite_float(s[k])
                if x is None:
                    raise ValueError(
                        f"{name}: state['{k}'] of parameter {i} must be a finite number, "
                        f"got {_shown(s[k])}"
                    )
                fresh[k] = x
        return fresh

    def __repr__(self) -> str:
        h = ", ".join(f"{k}={v!r}" for k, v in self.defaults.items())
        return f"{self._name}({h})"


#: Why eps must not be 0 (said by the range check and by the check in the parameters' dtype).
EPS_ZERO_NAN = "with eps = 0 a gradient that is exactly 0 (a dead ReLU unit) gives 0/0 = NaN"


def _shown(value: Any) -> str:
    """``repr(value)``, cut short when long (a tampered file's 10**400 has 401 digits)."""
    try:
        text = repr(value)
    except ValueError:  # an int past Python's 4300-digit limit for str()
        return f"an integer of {value.bit_length()} bits"
    return text if len(text) <= 40 else f"{text[:20]}… ({len(text)} characters)"


def _finite_float(value: Any) -> float | None:
    """``value`` as a finite Python float, or None when it is not a finite real number."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        return None
    try:
        x = float(value)
    except OverflowError:  # an int past float's range
        return None
    return x if math.isfinite(x) else None


def _check_number(
    name: str, arg: str, value: Any, low: float, high: float = math.inf, high_open: bool = False,
    low_open: bool = False, why: str = "",
) -> None:
    """``low <= value <= high`` (``<`` where open) and finite, else a ValueError naming ``arg``
    (and saying ``why`` the range is what it is, when given)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise ValueError(f"{name}: {arg} must be a number, got {value!r}")
    ok = (math.isfinite(value) and (low < value if low_open else low <= value)
          and (value < high if high_open else value <= high))
    if not ok:
        if math.isinf(high):
            rng = f"{'>' if low_open else '>='} {low}"
        else:
            rng = f"in {'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
        reason = f": {why}" if why else ""
        raise ValueError(f"{name}: {arg} must be a finite number {rng}, got {value!r}{reason}")
