"""``MultiOptimizer``: several optimizers over disjoint parameters, seen as one.

Muon's authors step the hidden weight matrices with Muon and everything else (biases, the
output layer) with AdamW; optax calls this ``multi_transform``. ``MultiOptimizer`` holds the
parts and has the ``Optimizer`` interface a training loop uses: ``params`` and ``param_groups``
(the parts' own group dicts, concatenated: a schedule that scales every group's ``lr`` scales
both parts), ``state``, ``step(grads, previous)``, ``state_dict``/``load_state_dict`` (in
PyTorch's form, indices running over all parts), ``train()``/``eval()``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from adamlab.optim.base import Optimizer

__all__ = ["MultiOptimizer"]


class MultiOptimizer:
    """Optimizers over disjoint parameters, in order; gradients are given in ``params`` order."""

    def __init__(self, parts: Sequence[Optimizer]) -> None:
        parts = list(parts)
        if not parts or not all(isinstance(p, Optimizer) for p in parts):
            raise ValueError("MultiOptimizer needs a list of one or more Optimizers")
        ids = [id(p) for part in parts for p in part.params]
        if len(set(ids)) != len(ids):
            raise ValueError("MultiOptimizer: a parameter belongs to two of the optimizers")
        self.parts = parts
        self._cuts = np.cumsum([0] + [len(part.state) for part in parts]).tolist()
        self._cached: tuple[Any, list[tuple[np.ndarray, ...]]] = (None, [])
        self._cached_prev: tuple[Any, list[tuple[np.ndarray, ...]]] = (None, [])

    # the Optimizer interface, over all parts
    @property
    def params(self) -> list[np.ndarray]:
        return [p for part in self.parts for p in part.params]

    @property
    def param_names(self) -> list[str]:
        return [n for part in self.parts for n in part.param_names]

    @property
    def param_groups(self) -> list[dict[str, Any]]:
        return [g for part in self.parts for g in part.param_groups]

    @property
    def state(self) -> list[dict[str, Any]]:
        return [s for part in self.parts for s in part.state]

    @property
    def defaults(self) -> dict[str, Any]:
        return self.parts[0].defaults

    @property
    def modes(self) -> bool:
        return any(part.modes for part in self.parts)

    @property
    def training(self) -> bool:
        return self.parts[0].training

    def train(self) -> None:
        for part in self.parts:
            part.train()

    def eval(self) -> None:
        for part in self.parts:
            part.eval()

    def _split(self, arrays: Any, cache: tuple[Any, list]) -> tuple[list, tuple[Any, list]]:
        """The arrays cut into one tuple per part (the same tuples again for the same tuple, so
        each part's own cache keeps working)."""
        if cache[0] is arrays:
            return cache[1], cache
        seq = [arrays] if isinstance(arrays, np.ndarray) else list(arrays)
        if len(seq) != self._cuts[-1]:
            raise ValueError(f"MultiOptimizer.step: got {len(seq)} arrays for "
                             f"{self._cuts[-1]} parameters")
        parts = [tuple(seq[a:b]) for a, b in zip(self._cuts, self._cuts[1:], strict=False)]
        return parts, ((arrays, parts) if isinstance(arrays, tuple) else cache)

    def step(self, grads: Sequence[np.ndarray],
             previous: Sequence[np.ndarray] | None = None) -> None:
        gs, self._cached = self._split(grads, self._cached)
        ps = [None] * len(self.parts)
        if previous is not None:
            ps, self._cached_prev = self._split(previous, self._cached_prev)
        for part, g, p in zip(self.parts, gs, ps, strict=True):
            part.step(g, previous=p)

    def state_dict(self) -> dict[str, Any]:
        state: dict[int, Any] = {}
        groups: list[dict[str, Any]] = []
        for part, at in zip(self.parts, self._cuts, strict=False):
            sd = part.state_dict()
            state.update({at + int(i): s for i, s in sd["state"].items()})
            groups.extend({**g, "params": [at + i for i in g["params"]]}
                          for g in sd["param_groups"])
        out: dict[str, Any] = {"state": state, "param_groups": groups}
        if self.modes:
            out["training"] = self.training
        return out

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        try:
            groups, state = list(state_dict["param_groups"]), dict(state_dict["state"])
        except (KeyError, TypeError) as e:
            raise ValueError("MultiOptimizer.load_state_dict: expected a dict with 'state' and "
                             f"'param_groups', got {e!r}") from None
        sizes = [len(part.param_groups) for part in self.parts]
        if len(groups) != sum(sizes):
            raise ValueError(f"MultiOptimizer.load_state_dict: the saved state has "
                             f"{len(groups)} groups, these optimizers have {sum(sizes)}")
        pieces, g0 = [], 0
        for part, at, n in zip(self.parts, self._cuts, sizes, strict=False):
            mine = groups[g0:g0 + n]
            count = len(part.state)
            sub_state = {}
            for i in range(count):
                s = state.get(at + i, state.get(str(at + i)))
                if s is not None:
                    sub_state[i] = s
            sub = {"state": sub_state,
                   "param_groups": [{**g, "params": [int(i) - at for i in g["params"]]}
                                    if isinstance(g, Mapping) and "params" in g else g
                                    for g in mine]}
            if "training" in state_dict and part.modes:
                sub["training"] = state_dict["training"]
            pieces.append(sub)
            g0 += n
        # every part checks its piece before any is changed: a bad file changes nothing
        backups = [part.state_dict() for part in self.parts]
        try:
            for part, sub in zip(self.parts, pieces, strict=True):
                part.load_state_dict(sub)
        except ValueError:
            for part, sd in zip(self.parts, backups, strict=True):
                part.load_state_dict(sd)
            raise

    def __repr__(self) -> str:
        return f"MultiOptimizer({', '.join(map(repr, self.parts))})"

    # the internals: those of the first part (the optimizer named: Muon), over its parameters
    @property
    def internals_every_step(self) -> bool:
        return self.parts[0].internals_every_step

    def declared_internals(self) -> dict[str, Any]:
        return self.parts[0].declared_internals()

    def internals(self, grads: Sequence[np.ndarray], previous: Sequence[np.ndarray],
                  memory: dict[str, np.ndarray]) -> dict[str, Any]:
        """The first part's internals; its per-parameter lists padded with None for the
        other parts' parameters (the trace follows the first part's coordinates only)."""
        n = self._cuts[1]
        out = self.parts[0].internals(list(grads[:n]), list(previous[:n]), memory)
        pad = [None] * (self._cuts[-1] - n)
        return {k: v + pad if isinstance(v, list) else v for k, v in out.items()}
