"""The training playground: an ``adamlab.nn.MLP`` trained epoch by epoch by ``adamlab.train``.

One :class:`Playground` per browser tab (``adamlab.explore.sessions``). ``from_request``
validates the settings and builds the data (``adamlab.data.load_data``, a stratified 25%
validation split, standardised on the training part), the model and a ``Trainer``; ``epoch()``
trains one more epoch (``Trainer.fit(..., epochs=1)``: the trainer keeps its optimizer state,
shuffling stream and history between calls) and returns what the page draws:

* the history row (loss, accuracy, validation loss and accuracy, lr);
* the model's probability of class 1 on a grid over the data (the decision boundary);
* Adam's internals after the epoch's last step, read from ``trainer.optimizer.state[0]``:
  t, 1 − β1^t, 1 − β2^t, and over all parameters the quantiles of |g|, |m̂|, v̂ and of the
  step the optimizer took, |Δθ| (measured by a callback as θ after minus θ before the step).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping
from typing import Any

import numpy as np

from adamlab.explore.landscape_api import default_lr, optimizer_rows, optimizer_settings
from adamlab.explore.validate import (
    LIMITS,
    BadRequest,
    choice,
    int_list,
    integer,
    number,
    only_fields,
)
from adamlab.train import Callback, DivergenceError, Trainer

__all__ = ["DATASETS", "Playground", "GRID"]

#: The 2-D data sets the playground offers (all binary, all in ``adamlab.data``).
DATASETS = ("article", "moons", "circles", "xor", "spirals")
#: The decision boundary's grid: GRID x GRID probabilities.
GRID = 40
QUANTILES = (5, 25, 50, 75, 95)
VAL_FRACTION = 0.25

_FIELDS = ("session", "dataset", "n_samples", "noise", "seed", "hidden", "activation",
           "optimizer", "lr", "beta1", "beta2", "eps", "weight_decay", "batch_size")


class _LastStep(Callback):
    """Keeps the last step's gradient and Δθ = θ_t − θ_{t-1} (the optimizer's own step)."""

    def __init__(self, params: np.ndarray) -> None:
        self.before = params.copy()
        self.delta = np.zeros_like(params)
        self.grad = np.zeros_like(params)

    def on_batch_end(self, step: int, logs: dict[str, Any]) -> None:
        params = self.trainer.model.params
        np.subtract(params, self.before, out=self.delta)
        np.copyto(self.before, params)
        np.copyto(self.grad, self.trainer.model.grads)


class Playground:
    """One tab's training run: data, model, trainer, and a lock so that one epoch runs at a
    time. ``pause`` asks a running stream to stop after its current epoch."""

    def __init__(self, settings: Mapping[str, Any]) -> None:
        from adamlab.data import Standardizer, load_data, train_val_split
        from adamlab.nn import MLP

        self.settings = dict(settings)
        s = self.settings
        kwargs = {} if s["dataset"] == "article" else {"n_samples": s["n_samples"],
                                                       "noise": s["noise"]}
        ds = load_data(s["dataset"], seed=s["seed"], **kwargs)
        tr, va = train_val_split(ds.X, ds.y, VAL_FRACTION, np.random.default_rng(s["seed"]))
        self.feature_names = list(ds.feature_names)
        self.X, self.y = np.asarray(ds.X, dtype=np.float64), np.asarray(ds.y)
        self.train_idx, self.val_idx = tr, va
        self.scaler = Standardizer().fit(self.X[tr])
        Z = self.scaler.transform(self.X)
        self.Ztr, self.ytr, self.Zva, self.yva = Z[tr], self.y[tr], Z[va], self.y[va]
        self.model = MLP(n_inputs=2, hidden=tuple(s["hidden"]), n_outputs=1,
                         activation=s["activation"], output="sigmoid",
                         rng=np.random.default_rng(s["seed"]))
        self.trainer = Trainer(self.model, s["optimizer"], optimizer_args=s["optimizer_args"],
                               batch_size=s["batch_size"], seed=s["seed"])
        self.probe = _LastStep(self.model.params)
        self.lock = threading.Lock()
        self.pause = threading.Event()
        self.diverged: str | None = None
        lo, hi = self.X.min(axis=0), self.X.max(axis=0)
        pad = 0.1 * np.maximum(hi - lo, 1e-9)
        self.extent = [float(lo[0] - pad[0]), float(hi[0] + pad[0]),
                       float(lo[1] - pad[1]), float(hi[1] + pad[1])]

    @classmethod
    def from_request(cls, body: Mapping[str, Any]) -> Playground:
        """Validate POST /api/train/setup's body and build the run."""
        from adamlab.data import get_dataset_spec
        from adamlab.nn import ACTIVATIONS

        only_fields(body, _FIELDS)
        dataset = choice(body, "dataset", DATASETS, default="moons")
        spec = get_dataset_spec(dataset)
        n_samples = integer(body, "n_samples", 20, LIMITS["n_samples"],
                            default=spec.n_samples)
        noise = number(body, "noise", *LIMITS["noise"],
                       default=spec.noise if spec.noise is not None else 0.0)
        seed = integer(body, "seed", 0, LIMITS["seed"], default=0)
        hidden = int_list(body, "hidden", 1, LIMITS["width"], LIMITS["layers"], default=[8, 8])
        activation = choice(body, "activation", ACTIVATIONS, default="tanh")
        optimizer = choice(body, "optimizer", [r["name"] for r in optimizer_rows()],
                           default="adam")
        from adamlab.optim import get_optimizer_spec

        own = default_lr(get_optimizer_spec(optimizer))
        lr = number(body, "lr", *LIMITS["lr"], default=max(own or 0.01, 0.01))
        batch_size = integer(body, "batch_size", *LIMITS["batch_size"], default=32)
        settings = {"dataset": dataset, "n_samples": n_samples, "noise": noise, "seed": seed,
                    "hidden": hidden, "activation": activation, "optimizer": optimizer,
                    "optimizer_args": optimizer_settings(optimizer, lr, body),
                    "batch_size": batch_size}
        try:
            return cls(settings)
        except (ValueError, TypeError) as e:  # DataError, an optimizer's own refusal
            raise BadRequest(str(e)) from None

    # -------------------------------------------------------------- payloads
    def describe(self) -> dict[str, Any]:
        """What the page draws before the first epoch: the points, names, extent, boundary."""
        s = self.settings
        return {
            "settings": {**{k: v for k, v in s.items() if k != "optimizer_args"},
                         "optimizer_args": {k: list(v) if isinstance(v, tuple) else v
                                            for k, v in s["optimizer_args"].items()}},
            "feature_names": self.feature_names,
            "extent": self.extent,
            "grid": GRID,
            "train": {"x": self.X[self.train_idx].round(5).tolist(),
                      "y": self.y[self.train_idx].astype(int).tolist()},
            "val": {"x": self.X[self.val_idx].round(5).tolist(),
                    "y": self.y[self.val_idx].astype(int).tolist()},
            "epoch": self.trainer.epoch,
            "boundary": self.boundary(),
            "n_params": int(self.model.params.size),
        }

    def boundary(self) -> list[float]:
        """P(class 1) on a GRID x GRID grid over ``extent`` (rows: x1 from low to high)."""
        x0, x1, y0, y1 = self.extent
        gx, gy = np.meshgrid(np.linspace(x0, x1, GRID), np.linspace(y0, y1, GRID))
        pts = np.column_stack([gx.ravel(), gy.ravel()])
        p = self.model.predict_proba(self.scaler.transform(pts)).ravel()
        return np.round(p, 4).tolist()

    def epoch(self) -> dict[str, Any]:
        """Train one more epoch; its history row, boundary and internals (or ``diverged``)."""
        if self.diverged:
            return {"epoch": self.trainer.epoch, "diverged": self.diverged}
        try:
            self.trainer.fit(self.Ztr, self.ytr, epochs=1, validation_data=(self.Zva, self.yva),
                             callbacks=[self.probe])
        except DivergenceError as e:
            self.diverged = str(e)
            return {"epoch": self.trainer.epoch, "diverged": self.diverged}
        row = {k: (v if isinstance(v, (int, float)) and math.isfinite(v) else None)
               for k, v in self.trainer.history.last().items()}
        return {"epoch": self.trainer.epoch, "row": row, "boundary": self.boundary(),
                "internals": self.internals()}

    def internals(self) -> dict[str, Any]:
        """The optimizer's state after the last step, over all its parameters (the model's
        weight matrices and bias vectors, one ``opt.state`` entry each; see the module
        docstring)."""
        opt = self.trainer.optimizer
        states = opt.state
        groups = [g for g in opt.param_groups for _ in g["params"]]  # each parameter's group
        group = groups[0]
        t = int(states[0]["step"])
        out: dict[str, Any] = {"t": t, "lr": float(group["lr"]),
                               "grad": _quantiles(np.abs(self.probe.grad)),
                               "step": _quantiles(np.abs(self.probe.delta))}
        adam = all(g.get("betas") is not None and "exp_avg" in st and "exp_avg_sq" in st
                   for g, st in zip(groups, states, strict=True))
        if adam and t > 0:
            m_hat, v_hat = [], []
            for g, st in zip(groups, states, strict=True):
                (beta1, beta2), ts = g["betas"][:2], int(st["step"])
                v = st["max_exp_avg_sq" if g.get("amsgrad") else "exp_avg_sq"]
                m_hat.append(np.abs(st["exp_avg"]).ravel() / (1 - beta1**ts))  # |m|/(1 − β1^t)
                v_hat.append(v.ravel() / (1 - beta2**ts))  # v̂ = v/(1 − β2^t)
            beta1, beta2 = group["betas"][:2]
            out["bc1"], out["bc2"] = 1 - beta1**t, 1 - beta2**t
            out["m_hat"] = _quantiles(np.concatenate(m_hat))
            out["v_hat"] = _quantiles(np.concatenate(v_hat))
        return out


def _quantiles(a: np.ndarray) -> list[float]:
    q = np.percentile(a, QUANTILES)
    return [float(x) if math.isfinite(x) else None for x in q]
