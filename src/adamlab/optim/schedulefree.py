"""Schedule-Free AdamW: no learning-rate schedule, an average of the iterates instead
(Defazio et al. 2024)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from adamlab.optim._terms import direction, ema_sq, lerp
from adamlab.optim.base import Optimizer, _check_number
from adamlab.optim.clip import global_norm
from adamlab.optim.internals import Internal, moments_declared, moments_internals


class ScheduleFreeAdamW(Optimizer):
    r"""Schedule-Free AdamW (Defazio, Yang, Mehta, Mishchenko, Khaled & Cutkosky 2024, "The
    Road Less Scheduled", arXiv:2405.15682; AlgoPerf 2024 self-tuning track winner).

    Follows the authors' ``schedulefree.AdamWScheduleFree`` step for step. Three sequences:
    z (the SGD-like base sequence), x (the weighted average of the z's, the weights to
    *evaluate*) and y = (1 − β1)·z + β1·x, where the gradient is taken and which the
    parameters hold in train mode. With k = 0, 1, ... the steps already taken (per group)::

        α_k   = lr·min(1, (k + 1)/warmup_steps)                 (linear warm-up)
        α_max = max(α_max, α_k)
        w_k   = (k + 1)^r · α_max^p                             (r, p = weight_lr_power)
        c_k   = w_k / Σ_{i≤k} w_i                               (the averaging weight)
        v     = β2·v + (1 − β2)·g²
        u     = g / (√(v/(1 − β2^{k+1})) + ε) + λ·y             (decay taken at y)
        y    ← (1 − c_k)·y + c_k·z + α_k·(β1·(1 − c_k) − 1)·u   (x and y updated through y)
        z    ← z − α_k·u

    ``eval()`` puts x into the parameters, x = y + (1 − 1/β1)·(z − y) (torch's
    ``p.lerp_(z, 1 − 1/β1)``), and ``train()`` puts y back, y = x + (1 − β1)·(z − x), in place
    as the authors' ``eval()``/``train()`` do (each a rounding, so an eval/train round trip
    changes the last bits of y, as in the reference). ``step`` refuses eval mode.

    State: per parameter z (a copy of θ at the first step) and v; per group (kept in the
    group dict, as the reference does) k, weight_sum, lr_max and scheduled_lr (the α_k of the
    last step, for logging).

    Defaults (the authors'): lr=0.0025, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
    warmup_steps=0, r=0.0, weight_lr_power=2.0.

    Conventions:

    * No bias correction of a first moment (there is none: β1 interpolates y between x and z);
      v is bias-corrected, ε added after the √, as torch's Adam.
    * Weight decay λ·y is added to the normalised gradient (decoupled from v, but at y, not x):
      it moves z by α·λ·y and y by the same interpolation as the gradient step.
    * The reference starts in eval mode and raises until ``train()`` is called; adamlab's
      optimizers start in train mode (``training`` is True), so the first ``train()`` is not
      needed (it is a no-op before the first step in both).
    * optax's ``contrib.schedule_free_adamw`` builds the same method from optax's pieces (its
      warm-up through optax's schedules); the authors' torch code is the reference here.
    """

    buffers = ("z", "exp_avg_sq")
    group_state = ("k", "weight_sum", "lr_max", "scheduled_lr")
    modes = True

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 0.0025,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        warmup_steps: int = 0,
        r: float = 0.0,
        weight_lr_power: float = 2.0,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(
            params,
            dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                 warmup_steps=warmup_steps, r=r, weight_lr_power=weight_lr_power,
                 maximize=maximize),
        )

    def _init_group(self, group: Mapping[str, Any]) -> dict[str, Any]:
        return {"k": 0, "weight_sum": 0.0, "lr_max": -1.0, "scheduled_lr": 0.0}

    def _validate_hyperparameters(self, h: Mapping[str, Any], where: str) -> None:
        super()._validate_hyperparameters(h, where)
        name = self._name + where
        if "warmup_steps" in h:
            w = h["warmup_steps"]
            if isinstance(w, bool) or not isinstance(w, (int, np.integer)) or w < 0:
                raise ValueError(f"{name}: warmup_steps must be an integer >= 0 (the steps of "
                                 f"the linear warm-up; 0 for none), got {w!r}")
        if "r" in h:
            _check_number(name, "r", h["r"], low=-math.inf,
                          why="the averaging weight is (k + 1)^r (0, the default, weighs by "
                              "lr_max^weight_lr_power only)")
        if "weight_lr_power" in h:
            _check_number(name, "weight_lr_power", h["weight_lr_power"], low=0.0)
        # beta1 = 0 would divide by 0 in eval() (x = y + (1 − 1/β1)·(z − y)); y = z then
        if "betas" in h and h["betas"][0] == 0:
            raise ValueError(f"{name}: betas[0] must be > 0 for Schedule-Free: eval() computes "
                             "x = y + (1 − 1/β1)·(z − y); use e.g. 0.9, the default")

    def _step_group(self, params, grads, states, group, previous) -> None:
        beta1, beta2 = group["betas"]
        k, warmup = group["k"], group["warmup_steps"]
        sched = (k + 1) / warmup if k < warmup else 1.0  # linear warm-up
        bias_correction2 = 1 - beta2 ** (k + 1)
        lr = group["lr"] * sched  # α_k
        group["scheduled_lr"] = lr
        lr_max = group["lr_max"] = max(lr, group["lr_max"])  # α_max
        weight = ((k + 1) ** group["r"]) * (lr_max ** group["weight_lr_power"])  # w_k
        weight_sum = group["weight_sum"] = group["weight_sum"] + weight  # Σ w_i
        ckp1 = weight / weight_sum if weight_sum != 0 else 0.0  # c_k (0 while lr is 0)
        y_step = lr * (beta1 * (1 - ckp1) - 1)  # α_k·(β1·(1 − c_k) − 1)
        for j, (y, g, state) in enumerate(zip(params, grads, states, strict=True)):
            if previous is not None:
                np.copyto(previous[j], y)
            z, v = state["z"], state["exp_avg_sq"]
            if state["step"] == 0:
                np.copyto(z, y)  # z_0 = θ at the first step (the reference's lazy clone)
            state["step"] += 1
            g = direction(y, g, {"maximize": group["maximize"]}, self._scratch)  # −g (maximize)
            tmp = self._scratch(y, 1)
            ema_sq(v, g, beta2, tmp)  # v = β2·v + (1 − β2)·g²
            u = np.divide(v, bias_correction2, out=self._scratch(y, 2))
            np.sqrt(u, out=u)
            u += group["eps"]  # √(v/(1 − β2^{k+1})) + ε
            np.divide(g, u, out=u)  # u = g/(√v̂ + ε)
            if group["weight_decay"] != 0:
                u += np.multiply(y, group["weight_decay"], out=tmp)  # u + λ·y
            lerp(y, z, ckp1, y, tmp)  # y ← y + c_k·(z − y)
            y += np.multiply(u, y_step, out=tmp)  # y ← y + α_k·(β1·(1 − c_k) − 1)·u
            z -= np.multiply(u, lr, out=tmp)  # z ← z − α_k·u
        group["k"] = k + 1

    def _to_eval(self, p, state, group) -> None:
        if state["step"] > 0:  # before the first step there is no z (the reference alike)
            beta1 = group["betas"][0]
            lerp(p, state["z"], 1 - 1 / beta1, p, self._scratch(p, 1))  # x = y + (1 − 1/β1)(z − y)

    def _to_train(self, p, state, group) -> None:
        if state["step"] > 0:
            beta1 = group["betas"][0]
            lerp(p, state["z"], 1 - beta1, p, self._scratch(p, 1))  # y = x + (1 − β1)(z − x)

    # ------------------------------------------------------------------ internals
    def declared_internals(self) -> dict[str, Internal]:
        seq = "the three sequences"
        out = moments_declared(("z",))
        out.update({
            "z": Internal("tracked", seq, "z (the base sequence)"),
            "x": Internal("tracked", seq, "x (the average, evaluated)", style="--"),
            "y": Internal("tracked", seq, "y (where g is taken)", style=":"),
            "c": Internal("scalar", "averaging weight", r"$c_k = w_k/\sum_{i\leq k} w_i$", True),
            "scheduled_lr": Internal("scalar", "averaging weight", r"$\alpha_k$ (warm-up)",
                                     True, "--"),
            "x_minus_z": Internal("scalar", "distance between the sequences",
                                  r"$\|x - z\|$"),
            "y_minus_x": Internal("scalar", "distance between the sequences",
                                  r"$\|y - x\|$", style="--"),
        })
        return out

    def internals(self, grads, previous, memory) -> dict[str, Any]:
        """The averaging weight of the step just taken, c_k = w_k/Σ w_i with
        w_k = (k + 1)^r·α_max^p (group 0), and the norms over all parameters of x − z and
        y − x, with x = y + (1 − 1/β1)·(z − y) (in train mode the parameters hold y)."""
        g0 = self.param_groups[0]
        k = g0["k"]  # steps taken: the last one had index k − 1
        w = (k ** g0["r"]) * (g0["lr_max"] ** g0["weight_lr_power"]) if k else 0.0
        c = w / g0["weight_sum"] if g0["weight_sum"] != 0 else 0.0
        xs, ys, zs = [], [], []
        for group, params in ((g, g["params"]) for g in self.param_groups):
            beta1 = group["betas"][0]
            for y in params:
                s = self.state[len(ys)]
                z = s["z"] if s["step"] else y
                ys.append(y if self.training else y + (1 - beta1) * (z - y))
                xs.append(ys[-1] + (1 - 1 / beta1) * (z - ys[-1]))
                zs.append(z)
        out = moments_internals(self, ("z",), grads, previous)
        out.update(x=xs, y=ys, c=float(c), scheduled_lr=float(g0["scheduled_lr"]),
                   x_minus_z=global_norm([x - z for x, z in zip(xs, zs, strict=True)]),
                   y_minus_x=global_norm([y - x for y, x in zip(ys, xs, strict=True)]))
        return out
