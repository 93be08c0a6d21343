"""The training loop: mini-batches, validation, history, callbacks, guard, checkpoints.

::

    from adamlab.nn import MLP
    from adamlab.train import Trainer, EarlyStopping

    model = MLP(n_inputs=2, hidden=(16,), n_outputs=1, output="sigmoid",
                rng=np.random.default_rng(0))
    trainer = Trainer(model, optimizer="adam", lr=1e-2, batch_size=32, seed=0)
    trainer.fit(X, y, epochs=100, val_fraction=0.2, callbacks=[EarlyStopping(patience=10)])
    trainer.history["val_loss"]

Everything random comes from generators seeded by ``seed`` (the validation split, the shuffling
order, dropout masks), and everything that changes during training (weights, optimizer state,
schedule position, generator states, position within the epoch, history) is written by
``save_checkpoint``, so a run stopped at any step and resumed with ``Trainer.from_checkpoint``
reaches bit-identical weights.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from adamlab.optim import (
    OPTIMIZERS,
    LRScheduler,
    Optimizer,
    ReduceLROnPlateau,
    clip_grad_norm_,
    make_optimizer,
    make_schedule,
)
from adamlab.train import checkpoint as ckpt
from adamlab.train import schema, threads
from adamlab.train.callbacks import Callback
from adamlab.train.history import History

_CLASSES = {spec.cls.__name__: spec.cls for spec in OPTIMIZERS.values()}


class DivergenceError(RuntimeError):
    """Training produced a non-finite loss or gradient; the last finite weights were restored."""

    def __init__(self, message: str, epoch: int, step: int, history: History) -> None:
        super().__init__(message)
        self.epoch, self.step, self.history = epoch, step, history


def class_weights(y: np.ndarray, n_classes: int, spec: str | Mapping[Any, float] | None,
                  classes: Sequence[Any] | None = None) -> np.ndarray | None:
    """Per-class weights: "balanced" gives n / (K·n_c) (scikit-learn's rule); a mapping is
    keyed by class code or by the original label in ``classes``."""
    if spec is None:
        return None
    if isinstance(spec, str):
        if spec != "balanced":
            raise ValueError(f"class_weight must be 'balanced' or a mapping, got {spec!r}")
        counts = np.bincount(y, minlength=n_classes).astype(float)
        with np.errstate(divide="ignore"):
            w = len(y) / (n_classes * counts)
        w[counts == 0] = 0.0
        return w
    w = np.ones(n_classes)
    labels = list(classes) if classes is not None else list(range(n_classes))
    for key, value in spec.items():
        if key in labels:
            code = labels.index(key)
        elif isinstance(key, (int, np.integer)) and 0 <= key < n_classes:
            code = int(key)
        else:
            raise ValueError(
                f"class_weight has a key {key!r} that is not a class; classes: {labels}")
        if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
            raise ValueError(f"class_weight[{key!r}] must be a finite number >= 0, got {value!r}")
        w[code] = value
    return w


class Trainer:
    """Trains an ``adamlab.nn.MLP`` with any optimizer of ``adamlab.optim``.

    Parameters: ``optimizer`` (a registry name such as "adam", or an ``Optimizer`` built over
    ``[model.params]``), ``lr`` (None: the optimizer's default), ``optimizer_args`` (its other
    arguments: betas, eps, weight_decay, momentum, eps_hat, …), ``schedule`` ("constant",
    "step", "exponential", "cosine", "plateau"), ``warmup`` (cosine only), ``clip_norm`` (global
    gradient-norm clipping), ``l2`` (penalty ½·l2·ΣW² added to the loss), ``batch_size`` (None:
    the whole training set), ``shuffle``, ``seed``, ``log_steps`` (also record every step),
    ``schedule_epochs`` (the run's length for the schedule; default: the first ``fit``'s epochs),
    ``l2_per_sample`` (scikit-learn's ``alpha``: each batch's penalty is ½·(l2/Σw_b)·ΣW², Σw_b its
    total sample weight, its size without weights; the smaller last batch weighs l2 more).
    """

    def __init__(
        self,
        model: Any,
        optimizer: str | Optimizer = "adam",
        lr: float | None = None,
        optimizer_args: Mapping[str, Any] | None = None,
        schedule: str = "constant",
        warmup: int = 0,
        clip_norm: float | None = None,
        l2: float = 0.0,
        batch_size: int | None = 32,
        shuffle: bool = True,
        seed: int = 0,
        log_steps: bool = False,
        schedule_epochs: int | None = None,
        l2_per_sample: bool = False,
    ) -> None:
        if batch_size is not None and (isinstance(batch_size, bool)
                                       or not isinstance(batch_size, int)
                                       or batch_size < 1):
            raise ValueError(f"batch_size must be an integer >= 1 or None, got {batch_size!r}")
        if clip_norm is not None and not (isinstance(clip_norm, (int, float)) and clip_norm > 0
                                          and math.isfinite(clip_norm)):
            raise ValueError(f"clip_norm must be a finite number > 0, got {clip_norm!r}")
        if not (isinstance(l2, (int, float)) and math.isfinite(l2) and l2 >= 0):
            raise ValueError(f"l2 must be a finite number >= 0, got {l2!r}")
        self.model = model
        self._task: str | None = None
        if isinstance(optimizer, Optimizer):
            self.optimizer = optimizer
        else:
            args = dict(optimizer_args or {})
            if lr is not None:
                args["lr"] = lr
            self.optimizer = make_optimizer(optimizer, [model.params], **args)
        if not any(p is model.params for p in self.optimizer.params):
            raise ValueError("the optimizer must be built over [model.params]")
        self.optimizer_name = optimizer if isinstance(optimizer, str) else type(optimizer).__name__
        self.schedule_name, self.warmup = schedule, warmup
        self.clip_norm, self.l2 = clip_norm, float(l2)
        self.l2_per_sample = bool(l2_per_sample)
        self.batch_size, self.shuffle, self.seed = batch_size, shuffle, int(seed)
        self.log_steps = log_steps
        self.history = History()
        self.epoch = 0  # completed epochs
        self.step_count = 0  # completed optimizer steps
        self.stop_training = False
        self._shuffle_rng = np.random.default_rng([self.seed, 2])
        self._dropout_rng = np.random.default_rng([self.seed, 3])
        self._scheduler: LRScheduler | None = None
        self._plateau: ReduceLROnPlateau | None = None
        self._schedule_epochs: int | None = schedule_epochs
        self._partial: dict[str, Any] | None = None  # position within an unfinished epoch
        self._data_sha: str | None = None
        self._last_good = np.empty_like(model.params)
        self._callbacks: Sequence[Callback] = ()
        #: JSON-able data saved with every checkpoint (e.g. the CLI's settings and preprocessing).
        self.extra: dict[str, Any] = {}
        self._callback_states: dict[str, tuple[dict[str, np.ndarray], dict[str, Any]]] = {}

    # ------------------------------------------------------------------ setup
    def _setup_schedule(self, total_epochs: int) -> None:
        if self._scheduler is not None or self._plateau is not None:
            return
        if self.schedule_name == "plateau":
            self._plateau = ReduceLROnPlateau(self.optimizer, factor=0.1, patience=5)
        else:
            length = self._schedule_epochs or total_epochs
            sched = make_schedule(self.schedule_name, length, warmup=self.warmup)
            self._scheduler = LRScheduler(self.optimizer, sched)
        self._schedule_epochs = self._schedule_epochs or total_epochs

    @property
    def lr(self) -> float:
        return float(self.optimizer.param_groups[0]["lr"])

    @property
    def epoch_in_progress(self) -> bool:
        """True when training stopped inside an epoch (a mid-epoch checkpoint, a divergence):
        the next ``fit`` finishes that epoch first."""
        return self._partial is not None

    @property
    def schedule_epochs(self) -> int | None:
        """The run length the learning-rate schedule was built for (set by the first ``fit``
        unless given; kept by checkpoints, so a resumed run follows the same schedule)."""
        return self._schedule_epochs

    @property
    def pending_callback_states(self) -> dict[str, tuple[dict[str, np.ndarray], dict[str, Any]]]:
        """The callback states a checkpoint holds, by class name (``AdamTrace``,
        ``EarlyStopping``, ...), as (arrays, metadata): the next ``fit`` gives each to its
        callback's ``load_state_dict``. A copy of the mapping; do not modify the arrays."""
        return dict(self._callback_states)

    @property
    def task(self) -> str:
        if self._task is None:  # cached: the hot loop asks every step
            out = self.model.get_config().get("output", "sigmoid")
            tasks = {"sigmoid": "binary", "softmax": "multiclass", "identity": "regression"}
            self._task = tasks[out]
        return self._task

    def _split(self, y: np.ndarray, val_fraction: float) -> tuple[np.ndarray, np.ndarray]:
        from adamlab.data import train_val_split

        rng = np.random.default_rng([self.seed, 1])
        stratify = self.task != "regression" and y.ndim == 1
        return train_val_split(np.empty((len(y), 0)), y, val_fraction, rng, stratify=stratify)

    # -------------------------------------------------------------- metrics
    def _correct(self, logits: np.ndarray, y: np.ndarray) -> int:
        task = self.task
        if task == "regression":
            return 0
        if task == "multiclass":
            return int(np.sum(np.argmax(logits, axis=1) == y))
        pred = logits > 0
        return int(np.sum(pred.reshape(y.shape) == (y > 0.5))) if y.ndim == 1 else int(
            np.sum(np.all(pred == (y > 0.5), axis=1)))

    def evaluate(self, X: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None,
                 chunk: int = 8192) -> dict[str, float]:
        """Loss (data loss + L2 penalty) and accuracy of the current weights, in chunks."""
        n = len(y)
        if n == 0:
            return {"loss": math.nan, "accuracy": math.nan}
        total, correct, wsum = 0.0, 0, 0.0
        for s in range(0, n, chunk):
            Xc = np.asarray(X[s:s + chunk], dtype=self.model.params.dtype)
            yc = y[s:s + chunk]
            swc = None if sample_weight is None else sample_weight[s:s + chunk]
            logits = self.model.forward(Xc, training=False)
            weight = float(len(yc) if swc is None else np.sum(swc))
            total += self.model.loss_fn.value(logits, yc, swc) * weight
            wsum += weight
            correct += self._correct(logits, yc)
        loss = total / wsum if wsum > 0 else math.nan
        loss += self._penalty(wsum)
        acc = correct / n if self.task != "regression" else math.nan
        return {"loss": loss, "accuracy": acc}

    def _penalty(self, total_weight: float) -> float:
        if self.l2 == 0:
            return 0.0
        l2 = self.l2 / total_weight if self.l2_per_sample else self.l2
        return 0.5 * l2 * float(sum(np.sum(W * W) for W in self.model.weights))

    def _batch_l2(self, m: int, swb: np.ndarray | None) -> float:
        """The L2 factor of one batch of ``m`` rows: ``l2``, or ``l2/Σw_b`` with
        ``l2_per_sample``."""
        if not self.l2_per_sample or self.l2 == 0:
            return self.l2
        return self.l2 / (m if swb is None else float(np.sum(swb)))

    # ----------------------------------------------------------------- fit
    def fit(
        self,
        X: np.ndarray,
        y: np.ndarray,
        epochs: int = 100,
        sample_weight: np.ndarray | None = None,
        class_weight: str | Mapping[Any, float] | None = None,
        classes: Sequence[Any] | None = None,
        validation_data: tuple | None = None,
        val_fraction: float = 0.0,
        callbacks: Sequence[Callback] = (),
        checkpoint_path: str | None = None,
        checkpoint_every: int = 0,
        checkpoint_every_steps: int = 0,
    ) -> History:
        """Train for ``epochs`` more epochs (an unfinished epoch from a checkpoint counts as one).

        ``validation_data`` is ``(X_val, y_val)`` or ``(X_val, y_val, sample_weight_val)``;
        otherwise ``val_fraction`` of the training data (stratified by class) is held out, the
        same samples for the same ``seed``.
        """
        if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 0:
            raise ValueError(f"epochs must be an integer >= 0, got {epochs!r}")
        X, y = self._check_data(X, y)
        self._check_same_data(X, y)
        n_classes = self.model.get_config()["n_outputs"] if self.task == "multiclass" else 2
        sw = None if sample_weight is None else np.asarray(sample_weight, dtype=float)
        if sw is not None and (sw.shape != (len(y),) or not np.all(np.isfinite(sw))
                               or np.any(sw < 0)):
            raise ValueError(f"sample_weight must be {len(y)} finite numbers >= 0")
        cw = class_weights(y.astype(int), n_classes, class_weight, classes) \
            if class_weight is not None and self.task != "regression" else None
        if cw is not None:
            sw = cw[y.astype(int)] * (1.0 if sw is None else sw)
        if validation_data is not None:
            Xtr, ytr, swtr = X, y, sw
            Xv, yv = self._check_data(*validation_data[:2])
            swv = None if len(validation_data) < 3 or validation_data[2] is None \
                else np.asarray(validation_data[2], dtype=float)
            if swv is not None and (swv.shape != (len(yv),) or not np.all(np.isfinite(swv))
                                    or np.any(swv < 0) or not np.sum(swv) > 0):
                raise ValueError(f"the validation sample weights must be {len(yv)} finite "
                                 "numbers >= 0, not all 0")
        elif val_fraction:
            if not (0 < val_fraction < 1):
                raise ValueError(f"val_fraction must be in (0, 1), got {val_fraction!r}")
            tr, va = self._split(y, val_fraction)
            Xtr, ytr, swtr = X[tr], y[tr], None if sw is None else sw[tr]
            Xv, yv, swv = X[va], y[va], None
        else:
            Xtr, ytr, swtr, Xv, yv, swv = X, y, sw, None, None, None

        self._setup_schedule(self.epoch + epochs)
        self.stop_training = False
        self._callbacks = list(callbacks)
        for cb in callbacks:
            cb.set_trainer(self)
            saved = self._callback_states.pop(type(cb).__name__, None)
            if saved is not None and hasattr(cb, "load_state_dict"):
                cb.load_state_dict(*saved)
        logs: dict[str, Any] = {"resumed": self._partial is not None or self.epoch > 0}
        for cb in callbacks:
            cb.on_train_begin(logs)
        target = self.epoch + epochs
        try:
            # Overflow is not an error here: the divergence guard checks every loss and gradient.
            # Small products run on one BLAS thread (adamlab.train.threads).
            with np.errstate(over="ignore", invalid="ignore"), threads.limited(
                    self._blas_threads(len(ytr))):
                self._train_epochs(target, Xtr, ytr, swtr, Xv, yv, swv, callbacks, checkpoint_path,
                                   checkpoint_every, checkpoint_every_steps)
        finally:
            for cb in callbacks:
                cb.on_train_end({"epoch": self.epoch})
        if checkpoint_path:
            self.save_checkpoint(checkpoint_path)
        return self.history

    def _blas_threads(self, n: int) -> int | None:
        dense = getattr(self.model, "dense", None)
        if dense is None:
            return None
        bs = n if self.batch_size is None else min(self.batch_size, n)
        return threads.blas_threads(bs, [(d.fan_in, d.fan_out) for d in dense])

    def _train_epochs(self, target, Xtr, ytr, swtr, Xv, yv, swv, callbacks, checkpoint_path,
                      checkpoint_every, checkpoint_every_steps) -> None:
        while self.epoch < target and not self.stop_training:
            row = self._run_epoch(Xtr, ytr, swtr, callbacks, checkpoint_path,
                                  checkpoint_every_steps)
            if Xv is not None:
                ev = self.evaluate(Xv, yv, swv)
                row["val_loss"], row["val_accuracy"] = ev["loss"], ev["accuracy"]
                if not math.isfinite(row["val_loss"]):
                    self._diverged("the validation loss", row["val_loss"])
            self.epoch += 1
            self.history.append_epoch(row)
            if self._plateau is not None:
                self._plateau.step(row["val_loss"] if Xv is not None else row["loss"])
            elif self._scheduler is not None:
                self._scheduler.step()
            for cb in callbacks:
                cb.on_epoch_end(self.epoch, dict(row))
            if checkpoint_path and checkpoint_every and self.epoch % checkpoint_every == 0:
                self.save_checkpoint(checkpoint_path)

    def _check_data(self, X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
        # Arrays, or lazy row readers (adamlab.data.Rows: shape, dtype, len, X[indices]) that
        # read a memory-mapped file batch by batch; anything else becomes an array.
        lazy = hasattr(X, "shape") and hasattr(X, "dtype") and hasattr(X, "__getitem__")
        X = X if isinstance(X, np.ndarray) or lazy else np.asarray(X)
        y = np.asarray(y)
        if X.ndim != 2:
            raise ValueError(f"X must be 2-D (samples, features), got shape {X.shape}")
        n_in = self.model.get_config()["n_inputs"]
        if X.shape[1] != n_in:
            raise ValueError(f"X has {X.shape[1]} features, the model expects {n_in}")
        if len(y) != len(X):
            raise ValueError(f"X has {len(X)} rows but y has {len(y)}")
        if len(y) == 0:
            raise ValueError("no training samples")
        return X, y

    def _check_same_data(self, X: np.ndarray, y: np.ndarray) -> None:
        import hashlib

        h = hashlib.sha256()
        h.update(str((X.shape, X.dtype.str)).encode())
        step = max(1, len(X) // 1024)  # a sample of rows: cheap, and enough to catch a mix-up
        h.update(memoryview(np.ascontiguousarray(X[::step])))  # memoryview: no copy
        h.update(memoryview(np.ascontiguousarray(y)))
        sha = h.hexdigest()
        if self._partial is not None and self._data_sha not in (None, sha):
            raise ValueError("this checkpoint was taken mid-epoch on different training data; "
                             "resume with the same data and settings")
        self._data_sha = sha

    def _run_epoch(
        self, X, y, sw, callbacks, checkpoint_path, checkpoint_every_steps
    ) -> dict[str, float]:
        model, params = self.model, self.model.params
        n = len(y)
        bs = n if self.batch_size is None else min(self.batch_size, n)
        if self._partial is None:
            perm = self._shuffle_rng.permutation(n) if self.shuffle else np.arange(n)
            self._partial = {"perm": perm, "batch": 0, "loss_sum": 0.0, "n_batches": 0,
                             "correct": 0, "grad_norm_sum": 0.0, "theta_start": params.copy(),
                             "seconds": 0.0}
            for cb in callbacks:
                cb.on_epoch_begin(self.epoch + 1, {"lr": self.lr})
        part = self._partial
        perm = part["perm"]
        n_batches = -(-n // bs)
        t0 = time.perf_counter()
        dtype = params.dtype
        # The targets are converted and checked once here, not per batch; each batch is then
        # gathered into the same two buffers and given to the model without further checks.
        t = model.loss_fn.targets(y, model.n_outputs, dtype)
        xbuf = np.empty((bs, X.shape[1]), dtype=dtype)
        tbuf = np.empty((bs, *t.shape[1:]), dtype=t.dtype)
        grads, step, dropout_rng = model.grads, self.optimizer.step, self._dropout_rng
        loss_fn, kernels = model.loss_fn, model.kernels
        direct = isinstance(X, np.ndarray) and X.dtype == dtype  # else: cast, or a row reader
        single = dtype == np.float32
        for b in range(part["batch"], n_batches):
            idx = perm[b * bs:(b + 1) * bs]
            m = len(idx)
            Xb, tb = xbuf[:m], tbuf[:m]
            if direct and kernels is not None:
                kernels.take_rows(X, t, idx, Xb, tb)  # the two takes below, compiled
            elif direct:
                X.take(idx, axis=0, out=Xb)
                t.take(idx, axis=0, out=tb)
            else:
                Xb[...] = X[idx]
                t.take(idx, axis=0, out=tb)
            swb = None if sw is None else sw[idx]
            loss = model.loss_and_grad_targets(Xb, tb, swb, self._batch_l2(m, swb), dropout_rng)
            if not math.isfinite(loss):
                self._diverged("the training loss", loss, b)
            gnorm = math.sqrt(float(np.dot(grads, grads)))  # ‖g‖ (np.sqrt of a scalar: slower)
            if single:
                gnorm = float(np.float32(gnorm))  # the float32 norm (sqrt rounds once: the same)
            if not math.isfinite(gnorm):
                self._diverged("the gradient norm", gnorm, b)
            correct = loss_fn.correct(model.last_logits, tb, kernels)
            if self.clip_norm is not None:
                clip_grad_norm_([grads], self.clip_norm)
            step([grads], previous=[self._last_good])  # keeps θ before the step, for _diverged
            self.step_count += 1
            part["batch"] = b + 1
            part["loss_sum"] += loss
            part["n_batches"] += 1
            part["correct"] += correct
            part["grad_norm_sum"] += gnorm
            if self.log_steps:
                self.history.append_step({"step": self.step_count, "epoch": self.epoch + 1,
                                          "loss": loss, "grad_norm": gnorm, "lr": self.lr})
            if callbacks:
                step_logs = {"loss": loss, "grad_norm": gnorm, "lr": self.lr, "batch": b + 1,
                             "batches": n_batches}
                for cb in callbacks:
                    cb.on_batch_end(self.step_count, step_logs)
            if (checkpoint_path and checkpoint_every_steps
                    and self.step_count % checkpoint_every_steps == 0):
                part["seconds"] += time.perf_counter() - t0
                t0 = time.perf_counter()
                self.save_checkpoint(checkpoint_path)
        part["seconds"] += time.perf_counter() - t0
        start = part["theta_start"]
        start_norm = float(np.linalg.norm(start))
        row = {
            "epoch": self.epoch + 1,
            "loss": part["loss_sum"] / max(part["n_batches"], 1),
            "accuracy": part["correct"] / n if self.task != "regression" else math.nan,
            "val_loss": math.nan,
            "val_accuracy": math.nan,
            "lr": self.lr,
            "grad_norm": part["grad_norm_sum"] / max(part["n_batches"], 1),
            "update_ratio": (float(np.linalg.norm(params - start)) / start_norm
                             if start_norm else math.nan),
            "time": part["seconds"],
        }
        self._partial = None
        return row

    def _diverged(self, what: str, value: float, batch: int | None = None) -> None:
        self.model.params[...] = self._last_good if self.step_count else self.model.params
        where = f"epoch {self.epoch + 1}" + (f", batch {batch + 1}" if batch is not None else "")
        lr = self.lr
        raise DivergenceError(
            f"training diverged at {where} (step {self.step_count + 1}): {what} is {value}; "
            f"the weights of the last finite step were restored. Try a smaller learning rate "
            f"(now {lr:g}; e.g. {lr / 10:g}) or gradient clipping (clip_norm=1.0).",
            epoch=self.epoch + 1, step=self.step_count + 1, history=self.history,
        )

    # ------------------------------------------------------------ checkpoints
    def state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """Everything needed to resume, as (arrays, JSON-able metadata)."""
        opt_arrays, opt_meta = ckpt.pack_state(self.optimizer.state_dict(), "optimizer")
        arrays = {"params": self.model.params.copy(), **opt_arrays}
        partial = None
        if self._partial is not None:
            p = self._partial
            arrays["partial.perm"] = p["perm"]
            arrays["partial.theta_start"] = p["theta_start"]
            partial = {k: p[k] for k in ("batch", "loss_sum", "n_batches", "correct",
                                         "grad_norm_sum", "seconds")}
        callbacks = {}
        for cb in self._callbacks:
            if hasattr(cb, "state_dict"):
                name = type(cb).__name__
                cb_arrays, callbacks[name] = cb.state_dict()
                if not isinstance(cb_arrays, dict) or not isinstance(callbacks[name], dict):
                    raise TypeError(f"{name}.state_dict() must return (dict of arrays, dict of "
                                    "JSON values) for a checkpoint; got "
                                    f"({type(cb_arrays).__name__}, "
                                    f"{type(callbacks[name]).__name__})")
                arrays.update({f"callback.{name}.{k}": v for k, v in cb_arrays.items()})
        meta = {
            "model": self.model.get_config(),
            "callbacks": callbacks,
            "dtype": np.dtype(self.model.params.dtype).name,
            "params_sha256": ckpt.fingerprint(self.model.params),
            "optimizer": {"name": self.optimizer_name, "class": type(self.optimizer).__name__,
                          **opt_meta},
            "trainer": {"schedule": self.schedule_name, "warmup": self.warmup,
                        "clip_norm": self.clip_norm, "l2": self.l2,
                        "l2_per_sample": self.l2_per_sample,
                        "batch_size": self.batch_size,
                        "shuffle": self.shuffle, "seed": self.seed, "log_steps": self.log_steps},
            "schedule_state": {"epochs": self._schedule_epochs,
                               "lr_scheduler": (None if self._scheduler is None
                                                else self._scheduler.state_dict()),
                               "plateau": (None if self._plateau is None
                                           else self._plateau.state_dict())},
            "epoch": self.epoch,
            "step": self.step_count,
            "rng": {"shuffle": self._shuffle_rng.bit_generator.state,
                    "dropout": self._dropout_rng.bit_generator.state},
            "partial": partial,
            "data_sha256": self._data_sha,
            "history": self.history.to_dict(),
            "extra": self.extra,
        }
        return arrays, meta

    def save_checkpoint(self, path: str) -> None:
        """Write the whole training state (and ``extra``) to ``path`` atomically."""
        arrays, meta = self.state()
        ckpt.save(path, arrays, meta)

    @classmethod
    def from_checkpoint(cls, path: str) -> Trainer:
        """Rebuild model, optimizer, schedule, generators, position and history from ``path``."""
        from adamlab.nn import MLP

        arrays, meta = ckpt.load(path)
        try:
            return cls._from_state(MLP, arrays, meta)
        except ckpt.CheckpointError as e:
            raise ckpt.CheckpointError(f"{path}: {e}") from None
        except (KeyError, TypeError, ValueError, IndexError) as e:
            raise ckpt.CheckpointError(f"{path}: inconsistent checkpoint ({e})") from None

    @classmethod
    def from_state(cls, arrays: Mapping[str, np.ndarray], meta: Mapping[str, Any]) -> Trainer:
        """The inverse of ``state()``: a trainer that continues exactly where that one was."""
        from adamlab.nn import MLP

        try:
            return cls._from_state(MLP, arrays, meta)
        except ckpt.CheckpointError:
            raise
        except (KeyError, TypeError, ValueError, IndexError) as e:
            raise ckpt.CheckpointError(f"inconsistent trainer state ({e})") from None

    @classmethod
    def _from_state(
        cls, MLP: Any, arrays: Mapping[str, np.ndarray], meta: Mapping[str, Any]
    ) -> Trainer:
        schema.check_meta(meta)
        dtype = np.dtype(meta["dtype"])
        if dtype not in (np.float32, np.float64):
            raise ckpt.CheckpointError(f"unsupported dtype {dtype}")
        schema.check_arrays(arrays, dtype, partial=meta["partial"] is not None)
        cfg = meta["model"]
        sizes = [int(cfg["n_inputs"]), *map(int, cfg.get("hidden", [])),
                 int(cfg.get("n_outputs", 1))]
        declared = sum(a * b + b for a, b in zip(sizes, sizes[1:], strict=False))
        if min(sizes) < 1 or arrays["params"].shape != (declared,):  # before building: a tiny
            raise ValueError(  # file can declare a 7 GB model
                f"params has shape {arrays['params'].shape}, "
                f"the declared model needs ({declared},)")
        model = MLP.from_config(cfg, dtype=dtype)
        if arrays["params"].shape != model.params.shape:
            raise ckpt.CheckpointError(
                f"params has shape {arrays['params'].shape}, the model needs {model.params.shape}")
        model.params[...] = arrays["params"]
        om = meta["optimizer"]
        opt_cls = _CLASSES.get(om["class"])
        if opt_cls is None:
            raise ckpt.CheckpointError(f"unknown optimizer class {om['class']!r}")
        optimizer = opt_cls([model.params])
        optimizer.load_state_dict(ckpt.unpack_state(arrays, om, "optimizer"))
        t = meta["trainer"]
        trainer = cls(model, optimizer, schedule=t["schedule"], warmup=t["warmup"],
                      clip_norm=t["clip_norm"], l2=t["l2"], batch_size=t["batch_size"],
                      shuffle=t["shuffle"], seed=t["seed"], log_steps=t["log_steps"],
                      l2_per_sample=bool(t.get("l2_per_sample", False)))
        trainer.optimizer_name = om["name"]
        trainer.epoch, trainer.step_count = meta["epoch"], meta["step"]  # checked: ints >= 0
        trainer._shuffle_rng.bit_generator.state = meta["rng"]["shuffle"]
        trainer._dropout_rng.bit_generator.state = meta["rng"]["dropout"]
        trainer.history = History.from_dict(meta["history"])
        trainer._data_sha = meta.get("data_sha256")
        trainer.extra = dict(meta.get("extra") or {})
        ss = meta["schedule_state"]
        if ss["epochs"] is not None:
            saved_lrs = [g["lr"] for g in optimizer.param_groups]
            trainer._setup_schedule(ss["epochs"])
            if ss["lr_scheduler"] is not None:
                trainer._scheduler.load_state_dict(ss["lr_scheduler"])
            if ss["plateau"] is not None:
                trainer._plateau.load_state_dict(ss["plateau"])
            for g, lr in zip(optimizer.param_groups, saved_lrs, strict=True):
                g["lr"] = lr
        for name, cb_meta in meta.get("callbacks", {}).items():
            prefix = f"callback.{name}."
            cb_arrays = {k[len(prefix):]: v for k, v in arrays.items() if k.startswith(prefix)}
            trainer._callback_states[name] = (cb_arrays, cb_meta)
        if meta["partial"] is not None:
            trainer._partial = {**meta["partial"], "perm": arrays["partial.perm"],
                                "theta_start": arrays["partial.theta_start"]}
        return trainer
