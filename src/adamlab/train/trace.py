"""Record what an optimizer keeps and does during training, for ``adamlab.plot.internals``.

At every ``every``-th step, after the update, ``Trace`` asks the optimizer for its internals
(``Optimizer.internals``: named quantities, each declared by ``declared_internals`` with its
kind, see ``adamlab.optim.internals``) and records them::

    tracked     the values at a few coordinates of the model's flat buffer (``tracked``
                indexes ``model.params``, chosen among the coordinates the quantity covers)
    quantiles   percentiles (``quantiles``: 5, 25, 50, 75, 95) over every covered coordinate
    scalar      the number; vector: the numbers; constant: the number, once

``trace.data`` is a plain dict of lists (JSON-able): ``step`` and ``lr`` (group 0's), the
constants, the scalars, ``tracked`` and its series, ``quantiles`` and theirs, the vectors, then
``optimizer`` (its class), ``figure`` ("adam" for Adam's moments, drawn as ever by
``plot.adam_internals``; else "panels") and ``declared`` (each quantity's kind and panel).
For Adam, AdamW, AMSGrad, NAdam and RAdam the keys are those ``AdamTrace`` always wrote.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from adamlab.optim.internals import ADAM, Internal, check_internals
from adamlab.train.callbacks import Callback

QUANTILES = (5, 25, 50, 75, 95)
#: The names a checkpoint may keep this callback's state under (its first name: AdamTrace).
STATE_NAMES = ("Trace", "AdamTrace")


class Trace(Callback):
    """Trace an optimizer's declared internals over training (any optimizer of the registry,
    and a ``MultiOptimizer``: its first part's), in the layout of the model's flat buffer."""

    legacy_names = ("AdamTrace",)

    def __init__(self, every: int = 1, n_tracked: int = 6) -> None:
        if every < 1 or n_tracked < 1:
            raise ValueError("Trace: every and n_tracked must be >= 1")
        self.every, self.n_tracked = every, n_tracked
        self.data: dict[str, Any] = {}
        #: What the optimizer keeps across records (``internals(memory=...)``), checkpointed.
        self.memory: dict[str, np.ndarray] = {}

    # ------------------------------------------------------------------ recording
    def on_train_begin(self, logs: dict[str, Any]) -> None:
        opt, model = self.trainer.optimizer, self.trainer.model
        self.declared: dict[str, Internal] = opt.declared_internals()
        self._grads = model.gradients_for(opt.params)
        self._previous = self.trainer.previous_params
        self._index = model.views_like(opt.params, np.arange(model.params.size))
        if self.data:  # a second fit, or a resumed run, continues the same trace
            n = model.params.size
            if max(self.data["tracked"]) >= n:
                raise ValueError(f"the trace follows parameters up to index "
                                 f"{max(self.data['tracked'])}, but the model has {n}")
            missing = sorted(set(self.declared) - set(self.data))
            if missing:
                raise ValueError(f"the trace has no {', '.join(missing)}: it was recorded for "
                                 f"another optimizer than {type(opt).__name__}")

    def on_batch_end(self, step: int, logs: dict[str, Any]) -> None:
        opt = self.trainer.optimizer
        if step % self.every and not opt.internals_every_step:
            return
        values = opt.internals(self._grads, self._previous, self.memory)
        if step % self.every:
            return
        check_internals(type(opt).__name__, self.declared, values)
        if not self.data:
            self.data = self._begin(values)
        d = self.data
        d["step"].append(step)
        d["lr"].append(float(opt.param_groups[0]["lr"]))
        tracked = d["tracked"]
        for name, how in self.declared.items():
            v = values[name]
            if how.kind == "scalar":
                d[name].append(float(v))
            elif how.kind == "vector":
                d[name].append(np.asarray(v, dtype=float).tolist())
            elif how.kind == "tracked":
                d[name].append(self._flat(v)[tracked].tolist())
            elif how.kind == "quantiles":
                covered = np.concatenate([a.ravel() for a in v if a is not None])
                d[name].append(np.percentile(covered, QUANTILES).tolist())

    def _flat(self, values: list[np.ndarray | None]) -> np.ndarray:
        """Per-parameter arrays laid out like ``model.params`` (0 where not covered)."""
        out = np.zeros_like(self.trainer.model.params)
        for view, a in zip(self.trainer.model.views_like(self.trainer.optimizer.params, out),
                           values, strict=True):
            if a is not None:
                view[...] = a
        return out

    def _begin(self, values: dict[str, Any]) -> dict[str, Any]:
        """The empty trace, its tracked coordinates chosen among those the per-parameter
        quantities cover, in the order of the module docstring."""
        per = [k for k, h in self.declared.items() if h.kind in ("tracked", "quantiles")]
        covered = [i for i in range(len(self._index))
                   if all(values[k][i] is not None for k in per)]
        coords = (np.sort(np.concatenate([self._index[i].ravel() for i in covered]))
                  if covered else np.arange(self.trainer.model.params.size))
        pick = np.unique(np.linspace(0, coords.size - 1, min(self.n_tracked, coords.size))
                         .astype(int))
        data: dict[str, Any] = {"step": [], "lr": []}
        kinds = {k: h.kind for k, h in self.declared.items()}
        data.update({k: _constant(values[k]) for k, kind in kinds.items() if kind == "constant"})
        data.update({k: [] for k, kind in kinds.items() if kind == "scalar"})
        data["tracked"] = coords[pick].tolist()
        data.update({k: [] for k, kind in kinds.items() if kind == "tracked"})
        data["quantiles"] = list(QUANTILES)
        data.update({k: [] for k, kind in kinds.items() if kind == "quantiles"})
        data.update({k: [] for k, kind in kinds.items() if kind == "vector"})
        data["optimizer"] = _class_name(self.trainer.optimizer)
        data["figure"] = "adam" if set(self.declared) == set(ADAM) else "panels"
        data["declared"] = {k: h.to_dict() for k, h in self.declared.items()}
        return data

    # ------------------------------------------------------------------ checkpoints
    # A checkpoint keeps the trace so far, so that a resumed run's trace goes on from it and
    # equals the trace of an uninterrupted run. The per-record series are arrays (float64;
    # the step counts int64), the constants JSON; what they should be is read from the
    # optimizer's declaration (for Adam, the layout AdamTrace always saved).
    def _constant_keys(self) -> list[str]:
        return [k for k, h in self.declared.items() if h.kind == "constant"] + ["tracked",
                                                                                "quantiles"]

    def _series(self) -> list[str]:
        return ["lr"] + [k for k, h in self.declared.items() if h.kind != "constant"]

    def state_dict(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        meta: dict[str, Any] = {"every": self.every, "n_tracked": self.n_tracked}
        d = self.data
        memory = {f"memory.{k}": v.copy() for k, v in self.memory.items()}
        if not d:
            return memory, {**meta, "constants": None}
        arrays = {"step": np.asarray(d["step"], dtype=np.int64), **memory}
        n = len(d["step"])
        for k in self._series():
            arrays[k] = np.asarray(d[k], dtype=np.float64).reshape(n, -1) \
                if self.declared.get(k, Internal("scalar")).kind != "scalar" \
                else np.asarray(d[k], dtype=np.float64)
        return arrays, {**meta, "constants": {k: d[k] for k in self._constant_keys()}}

    def load_state_dict(self, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
        """The trace a checkpoint kept; a CheckpointError says what is wrong with a bad one."""
        from adamlab.train.checkpoint import CheckpointError

        def bad(what: str) -> CheckpointError:
            return CheckpointError(f"the checkpoint's Trace state: {what}")

        every, constants = meta.get("every"), meta.get("constants")
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise bad(f"'every' must be an integer >= 1, got {every!r}")
        opt, model = self.trainer.optimizer, self.trainer.model
        memory = {k[len("memory."):]: a for k, a in arrays.items() if k.startswith("memory.")}
        for k, a in memory.items():
            i = k.rsplit(".", 1)[-1]
            if (not i.isdigit() or int(i) >= len(opt.params)
                    or a.shape != opt.params[int(i)].shape or a.dtype.kind != "f"):
                raise bad(f"memory array {k!r} must be float shaped like the parameter it "
                          "names")
        self.declared = opt.declared_internals()
        if constants is None:
            self.every, self.data, self.memory = every, {}, memory
            return
        keys = self._constant_keys()
        if not isinstance(constants, dict) or set(constants) != set(keys):
            raise bad(f"'constants' must be an object with the keys {keys}")
        tracked, quantiles = constants["tracked"], constants["quantiles"]
        if not (isinstance(tracked, list) and tracked
                and all(isinstance(i, int) and not isinstance(i, bool) and i >= 0
                        for i in tracked)):
            raise bad("'tracked' must be a non-empty list of parameter indices")
        if not (isinstance(quantiles, list)
                and all(isinstance(q, int | float) for q in quantiles)):
            raise bad("'quantiles' must be a list of numbers")
        n = arrays["step"].shape[0] if "step" in arrays else -1
        width = {"tracked": len(tracked), "quantiles": len(quantiles)}
        for k in ["step", *self._series()]:
            a = arrays.get(k)
            kind = "scalar" if k in ("step", "lr") else self.declared[k].kind
            shape = (n,) if kind == "scalar" else (n, width.get(kind, -1))
            ok = (a is not None and a.ndim == len(shape) and a.shape[0] == n
                  and (kind == "vector" or a.shape == shape)
                  and a.dtype.kind == ("i" if k == "step" else "f"))
            if not ok:
                got = "missing" if a is None else f"{a.dtype} of shape {a.shape}"
                want = "(n, any)" if kind == "vector" else str(shape)
                raise bad(f"array {k!r} must be {'int' if k == 'step' else 'float'} of shape "
                          f"{want}, got {got}")
        if n and (np.any(np.diff(arrays["step"]) <= 0) or arrays["step"][0] < 1):
            raise bad("'step' must be increasing step counts >= 1")
        if max(tracked) >= model.params.size:
            raise bad(f"'tracked' names parameter {max(tracked)}, but the model has "
                      f"{model.params.size}")
        values = {**constants, **{k: arrays[k].tolist() for k in ["step", *self._series()]}}
        self.every, self.memory = every, memory
        self.data = {"step": values["step"], "lr": values["lr"]}
        self.data.update({k: values[k] for k in self._order()})
        self.data["optimizer"] = _class_name(opt)
        self.data["figure"] = "adam" if set(self.declared) == set(ADAM) else "panels"
        self.data["declared"] = {k: h.to_dict() for k, h in self.declared.items()}

    def _order(self) -> list[str]:
        """The keys between ``lr`` and ``optimizer``, in ``_begin``'s order."""
        kinds = {k: h.kind for k, h in self.declared.items()}
        out = [k for k, kind in kinds.items() if kind == "constant"]
        out += [k for k, kind in kinds.items() if kind == "scalar"] + ["tracked"]
        out += [k for k, kind in kinds.items() if kind == "tracked"] + ["quantiles"]
        out += [k for k, kind in kinds.items() if kind == "quantiles"]
        return out + [k for k, kind in kinds.items() if kind == "vector"]


def _class_name(opt: Any) -> str:
    """The optimizer's class (a MultiOptimizer's first part: Muon)."""
    return type(getattr(opt, "parts", [opt])[0]).__name__


def _constant(v: Any) -> Any:
    return v if isinstance(v, bool | str) or v is None else float(v)


#: The name this callback had when it traced Adam's moments only.
AdamTrace = Trace
