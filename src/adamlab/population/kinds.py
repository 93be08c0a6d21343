"""The members of a population grouped by kind of optimizer, each kind stepped in one call.

A member's optimizer (built by ``experiment.prepare`` exactly as its single run builds it:
``optim.build_optimizer``, its hyperparameters checked by the class) has one parameter group
over the whole flat row, or two (weights, then biases without decay). Members whose optimizer
has the same class, the same flags and branches (``steps.kind_key``) and the same groups'
column ranges form a *kind*: consecutive rows of the stack, stepped by one call per group
with every number (``lr``, betas, ...) as a per-member column.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from adamlab.population.fused import usable
from adamlab.population.steps import UPDATES, init_state, kind_key
from adamlab.population.terms import Members

__all__ = ["Kind", "group_columns", "member_key", "unsupported_optimizer"]


def group_columns(optimizer: Any, params: np.ndarray) -> list[tuple[int, int]] | None:
    """Each group's column range in the flat row ``params``, or None when a group's
    parameters are not one run of it."""
    base, item = params.__array_interface__["data"][0], params.itemsize
    out = []
    for group in optimizer.param_groups:
        spans = sorted(((p.__array_interface__["data"][0] - base) // item, p.size)
                       for p in group["params"])
        start, at = spans[0][0], spans[0][0]
        for s, n in spans:
            if s != at:
                return None
            at += n
        out.append((start, at))
    return out


def unsupported_optimizer(optimizer: Any) -> str | None:
    """Why this optimizer cannot train in a population (None: it can)."""
    if getattr(optimizer, "modes", False):
        return (f"optimizer {type(optimizer).__name__} has train/eval modes (its evaluation "
                "weights are not the trained ones)")
    return None


def member_key(optimizer: Any, params: np.ndarray) -> tuple:
    """Members with equal keys step together (same class, flags, branches and groups)."""
    cls = type(optimizer)
    if cls not in UPDATES:
        return (cls.__name__, "alone")
    columns = group_columns(optimizer, params)
    if columns is None:
        return (cls.__name__, "alone")
    return (cls.__name__, tuple(columns), tuple(kind_key(cls, g) for g in optimizer.param_groups))


class Kind:
    """Rows ``[start, stop)`` of the stack: members stepped together, group by group."""

    def __init__(self, optimizers: Sequence[Any], params: np.ndarray, start: int,
                 dtype: np.dtype, update: Any) -> None:
        cls = type(optimizers[0])
        self.update = update
        self.start, self.stop = start, start + len(optimizers)
        self.parts = []
        for j, (c0, c1) in enumerate(group_columns(optimizers[0], params)):
            h = Members(cls, [opt.param_groups[j] for opt in optimizers], dtype)
            state = init_state(h, (len(optimizers), c1 - c0))
            self.parts.append((c0, c1, h, state, {}))

    def step(self, P: np.ndarray, G: np.ndarray, t: int) -> None:
        """One step of every member of the kind (``t``: the step count after it)."""
        a, b = self.start, self.stop
        for c0, c1, h, state, work in self.parts:
            p, g = P[a:b, c0:c1], G[a:b, c0:c1]

            def scratch(i: int, _p: np.ndarray = p, _w: dict = work) -> np.ndarray:
                buf = _w.get(i)
                if buf is None:
                    buf = _w[i] = np.empty(_p.shape, _p.dtype)
                return buf

            self.update(p, g, state, h, t, scratch)

    def refresh(self) -> None:
        """Read the members' hyperparameters again (after a schedule changed them)."""
        for part in self.parts:
            part[2].refresh()

    def take(self, rows: np.ndarray, start: int) -> None:
        """Keep the kind's members ``rows`` (local indices), now from row ``start``."""
        self.start, self.stop = start, start + len(rows)
        for _, _, h, state, work in self.parts:
            h.take(rows)
            for k in list(state):
                state[k] = np.ascontiguousarray(state[k][rows])
            work.clear()


