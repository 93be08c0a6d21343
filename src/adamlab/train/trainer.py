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
``save_checkpoint`` (``adamlab.train.state``), so a run stopped at any step and resumed with
``Trainer.from_checkpoint`` reaches bit-identical weights.

Beside the loop: ``inputs`` (the data checked once, the validation part, the batch size),
``weights`` (sample and class weights), ``metrics`` (loss, accuracy, the epoch's row),
``modes`` (evaluation weights), ``state`` (checkpoints) and ``adamlab.optim.schedules`` (the
learning-rate rule, stepped once per epoch with the epoch's metric).
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any

import numpy as np

from adamlab.optim import (
    Optimizer,
    Scheduler,
    build_optimizer,
    clip_grad_norm_,
    get_schedule_spec,
    make_scheduler,
)
from adamlab.train import checkpoint as ckpt
from adamlab.train import guard, metrics, modes, state, threads
from adamlab.train.callbacks import Callback
from adamlab.train.guard import DivergenceError
from adamlab.train.history import History
from adamlab.train.inputs import (
    batch_size_for,
    check_data,
    check_settings,
    data_fingerprint,
    fit_data,
    gather,
)
from adamlab.train.layout import views_like


class Trainer:
    """Trains an ``adamlab.nn.MLP`` with any optimizer of ``adamlab.optim``.

    Parameters: ``optimizer`` (a registry name such as "adam", built over the model's weights
    and biases groups by ``adamlab.optim.build_optimizer``; or an optimizer built over
    ``model.named_parameters()`` views or ``[model.params]``), ``lr`` (None: the optimizer's
    default), ``optimizer_args`` (its other arguments: betas, eps, weight_decay, momentum,
    eps_hat, …), ``decay_biases`` (weight decay on the biases too; default: weights only),
    ``schedule`` (a name of ``adamlab.optim.SCHEDULES``), ``warmup`` (cosine only),
    ``clip_norm`` (global gradient-norm clipping), ``l2`` (penalty ½·l2·ΣW² added to the loss),
    ``batch_size`` (None: the whole training set), ``shuffle``, ``seed``, ``log_steps`` (also
    record every step), ``schedule_epochs`` (the run's length for the schedule; default: the
    first ``fit``'s epochs), ``l2_per_sample`` (scikit-learn's ``alpha``: each batch's penalty
    is ½·(l2/Σw_b)·ΣW², Σw_b its total sample weight, its size without weights),
    ``explosion`` (a batch loss this many times above where training started is divergence,
    ``adamlab.train.guard``; None: only a non-finite loss or gradient is).
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
        decay_biases: bool = False,
        explosion: float | None = guard.EXPLOSION,
    ) -> None:
        check_settings(batch_size, clip_norm, l2)
        get_schedule_spec(schedule, warmup)  # an unknown name fails now, not at fit
        self.batch_size = batch_size
        self.model = model
        self.decay_biases = bool(decay_biases)
        if isinstance(optimizer, str):
            args = dict(optimizer_args or {})
            if lr is not None:
                args["lr"] = lr
            self.optimizer = build_optimizer(optimizer, model.named_parameters(),
                                             decay_biases=self.decay_biases, **args)
        else:
            self.optimizer = optimizer
        self.optimizer_name = optimizer if isinstance(optimizer, str) else type(optimizer).__name__
        # The gradients and the last good weights as views matching optimizer.params, built
        # once: the optimizer steps adjacent views in one pass (raises for a foreign array).
        self._grads = model.gradients_for(self.optimizer.params)
        self._last_good = np.empty_like(model.params)
        self._previous = views_like(model, self.optimizer.params, self._last_good)
        self._stepped = False  # whether _last_good holds weights of this process's steps
        self.schedule_name, self.warmup = schedule, warmup
        self.clip_norm, self.l2 = clip_norm, float(l2)
        self.l2_per_sample = bool(l2_per_sample)
        self.shuffle, self.seed = shuffle, int(seed)
        self.log_steps = log_steps
        self.explosion = None if explosion is None else float(explosion)
        self.loss_start: float | None = None  # the first step's loss (the guard's reference)
        self._loss_floor = 0.0  # max_i ℓ_i(z = 0) of the training targets, set by fit
        self.history = History()
        self.epoch = 0  # completed epochs
        self.step_count = 0  # completed optimizer steps
        self.stop_training = False
        self._shuffle_rng = np.random.default_rng([self.seed, 2])
        self._dropout_rng = np.random.default_rng([self.seed, 3])
        self._scheduler: Scheduler | None = None
        self._schedule_epochs: int | None = schedule_epochs
        self._position: state.EpochPosition | None = None  # within an unfinished epoch
        self._data_sha: str | None = None
        self._callbacks: Sequence[Callback] = ()
        #: JSON-able data saved with every checkpoint (e.g. the CLI's settings and preprocessing).
        self.extra: dict[str, Any] = {}
        self._callback_states: dict[str, tuple[dict[str, np.ndarray], dict[str, Any]]] = {}

    def settings(self) -> dict[str, Any]:
        """The constructor's arguments a checkpoint keeps (JSON-able)."""
        return state.settings_of(self)

    def _setup_schedule(self, total_epochs: int) -> None:
        if self._scheduler is None:
            self._schedule_epochs = self._schedule_epochs or total_epochs
            self._scheduler = make_scheduler(self.schedule_name, self.optimizer,
                                             self._schedule_epochs, warmup=self.warmup)

    @property
    def lr(self) -> float:
        return float(self.optimizer.param_groups[0]["lr"])

    @property
    def task(self) -> str:
        """"binary", "multiclass" or "regression": what the model's head is for."""
        return self.model.loss_fn.task

    @property
    def epoch_in_progress(self) -> bool:
        """True when training stopped inside an epoch: the next ``fit`` finishes it first."""
        return self._position is not None

    @property
    def position(self) -> state.EpochPosition | None:
        """Where the unfinished epoch stands (None between epochs)."""
        return self._position

    @property
    def schedule_epochs(self) -> int | None:
        """The run length the schedule was built for (the first ``fit``'s; checkpoints keep it)."""
        return self._schedule_epochs

    @property
    def pending_callback_states(self) -> dict[str, tuple[dict[str, np.ndarray], dict[str, Any]]]:
        """The callback states a checkpoint holds, by class name, as (arrays, metadata): the
        next ``fit`` gives each to its callback's ``load_state_dict`` (a copy of the mapping)."""
        return dict(self._callback_states)

    @property
    def previous_params(self) -> tuple[np.ndarray, ...]:
        """The parameters before the last step (the guard's copy), as ``optimizer.params``."""
        return self._previous

    # ------------------------------------------------------------ evaluation
    def evaluation_weights(self) -> AbstractContextManager[None]:
        """``with trainer.evaluation_weights():`` the model holds its evaluation weights (an
        optimizer's eval mode: schedule-free's average), the trained ones back after it, bit
        for bit (``adamlab.train.modes``)."""
        return modes.evaluation_weights(self.optimizer, self.model.params)

    def use_weights(self, weights: np.ndarray) -> None:
        """Make ``weights`` the model's evaluation weights (early stopping's best)."""
        modes.use_weights(self.optimizer, self.model.params, weights)

    def evaluate(self, X: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None,
                 chunk: int = 8192) -> dict[str, float]:
        """Loss (data loss + L2 penalty) and accuracy of the evaluation weights, in chunks."""
        with self.evaluation_weights():
            return metrics.evaluate(self.model, X, y, sample_weight, self.l2, self.l2_per_sample,
                                    chunk)

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
        X, y = check_data(X, y, self.model.n_inputs)
        self._check_same_data(X, y)
        train, val = fit_data(self.model, X, y, sample_weight, class_weight, classes,
                              validation_data, val_fraction, self.seed)
        if self.explosion is not None:
            m = self.model
            self._loss_floor = guard.zero_output_loss(
                m.loss_fn, m.loss_fn.targets(train[1], m.n_outputs, m.params.dtype), m.n_outputs,
                m.params.dtype)

        self._setup_schedule(self.epoch + epochs)
        self.stop_training = False
        self.optimizer.train()  # after use_weights (early stopping's best): train from them
        self._callbacks = list(callbacks)
        for cb in callbacks:
            cb.set_trainer(self)
            state.give_state(cb, self._callback_states)
        logs: dict[str, Any] = {"resumed": self._position is not None or self.epoch > 0}
        for cb in callbacks:
            cb.on_train_begin(logs)
        target = self.epoch + epochs
        try:
            # Overflow is not an error here: the divergence guard checks every loss and gradient.
            # Small products run on one BLAS thread (adamlab.train.threads).
            with np.errstate(over="ignore", invalid="ignore"), threads.limited(
                    self._blas_threads(len(train[1]))):
                while self.epoch < target and not self.stop_training:
                    self._epoch(train, val, callbacks, checkpoint_path, checkpoint_every,
                                checkpoint_every_steps)
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
        return threads.blas_threads(batch_size_for(self.batch_size, n),
                                    [(d.fan_in, d.fan_out) for d in dense])

    def _check_same_data(self, X: np.ndarray, y: np.ndarray) -> None:
        sha = data_fingerprint(X, y)
        if self._position is not None and self._data_sha not in (None, sha):
            raise ValueError("this checkpoint was taken mid-epoch on different training data; "
                             "resume with the same data and settings")
        self._data_sha = sha

    def _epoch(self, train, val, callbacks, checkpoint_path, checkpoint_every,
               checkpoint_every_steps) -> None:
        """One epoch (or the rest of one): its steps, validation, history row, schedule step."""
        row = self._run_epoch(*train, callbacks, checkpoint_path, checkpoint_every_steps)
        if val is not None:
            ev = self.evaluate(*val)
            row["val_loss"], row["val_accuracy"] = ev["loss"], ev["accuracy"]
            if not math.isfinite(row["val_loss"]):
                self._diverged("the validation loss", row["val_loss"])
        self.epoch += 1
        self.history.append_epoch(row)
        self._scheduler.step(row["val_loss"] if val is not None else row["loss"])
        for cb in callbacks:
            cb.on_epoch_end(self.epoch, dict(row))
        if checkpoint_path and checkpoint_every and self.epoch % checkpoint_every == 0:
            self.save_checkpoint(checkpoint_path)

    def _run_epoch(
        self, X, y, sw, callbacks, checkpoint_path, checkpoint_every_steps
    ) -> dict[str, float]:
        model, params = self.model, self.model.params
        n = len(y)
        bs = batch_size_for(self.batch_size, n)
        if self._position is None:
            perm = self._shuffle_rng.permutation(n) if self.shuffle else np.arange(n)
            self._position = state.EpochPosition(perm, params.copy())
            for cb in callbacks:
                cb.on_epoch_begin(self.epoch + 1, {"lr": self.lr})
        pos = self._position
        perm = pos.perm
        n_batches = -(-n // bs)
        t0 = time.perf_counter()
        dtype = params.dtype
        # The targets are converted and checked once here, not per batch; each batch is then
        # gathered into the same two buffers and given to the model without further checks.
        t = model.loss_fn.targets(y, model.n_outputs, dtype)
        xbuf = np.empty((bs, X.shape[1]), dtype=dtype)
        tbuf = np.empty((bs, *t.shape[1:]), dtype=t.dtype)
        grads, step, dropout_rng = model.grads, self.optimizer.step, self._dropout_rng
        step_grads, previous = self._grads, self._previous
        loss_fn, kernels = model.loss_fn, model.kernels
        direct = isinstance(X, np.ndarray) and X.dtype == dtype  # else: cast, or a row reader
        single = dtype == np.float32
        limit = guard.limit(self.explosion, self.loss_start, self._loss_floor)
        for b in range(pos.batch, n_batches):
            idx = perm[b * bs:(b + 1) * bs]
            m = len(idx)
            Xb, tb = xbuf[:m], tbuf[:m]
            gather(X, t, idx, Xb, tb, direct, kernels)
            swb = None if sw is None else sw[idx]
            l2 = metrics.batch_l2(self.l2, self.l2_per_sample, m, swb)
            loss = model.loss_and_grad_targets(Xb, tb, swb, l2, dropout_rng)
            if not math.isfinite(loss):
                self._diverged("the training loss", loss, b)
            if self.loss_start is None:
                self.loss_start = loss
                limit = guard.limit(self.explosion, loss, self._loss_floor)
            if loss > limit:
                self._diverged("the training loss", loss, b, exploded=True)
            gnorm = math.sqrt(float(np.dot(grads, grads)))  # ‖g‖ (np.sqrt of a scalar: slower)
            if single:
                gnorm = float(np.float32(gnorm))  # the float32 norm (sqrt rounds once: the same)
            if not math.isfinite(gnorm):
                self._diverged("the gradient norm", gnorm, b)
            correct = loss_fn.correct(model.last_logits, tb, kernels)
            if self.clip_norm is not None:
                clip_grad_norm_([grads], self.clip_norm)
            step(step_grads, previous=previous)  # keeps θ before the step, for _diverged
            self._stepped = True
            self.step_count += 1
            pos.add(loss, correct, gnorm)
            if self.log_steps:
                self.history.append_step({"step": self.step_count, "epoch": self.epoch + 1,
                                          "loss": loss, "grad_norm": gnorm, "lr": self.lr})
            if callbacks:
                step_logs = {"loss": loss, "grad_norm": gnorm, "lr": self.lr, "batch": b + 1,
                             "batches": n_batches, "size": m}
                for cb in callbacks:
                    cb.on_batch_end(self.step_count, step_logs)
            if (checkpoint_path and checkpoint_every_steps
                    and self.step_count % checkpoint_every_steps == 0):
                t0 = pos.clock(t0)  # the epoch's seconds so far, in the checkpoint
                self.save_checkpoint(checkpoint_path)
        pos.clock(t0)
        row = metrics.epoch_row(self.epoch + 1, pos, params, n, loss_fn.classifies, self.lr)
        self._position = None
        return row

    def _diverged(self, what: str, value: float, batch: int | None = None,
                  exploded: bool = False) -> None:
        ratio = math.nan
        if self._stepped:  # the weights before the last step, which made them non-finite
            if exploded:  # how far that step moved them: the advice's scale
                ratio = guard.step_ratio(self.optimizer.params, self._previous)
            for p, kept in zip(self.optimizer.params, self._previous, strict=True):
                p[...] = kept
        where = f"epoch {self.epoch + 1}" + (f", batch {batch + 1}" if batch is not None else "")
        lr = self.lr
        said = (guard.explosion_detail(value, self.explosion, self.loss_start, self._loss_floor)
                if exploded else f"{what} is {value}")
        raise DivergenceError(
            guard.message(where, self.step_count + 1, said, lr, exploded, ratio),
            epoch=self.epoch + 1, step=self.step_count + 1, history=self.history,
        )

    # ------------------------------------------------------------ checkpoints
    def state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """Everything needed to resume, as (arrays, JSON-able metadata)."""
        return state.snapshot(self)

    def save_checkpoint(self, path: str) -> None:
        """Write the whole training state (and ``extra``) to ``path`` atomically."""
        arrays, meta = self.state()
        ckpt.save(path, arrays, meta)

    @classmethod
    def from_checkpoint(cls, path: str) -> Trainer:
        """Rebuild model, optimizer, schedule, generators, position and history from ``path``."""
        return state.load(cls, path)

    @classmethod
    def from_state(cls, arrays: Mapping[str, np.ndarray], meta: Mapping[str, Any]) -> Trainer:
        """The inverse of ``state()``: a trainer that continues exactly where that one was."""
        return state.restore(cls, arrays, meta, where="inconsistent trainer state")
