"""Record Adam's internals during training, for ``adamlab.plot.adam_internals``.

At every ``every``-th step, after the update, ``AdamTrace`` records

* the bias-correction factors 1 − β1^t and 1 − β2^t;
* for a few tracked parameters: the gradient g, the moments m and v, and their bias-corrected
  m̂ = m/(1 − β1^t), v̂ = v/(1 − β2^t);
* over *all* parameters, percentiles of the effective step size |α·m̂/(√v̂ + ε)|
  (with ``eps_hat`` the optimizer's own form: |α·√(1−β2^t)/(1−β1^t) · m/(√v + ε)|).

The result, ``trace.data``, is a plain dict of lists (JSON-able).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from adamlab.train.callbacks import Callback
from adamlab.train.layout import flat_state

QUANTILES = (5, 25, 50, 75, 95)
KEYS = ("step", "lr", "beta1", "beta2", "eps", "eps_hat", "bias_correction1", "bias_correction2",
        "tracked", "grad", "m", "v", "m_hat", "v_hat", "quantiles", "step_quantiles")


class AdamTrace(Callback):
    """Trace every parameter of an optimizer with Adam's moments (Adam, AdamW, AMSGrad, NAdam,
    RAdam: anything keeping ``exp_avg`` and ``exp_avg_sq``), in the layout of the model's flat
    buffer (``tracked`` indexes ``model.params``) whatever its parameter groups; β, ε and the
    learning rate are the first group's."""

    def __init__(self, every: int = 1, n_tracked: int = 6) -> None:
        if every < 1 or n_tracked < 1:
            raise ValueError("AdamTrace: every and n_tracked must be >= 1")
        self.every, self.n_tracked = every, n_tracked
        self.data: dict[str, Any] = {}

    def on_train_begin(self, logs: dict[str, Any]) -> None:
        opt = self.trainer.optimizer
        state = opt.state[0]
        if "exp_avg" not in state or "exp_avg_sq" not in state:
            raise ValueError(
                f"trace records Adam's moments; {type(opt).__name__} has none "
                "(use adam, adamw, amsgrad, nadam or radam)"
            )
        n = self.trainer.model.params.size
        if self.data:  # a second fit, or a resumed run, continues the same trace
            if max(self.data["tracked"]) >= n:
                raise ValueError(f"the trace follows parameters up to index "
                                 f"{max(self.data['tracked'])}, but the model has {n}")
            return
        group = opt.param_groups[0]
        tracked = np.unique(np.linspace(0, n - 1, min(self.n_tracked, n)).astype(int))
        b1, b2 = group["betas"]
        self.data = {
            "step": [], "lr": [], "beta1": b1, "beta2": b2, "eps": group["eps"],
            "eps_hat": bool(group.get("eps_hat", False)),
            "bias_correction1": [], "bias_correction2": [], "tracked": tracked.tolist(),
            "grad": [], "m": [], "v": [], "m_hat": [], "v_hat": [],
            "quantiles": list(QUANTILES), "step_quantiles": [],
        }

    def on_batch_end(self, step: int, logs: dict[str, Any]) -> None:
        opt = self.trainer.optimizer
        state = opt.state[0]
        t = state["step"]
        if t % self.every:
            return
        d = self.data
        group = opt.param_groups[0]
        lr, eps = group["lr"], group["eps"]
        b1, b2 = d["beta1"], d["beta2"]
        bc1, bc2 = 1 - b1**t, 1 - b2**t
        model = self.trainer.model
        m, v = flat_state(model, opt, "exp_avg"), flat_state(model, opt, "exp_avg_sq")
        idx = d["tracked"]
        g = self.trainer.model.grads.ravel()
        d["step"].append(t)
        d["lr"].append(lr)
        d["bias_correction1"].append(bc1)
        d["bias_correction2"].append(bc2)
        d["grad"].append(g[idx].tolist())
        d["m"].append(m[idx].tolist())
        d["v"].append(v[idx].tolist())
        d["m_hat"].append((m[idx] / bc1).tolist())
        d["v_hat"].append((v[idx] / bc2).tolist())
        if d["eps_hat"]:
            eff = np.abs(lr * bc2**0.5 / bc1 * m / (np.sqrt(v) + eps))
        else:
            eff = np.abs(lr * (m / bc1) / (np.sqrt(v / bc2) + eps))
        d["step_quantiles"].append(np.percentile(eff, QUANTILES).tolist())

    # ------------------------------------------------------------------ checkpoints
    # A checkpoint keeps the trace so far, so that a resumed run's trace goes on from it and
    # equals the trace of an uninterrupted run. The per-record series are arrays (compact; the
    # values are float64 — float32 moments widen exactly — and the step counts int64); the
    # constants are JSON.
    SERIES = ("lr", "bias_correction1", "bias_correction2")  # one number per record
    PER_TRACKED = ("grad", "m", "v", "m_hat", "v_hat")  # one row of len(tracked) per record
    CONSTANTS = ("beta1", "beta2", "eps", "eps_hat", "tracked", "quantiles")

    def state_dict(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        meta: dict[str, Any] = {"every": self.every, "n_tracked": self.n_tracked}
        d = self.data
        if not d:
            return {}, {**meta, "constants": None}
        n = len(d["step"])
        arrays = {"step": np.asarray(d["step"], dtype=np.int64)}
        for k in self.SERIES:
            arrays[k] = np.asarray(d[k], dtype=np.float64)
        for k in self.PER_TRACKED:
            arrays[k] = np.asarray(d[k], dtype=np.float64).reshape(n, len(d["tracked"]))
        arrays["step_quantiles"] = np.asarray(d["step_quantiles"], dtype=np.float64).reshape(
            n, len(d["quantiles"]))
        return arrays, {**meta, "constants": {k: d[k] for k in self.CONSTANTS}}

    def load_state_dict(self, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
        """The trace a checkpoint kept; a CheckpointError says what is wrong with a bad one."""
        from adamlab.train.checkpoint import CheckpointError

        def bad(what: str) -> CheckpointError:
            return CheckpointError(f"the checkpoint's AdamTrace state: {what}")

        every, constants = meta.get("every"), meta.get("constants")
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise bad(f"'every' must be an integer >= 1, got {every!r}")
        if constants is None:
            self.every, self.data = every, {}
            return
        if not isinstance(constants, dict) or set(constants) != set(self.CONSTANTS):
            raise bad(f"'constants' must be an object with the keys {list(self.CONSTANTS)}")
        tracked, quantiles = constants["tracked"], constants["quantiles"]
        if not (isinstance(tracked, list) and tracked
                and all(isinstance(i, int) and not isinstance(i, bool) and i >= 0
                        for i in tracked)):
            raise bad("'tracked' must be a non-empty list of parameter indices")
        if not (isinstance(quantiles, list)
                and all(isinstance(q, int | float) for q in quantiles)):
            raise bad("'quantiles' must be a list of numbers")
        n = arrays["step"].shape[0] if "step" in arrays else -1
        shapes = {"step": (n,), **{k: (n,) for k in self.SERIES},
                  **{k: (n, len(tracked)) for k in self.PER_TRACKED},
                  "step_quantiles": (n, len(quantiles))}
        for k, shape in shapes.items():
            a = arrays.get(k)
            if a is None or a.shape != shape or a.dtype.kind not in ("i" if k == "step" else "f"):
                got = "missing" if a is None else f"{a.dtype} of shape {a.shape}"
                raise bad(f"array {k!r} must be {'int' if k == 'step' else 'float'} of shape "
                          f"{shape}, got {got}")
        if n and (np.any(np.diff(arrays["step"]) <= 0) or arrays["step"][0] < 1):
            raise bad("'step' must be increasing step counts >= 1")
        trainer = getattr(self, "trainer", None)
        if trainer is not None and max(tracked) >= trainer.model.params.size:
            raise bad(f"'tracked' names parameter {max(tracked)}, but the model has "
                      f"{trainer.model.params.size}")
        values = {**constants, **{k: arrays[k].tolist() for k in shapes}}
        self.every = every
        self.data = {k: values[k] for k in KEYS}  # in the order on_train_begin makes them