class Alone:
    """Rows ``[start, stop)`` of members stepped one by one by their own optimizers (built by
    ``experiment.prepare``, over their own model's buffers): the exact path for an optimizer
    without a stacked update, or whose stacked update no longer steps like it (``matches``)."""

    def __init__(self, members: Sequence[Any], start: int) -> None:
        self.members = [(m.p.model, m.optimizer, m.p.model.gradients_for(m.optimizer.params))
                        for m in members]
        self.start, self.stop = start, start + len(members)

    def step(self, P: np.ndarray, G: np.ndarray, t: int) -> None:
        for k, (model, optimizer, grads) in enumerate(self.members, start=self.start):
            np.copyto(model.params, P[k])
            np.copyto(model.grads, G[k])
            optimizer.step(grads)
            np.copyto(P[k], model.params)

    def refresh(self) -> None:
        """Nothing to read again: each optimizer holds its own schedule's lr."""

    def take(self, rows: np.ndarray, start: int) -> None:
        self.members = [self.members[i] for i in rows]
        self.start, self.stop = start, start + len(rows)


def matches(optimizer: Any, model: Any, steps: int = 12) -> Any:
    """The candidate update of ``steps.UPDATES`` that steps exactly like ``optimizer`` (a
    member's, not touched), or None: a twin of it over a scratch model's weights and the
    stacked update of one member take ``steps`` steps on the same random gradients (of
    magnitudes spread over decades, some exactly 0), and their weights and state arrays must
    agree bit for bit after each. Should an optimizer's arithmetic change and no candidate
    follow, its members step alone (slower, still exact)."""
    from adamlab.nn import MLP

    cls = type(optimizer)
    for update in UPDATES.get(cls, ((), ()))[1]:
        if not usable(update, optimizer):  # compiled, without numba or with fused=False
            continue
        probe = MLP.from_config(model.get_config(), rng=np.random.default_rng(12345))
        named = dict(probe.named_parameters())
        try:
            twin = cls([{**{k: v for k, v in g.items() if k not in ("params", "initial_lr")},
                         "params": [named[n] for n in g["param_names"]]}
                        for g in optimizer.param_groups])
        except (KeyError, TypeError, ValueError):
            return None
        if _steps_alike(twin, probe, update, steps):
            return update
    return None


def _steps_alike(twin: Any, probe: Any, update: Any, steps: int) -> bool:
    P = probe.params.copy()[None, :]
    kind = Kind([twin], probe.params, 0, probe.dtype, update)
    grads = probe.gradients_for(twin.params)
    rng = np.random.default_rng(0)
    with np.errstate(all="ignore"):
        for t in range(1, steps + 1):
            g = rng.normal(size=P.size) * np.exp(rng.normal(scale=3.0, size=P.size))
            g = g.astype(probe.dtype)
            g[::7] = 0.0
            probe.grads[...] = g
            kind.step(P, g[None, :].copy(), t)
            twin.step(grads)
            if not (np.array_equal(P[0], probe.params) and _same_state(kind, twin, probe)):
                return False
    return True


def _same_state(kind: Kind, twin: Any, probe: Any) -> bool:
    """The stacked state arrays equal the twin's, group by group, in the columns' order."""
    states = twin.state
    base, item = probe.params.__array_interface__["data"][0], probe.params.itemsize
    i = 0
    for (c0, c1, _, state, _), group in zip(kind.parts, twin.param_groups, strict=True):
        entries = []
        for p in group["params"]:
            entries.append(((p.__array_interface__["data"][0] - base) // item, states[i]))
            i += 1
        entries.sort(key=lambda e: e[0])
        for name, arr in state.items():
            if arr.shape[1] != c1 - c0:
                continue  # a scalar column (NAdam's μ-product)
            theirs = [s.get(name) for _, s in entries]
            if any(x is None for x in theirs) or not np.array_equal(
                    arr[0], np.concatenate([x.ravel() for x in theirs])):
                return False
    return True
