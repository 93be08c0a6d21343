"""The optimizer base: parameter groups, per-parameter state, modes, one-pass steps.

An optimizer holds references to NumPy arrays and updates them *in place*::

    opt = Adam([w, b], lr=1e-3)
    opt.step([grad_w, grad_b])        # same order and shapes as the parameters

Parameters may be given in groups, as in PyTorch, so that hyperparameters can differ
between them (for example no weight decay on biases); a group may name its parameters::

    Adam([{"params": [w], "param_names": ["dense0.weight"], "weight_decay": 0.1},
          {"params": [b], "param_names": ["dense0.bias"], "weight_decay": 0.0}], lr=1e-3)

State lives in one place: ``self.state[i]`` is a dict for the i-th parameter (in the flat
order of all groups) holding its step count (an ``int``) and its moment arrays; state of a
whole group (Prodigy's d, say) lives in the group dict, as in PyTorch. A subclass declares its
buffers in ``_init_state`` and its math in ``_update`` (or ``_step_group``); nothing else.

The contract a subclass may rely on or declare (class attributes):

* ``elementwise`` (True): each element's update depends on that element and the group's
  scalars alone. Then parameters lying back to back in one buffer (an MLP's weight views) are
  stepped as one flat array, and their state arrays are views of one flat buffer too: one pass
  over memory per group. False for per-tensor norms, factorisations or matrix functions.
* ``matrices`` (False): the optimizer is defined on 2-D parameters only.
* ``group_state`` (()): names of group-level state kept in the group dict (``_init_group``).
* ``modes`` (False): the evaluation weights differ from the trained ones; ``eval()`` and
  ``train()`` swap them in place (``_to_eval``/``_to_train``), and ``step`` needs train mode.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from adamlab.optim import internals as _internals
from adamlab.optim import state_io
from adamlab.optim.checks import EPS_ZERO_NAN, check_hyperparameters, check_params
from adamlab.optim.checks import check_number as _check_number
from adamlab.optim.segments import Plan, flat_view, plan_group

__all__ = ["Optimizer", "EPS_ZERO_NAN", "_check_number"]

#: Keys a group may hold besides its hyperparameters.
GROUP_KEYS = frozenset({"params", "param_names", "initial_lr"})


class Optimizer:
    """Base class: subclasses set ``defaults`` and implement ``_init_state`` and ``_update``."""

    #: Names of the per-parameter array buffers, in the order they are created.
    buffers: tuple[str, ...] = ()
    #: Names of per-parameter float scalars kept in state besides ``step`` (e.g. NAdam's μ-product).
    scalars: tuple[str, ...] = ()
    elementwise: bool = True
    matrices: bool = False
    group_state: tuple[str, ...] = ()
    modes: bool = False
    #: Hyperparameters added after a release, with the value that reproduces the older runs: a
    #: saved group without one (an older checkpoint) loads with that value.
    added_later: dict[str, Any] = {}

    def __init__(self, params: Iterable[Any], defaults: Mapping[str, Any]) -> None:
        self.defaults = dict(defaults)
        self._validate_hyperparameters(self.defaults, where="")
        self.param_groups: list[dict[str, Any]] = []
        self._state: list[dict[str, Any]] = []
        self._stale = False  # merged runs' counters not yet copied to their parameters' states
        self.training = True
        # Scratch arrays reused across steps (not state: never saved, never needed to resume).
        self._work: dict[tuple[int, int], np.ndarray] = {}
        self._plans: list[Plan] = []
        self._cached: tuple[Any, list[list[np.ndarray]] | None] = (None, None)
        self._cached_prev: tuple[Any, list[list[np.ndarray]] | None] = (None, None)
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
    def state(self) -> list[dict[str, Any]]:
        """Per-parameter state, in the order of ``params`` (``state[i]["step"]``, moments)."""
        if self._stale:
            for plan in self._plans:
                if plan.merged:
                    self._sync(plan, to_params=True)
            self._stale = False
        return self._state

    @state.setter
    def state(self, value: list[dict[str, Any]]) -> None:
        self._state, self._stale = value, False

    @property
    def params(self) -> list[np.ndarray]:
        """All parameters, in the flat order that ``step`` expects gradients in."""
        return [p for group in self.param_groups for p in group["params"]]

    @property
    def param_names(self) -> list[str]:
        """Every parameter's name (its group's ``param_names``, else ``params[i]``)."""
        names, i = [], 0
        for group in self.param_groups:
            given = group.get("param_names")
            for j in range(len(group["params"])):
                names.append(given[j] if given is not None else f"params[{i}]")
                i += 1
        return names

    def add_param_group(self, group: Mapping[str, Any]) -> None:
        """Add a group ``{"params": [...], **hyperparameters}``; missing keys take the defaults."""
        if not isinstance(group, Mapping) or "params" not in group:
            raise ValueError(
                f"{self._name}: a parameter group must be a dict with a 'params' key, "
                f"got {group!r:.80}"
            )
        unknown = set(group) - set(self.defaults) - GROUP_KEYS - set(self.group_state)
        if unknown:
            raise ValueError(
                f"{self._name}: unknown hyperparameter(s) {sorted(unknown)} in a parameter group; "
                f"known: {sorted(self.defaults)}"
            )
        params = group["params"]
        params = [params] if isinstance(params, np.ndarray) else list(params)
        if not params:
            raise ValueError(f"{self._name}: a parameter group has an empty 'params' list")
        names = group.get("param_names")
        if names is not None and (isinstance(names, str) or len(list(names)) != len(params)
                                  or not all(isinstance(n, str) for n in names)):
            raise ValueError(f"{self._name}: param_names must be a list of {len(params)} "
                             f"strings, one per parameter, got {names!r:.80}")
        index0 = len(self._state)
        check_params(self._name, params, names, index0, {id(p) for p in self.params},
                     self.matrices)
        new = {**self.defaults, **{k: v for k, v in group.items() if k != "params"}}
        where = f" (group {len(self.param_groups)})"
        self._validate_hyperparameters(new, where=where)
        self._check_eps_in_dtype(new, params, where=where, index0=index0)
        if "betas" in new:
            new["betas"] = tuple(new["betas"])
        if names is not None:
            new["param_names"] = list(names)
        for key, value in self._init_group(new).items():
            new.setdefault(key, value)
        new["params"] = params
        states, plan = self._allocate(params, new)
        plan.ranges = [(a + index0, b + index0) for a, b in plan.ranges]
        self.param_groups.append(new)
        self.state.extend(states)  # (the property: counters synced first)
        self._plans.append(plan)
        self._cached = self._cached_prev = (None, None)

    def _allocate(self, params: list[np.ndarray], group: Mapping[str, Any], merge: bool = True
                  ) -> tuple[list[dict[str, Any]], Plan]:
        """Fresh state for a group's parameters, and its plan (``segments.plan_group``)."""
        return plan_group(params, lambda p: self._new_state(p, group),
                          merge=merge and self._elementwise(group))

    def _elementwise(self, group: Mapping[str, Any]) -> bool:
        """Whether this group's update is elementwise (an option such as ``cautious`` can make
        it per tensor): then adjacent parameters are stepped as one flat array."""
        return self.elementwise

    def _new_state(self, p: np.ndarray, group: Mapping[str, Any]) -> dict[str, Any]:
        state: dict[str, Any] = {"step": 0}
        state.update(self._init_state(p, group))
        return state

    # ---------------------------------------------------------- subclass hooks
    def _init_state(self, p: np.ndarray, group: Mapping[str, Any]) -> dict[str, Any]:
        """Fresh state for parameter ``p`` (arrays in ``p``'s dtype, scalars as floats)."""
        return {name: np.zeros_like(p) for name in self.buffers}

    def _init_group(self, group: Mapping[str, Any]) -> dict[str, Any]:
        """Fresh group-level state (the keys of ``group_state``), as numbers."""
        return {}

    def _update(
        self, p: np.ndarray, g: np.ndarray, state: dict[str, Any], group: Mapping[str, Any]
    ) -> None:
        """Apply one step to ``p`` in place, given its gradient ``g`` (never modified)."""
        raise NotImplementedError

    def _step_group(self, params: Sequence[np.ndarray], grads: Sequence[np.ndarray],
                    states: Sequence[dict[str, Any]], group: dict[str, Any],
                    previous: Sequence[np.ndarray] | None) -> None:
        """One step of a whole group (override for math over the group: Prodigy's d)."""
        if previous is None:
            for p, g, s in zip(params, grads, states, strict=True):
                self._update(p, g, s, group)
        else:
            for p, g, s, q in zip(params, grads, states, previous, strict=True):
                self._update_keeping(p, g, s, group, q)

    def _to_eval(self, p: np.ndarray, state: dict[str, Any], group: Mapping[str, Any]) -> None:
        """Turn ``p`` into its evaluation weights in place (``modes`` optimizers)."""

    def _to_train(self, p: np.ndarray, state: dict[str, Any], group: Mapping[str, Any]) -> None:
        """Turn ``p`` back into the weights being trained, in place."""

    def _scratch(self, p: np.ndarray, k: int = 0) -> np.ndarray:
        """The k-th scratch array shaped like ``p``, allocated once and reused every step."""
        key = (id(p), k)
        buf = self._work.get(key)
        if buf is None:
            buf = self._work[key] = np.empty_like(p)
        return buf

    def _validate_hyperparameters(self, h: Mapping[str, Any], where: str) -> None:
        """Raise ``ValueError`` naming the argument when a hyperparameter is out of range
        (the rules torch.optim's arguments share: ``checks.check_hyperparameters``)."""
        check_hyperparameters(self._name + where, h)

    def _check_eps_in_dtype(self, h: Mapping[str, Any], params: Sequence[np.ndarray], where: str,
                            index0: int) -> None:
        """Raise ``ValueError`` when ``eps`` > 0 still gives NaN in a parameter's dtype: it is
        added in that dtype, where a tiny one is 0 (float32 rounds anything below ~7e-46 to 0)."""
        if "eps" not in h or isinstance(h["eps"], (tuple, list)):
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

    # ------------------------------------------------------------------- modes
    def eval(self) -> None:
        """Switch the parameters to their evaluation weights (a no-op unless ``modes``)."""
        if self.training:
            self._switch(to_eval=True)

    def train(self) -> None:
        """Switch the parameters back to the weights being trained (after ``eval()``)."""
        if not self.training:
            self._switch(to_eval=False)

    def _switch(self, to_eval: bool) -> None:
        if self.modes:
            i = 0
            for group in self.param_groups:
                for p in group["params"]:
                    (self._to_eval if to_eval else self._to_train)(p, self.state[i], group)
                    i += 1
        self.training = not to_eval

    # -------------------------------------------------------------------- step
    def step(self, grads: Sequence[np.ndarray],
             previous: Sequence[np.ndarray] | None = None) -> None:
        """Update every parameter in place from its gradient (same order and shapes).

        ``previous``: optional arrays shaped like the parameters, into which each parameter's
        value before this step is copied (a training loop keeps it to undo a step that
        diverged); a compiled step copies it in the same pass over memory.

        A training loop that passes the same *tuple* of gradient views (and of ``previous``
        views) every step has them checked and merged into the group's runs once.
        """
        if self.modes and not self.training:
            raise ValueError(f"{self._name}.step: the optimizer is in eval mode (its evaluation "
                             "weights are in the parameters); call train() before step()")
        grads, per_group = self._merged(grads, "grads")
        if previous is not None:
            previous, prev = self._merged(previous, "previous")
        for j, group in enumerate(self.param_groups):
            plan = self._plans[j]
            gs = per_group[j]
            ps = None if previous is None else prev[j]
            if gs is None or (previous is not None and ps is None):
                # not laid out like the parameters: step them one by one (the same numbers)
                a, b = plan.ranges[0][0], plan.ranges[-1][1]
                self._step_group(group["params"], grads[a:b], self.state[a:b], group,  # synced
                                 None if previous is None else previous[a:b])
                if plan.merged:
                    self._sync(plan, to_params=False)
                continue
            self._step_group(plan.arrays, gs, plan.states, group, ps)
            if plan.merged:  # the parameters' counters are copied when ``state`` is read
                self._stale = True

    def _sync(self, plan: Plan, to_params: bool) -> None:
        """Copy the step count and scalars between a merged run and its parameters' states."""
        keys = ("step", *self.scalars)
        for (a, b), run_state in zip(plan.ranges, plan.states, strict=True):
            if b - a > 1:
                for i in range(a, b):
                    mine = self._state[i]
                    src, dst = (run_state, mine) if to_params else (mine, run_state)
                    for k in keys:
                        if k in src:
                            dst[k] = src[k]

    def _merged(self, arrays: Any, what: str
                ) -> tuple[Sequence[np.ndarray], list[list[np.ndarray] | None]]:
        """The arrays as a sequence, checked against the parameters, and per group the arrays
        to step alongside its plan (flat views over its runs; None for a group whose arrays
        are not laid out like its parameters). Remembered for a tuple passed again."""
        cache = self._cached if what == "grads" else self._cached_prev
        if cache[0] is arrays:
            return arrays, cache[1]
        seq = [arrays] if isinstance(arrays, np.ndarray) else list(arrays)
        self._check_arrays(seq, what)
        out: list[list[np.ndarray] | None] = []
        for plan in self._plans:
            entry: list[np.ndarray] | None = []
            for a, b in plan.ranges:
                v = seq[a] if b - a == 1 else flat_view(seq[a:b])
                if v is None:
                    entry = None
                    break
                entry.append(v)
            out.append(entry)
        if isinstance(arrays, tuple):  # immutable: the same tuple holds the same arrays
            if what == "grads":
                self._cached = (arrays, out)
            else:
                self._cached_prev = (arrays, out)
        return seq, out

    def _check_arrays(self, arrays: list[Any], what: str) -> None:
        # Called once per training step unless cached: as few Python operations as possible.
        state = self._state
        if len(arrays) != len(state):
            if what == "grads":
                raise ValueError(
                    f"{self._name}.step: got {len(arrays)} gradient(s) for {len(state)} "
                    "parameter(s); pass one gradient per parameter, in the order the parameters "
                    "were given"
                )
            raise ValueError(f"{self._name}.step: previous must hold one array per parameter")
        i = 0
        for group in self.param_groups:
            for p in group["params"]:
                g = arrays[i]
                if not isinstance(g, np.ndarray) or g.shape != p.shape:
                    shape = g.shape if isinstance(g, np.ndarray) else type(g).__name__
                    raise ValueError(
                        f"{self._name}.step: {what}[{i}] has shape {shape}, but params[{i}] "
                        f"has shape {p.shape}"
                    )
                i += 1

    def _update_keeping(self, p: np.ndarray, g: np.ndarray, state: dict[str, Any],
                        group: Mapping[str, Any], previous: np.ndarray) -> None:
        """``_update``, after copying ``p`` into ``previous`` (a fused step does both at once)."""
        np.copyto(previous, p)
        self._update(p, g, state, group)

    # -------------------------------------------------------------- internals
    #: ``internals`` updates its ``memory`` (an EMA of its own): call it after every step.
    internals_every_step: bool = False

    def declared_internals(self) -> dict[str, Any]:
        """What ``internals`` gives, by name: an ``optim.internals.Internal`` each (its kind and
        how to draw it). The default (``internals.default_declared``) reads the state's keys."""
        return _internals.default_declared(self)

    def internals(self, grads: Sequence[np.ndarray], previous: Sequence[np.ndarray],
                  memory: dict[str, np.ndarray]) -> dict[str, Any]:
        """After a step: the quantities declared, from the state, the step's gradients and
        the parameters before it (see ``adamlab.optim.internals``)."""
        return _internals.default_internals(self, grads, previous, memory)

    # -------------------------------------------------------------- state I/O
    def state_dict(self) -> dict[str, Any]:
        """A deep copy of the state (see ``state_io.state_dict``)."""
        return state_io.state_dict(self)

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore hyperparameters and state saved by ``state_dict`` (validated, then applied)."""
        state_io.load_state_dict(self, state_dict)

    def __repr__(self) -> str:
        h = ", ".join(f"{k}={v!r}" for k, v in self.defaults.items())
        return f"{self._name}({h})"
