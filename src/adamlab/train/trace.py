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

QUANTILES = (5, 25, 50, 75, 95)


class AdamTrace(Callback):
    """Trace the first parameter array of an optimizer with Adam's moments (Adam, AdamW, AMSGrad,
    NAdam, RAdam: anything keeping ``exp_avg`` and ``exp_avg_sq``)."""

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
        if self.data:
            return  # a second fit continues the same trace
        group = opt.param_groups[0]
        n = opt.params[0].size
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
        m, v = state["exp_avg"].ravel(), state["exp_avg_sq"].ravel()
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
