"""The training loop of one population: ``Trainer.fit``'s epochs, for K members at once.

Every member is a prepared single run (``experiment.prepare``: its data, split, scaling,
initial weights and optimizer), and keeps everything of its own: its shuffling generator
(``default_rng([seed, 2])``, one permutation per epoch, as the trainer draws it), its
learning-rate scheduler (the real one, stepped with its own metric), its early stopping (the
real ``EarlyStopping`` callback) and its history. Per step, as ``Trainer._run_epoch``::

    loss, ∇ = forward/backward of every member on its own batch     (StackedMLP)
    a member whose loss or gradient norm is not finite diverges: its weights before the last
    step are restored and it leaves the population; the others go on, untouched
    θ_prev ← θ; every kind of optimizer steps its members           (Kind.step)

At an epoch's end each member gets its history row (``train.metrics.epoch_row``), its
validation loss, its schedule step and its early-stopping check; members that are done leave
the stack (their rows are dropped, so the rest runs on fewer). The columns ``time`` and the
result's ``seconds`` are the population's wall time shared equally among its live members.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np

from adamlab.experiment import Prepared, summarize
from adamlab.optim.schedules import make_scheduler
from adamlab.population.batches import Batches
from adamlab.population.kinds import Alone, Kind, matches, member_key
from adamlab.population.stack import StackedMLP, row_norms
from adamlab.train import EarlyStopping, History, guard, metrics, threads
from adamlab.train.inputs import batch_size_for
from adamlab.train.state import EpochPosition

__all__ = ["Member", "train_population"]


class Member:
    """One run of the population: its prepared pieces and what happens to it."""

    def __init__(self, index: int, prepared: Prepared, seconds: float) -> None:
        self.index, self.p = index, prepared
        s = prepared.settings
        self.optimizer = prepared.trainer.optimizer
        self.scheduler = make_scheduler(s.schedule, self.optimizer, s.epochs, warmup=s.warmup)
        self.rng = np.random.default_rng([s.seed, 2])  # the trainer's shuffling generator
        self.history = History()
        self.epochs, self.steps, self.target = 0, 0, s.epochs
        self.status, self.error = "ok", None
        self.stop_training = False
        self.early = None
        if s.early_stopping is not None:
            self.early = EarlyStopping(monitor=prepared._monitor(), patience=s.early_stopping)
            self.early.set_trainer(_EarlyStoppingView(self))
            self.early.on_train_begin({"resumed": False})
        self.row: np.ndarray | None = None  # the member's weights while in the stack
        self.restored: np.ndarray | None = None  # the weights a divergence left
        # the divergence guard's limit (train.guard): inf until the first step's loss is known
        self.explosion, self.loss_start, self.floor = prepared.trainer.explosion, None, 0.0
        self.limit = math.inf
        self.seconds = seconds

    @property
    def lr(self) -> float:
        return float(self.optimizer.param_groups[0]["lr"])

    def key(self) -> tuple:
        return member_key(self.optimizer, self.p.model.params)

    def finish(self, weights: np.ndarray) -> dict[str, Any]:
        """The result ``experiment.run`` gives for this run."""
        if self.restored is not None:
            weights = self.restored
        if self.early is not None:
            self.early.on_train_end({"epoch": self.epochs})  # best weights, if kept
            weights = self.row if self.row is not None else weights
        self.p.model.params[...] = weights
        trainer = self.p.trainer
        trainer.history, trainer.epoch, trainer.step_count = self.history, self.epochs, self.steps
        out = summarize(self.p)
        out.update(status=self.status, error=self.error, settings=self.p.settings.to_dict(),
                   seconds=self.seconds, history=self.history.to_dict()["epochs"])
        return out

    def diverged(self, what: str, value: float, batch: int | None, exploded: bool = False,
                 ratio: float = math.nan) -> None:
        """``Trainer._diverged``'s message (the weights are restored by the caller)."""
        where = f"epoch {self.epochs + 1}" + (f", batch {batch + 1}" if batch is not None else "")
        said = (guard.explosion_detail(value, self.explosion, self.loss_start, self.floor)
                if exploded else f"{what} is {value}")
        self.status = "diverged"
        self.error = guard.message(where, self.steps + 1, said, self.lr, exploded, ratio)


class _EarlyStoppingView:
    """What ``EarlyStopping`` asks of a trainer, for one member (its weights: ``row``)."""

    def __init__(self, member: Member) -> None:
        self.member = member

    @property
    def model(self) -> Any:
        return self

    @property
    def params(self) -> np.ndarray:
        return self.member.row

    @property
    def stop_training(self) -> bool:
        return self.member.stop_training

    @stop_training.setter
    def stop_training(self, value: bool) -> None:
        self.member.stop_training = value

    def evaluation_weights(self) -> Any:
        import contextlib

        return contextlib.nullcontext()

    def use_weights(self, weights: np.ndarray) -> None:
        self.member.row = weights.copy()


def train_population(members: list[Member], kernels: Any, limit_threads: bool = True,
                     on_step: Any = None) -> dict[int, dict[str, Any]]:
    """Train the members (same architecture, data shapes and batch size) to their ends;
    results by member index. ``limit_threads``: run small products on one BLAS thread, as a
    single run does (False: the caller has set the BLAS threads). ``on_step(step, members,
    loss, alive)``, if given, is called before each step with the batch losses (it may set the
    members' learning rates for that step, or raise to end the training: the learning-rate
    range test)."""
    members = sorted(members, key=lambda m: repr(m.key()))  # each kind on adjacent rows
    first = members[0].p
    model, dtype = first.model, first.model.dtype
    loss_fn = model.loss_fn
    stack = StackedMLP(model, np.stack([m.p.model.params for m in members]), kernels)
    T = np.stack([loss_fn.targets(m.p.y_train, model.n_outputs, dtype) for m in members])
    n = T.shape[1]
    bs = batch_size_for(first.trainer.batch_size, n)
    n_batches = -(-n // bs)
    has_val = first.X_val is not None
    if has_val:
        Xv = np.stack([m.p.X_val for m in members])
        Tv = np.stack([loss_fn.targets(m.p.y_val, model.n_outputs, dtype) for m in members])
    for k, m in enumerate(members):
        if m.explosion is not None:  # the trainer's floor: the worst row with zero outputs
            m.floor = guard.zero_output_loss(loss_fn, T[k], model.n_outputs, dtype)
    batches = Batches(np.stack([m.p.X_train for m in members]), T, bs)
    del T
    kinds = _kinds(members, dtype)
    prev = np.empty_like(stack.params)
    results: dict[int, dict[str, Any]] = {}
    step = 0
    small = threads.blas_threads(bs, stack.layout.shapes) if limit_threads else None
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"), \
            threads.limited(small):
        while members:
            t0 = time.perf_counter()
            K = len(members)
            perm = np.empty((K, n), dtype=np.int64)
            perm[:] = np.arange(n)
            for k, m in enumerate(members):  # m.rng.permutation(n): arange(n), shuffled
                m.rng.shuffle(perm[k])
            batches.epoch(perm)
            theta_start = stack.params.copy()
            alive = np.ones(K, dtype=bool)
            loss_sum, gn_sum = np.zeros(K), np.zeros(K)
            correct = np.zeros(K, dtype=np.int64)
            limits = np.array([m.limit for m in members])
            for b in range(n_batches):
                xb, tb = batches.batch(b)
                loss = np.asarray(stack.loss_and_grad(xb, tb), dtype=np.float64)
                gn = stack.grad_norms()
                finite = np.isfinite(loss + gn)  # both are ≥ 0: the sum is finite iff both are
                for k in ([] if finite.all() else np.flatnonzero(alive & ~finite)):
                    what, value = (("the training loss", loss[k]) if not math.isfinite(loss[k])
                                   else ("the gradient norm", gn[k]))
                    members[k].steps = step
                    members[k].diverged(what, float(value), b)
                    _restore(members[k], stack.params[k], prev[k], step)
                    alive[k] = False
                if step == 0:  # the first step's loss: the guard's reference, as the trainer's
                    for k in np.flatnonzero(alive):
                        m = members[k]
                        m.loss_start = float(loss[k])
                        m.limit = limits[k] = guard.limit(m.explosion, m.loss_start, m.floor)
                for k in np.flatnonzero(alive & (loss > limits)):  # finite, but exploded
                    ratio = guard.step_ratio([stack.params[k]], [prev[k]]) if step else math.nan
                    members[k].steps = step
                    members[k].diverged("the training loss", float(loss[k]), b, True, ratio)
                    _restore(members[k], stack.params[k], prev[k], step)
                    alive[k] = False
                correct += stack.correct(stack.logits, tb)
                if on_step is not None:
                    on_step(step, members, loss, alive)
                    for kind in kinds:
                        kind.refresh()
                np.copyto(prev, stack.params)  # θ before the step, to undo a divergence
                step += 1
                for kind in kinds:
                    kind.step(stack.params, stack.grads, step)
                loss_sum += loss
                gn_sum += gn
            if has_val:
                val_loss, val_acc = stack.evaluate(Xv, Tv)
                val_loss, val_acc = val_loss.tolist(), val_acc.tolist()
            # every member's ‖θ_end − θ_start‖ and ‖θ_start‖ at once, as np.linalg.norm's
            moved = row_norms(stack.params - theta_start).tolist()
            start_norm = row_norms(theta_start).tolist()
            sums = zip(correct.tolist(), loss_sum.tolist(), gn_sum.tolist(), strict=True)
            share = (time.perf_counter() - t0) / K
            for k, (m, (n_correct, l_sum, g_sum)) in enumerate(zip(members, sums, strict=True)):
                m.seconds += share
                if not alive[k]:
                    continue
                pos = EpochPosition(perm[k], theta_start[k], batch=n_batches,
                                    n_batches=n_batches, correct=n_correct, loss_sum=l_sum,
                                    grad_norm_sum=g_sum, seconds=share)
                row = metrics.epoch_row(m.epochs + 1, pos, stack.params[k], n,
                                        loss_fn.classifies, m.lr, (moved[k], start_norm[k]))
                if has_val:
                    row["val_loss"], row["val_accuracy"] = val_loss[k], val_acc[k]
                    if not math.isfinite(row["val_loss"]):
                        m.steps = step
                        m.diverged("the validation loss", row["val_loss"], None)
                        _restore(m, stack.params[k], prev[k], step)
                        alive[k] = False
                        continue
                m.epochs += 1
                m.history.append_epoch(row)
                m.scheduler.step(row["val_loss"] if has_val else row["loss"])
                if m.early is not None:
                    m.row = stack.params[k]
                    m.early.on_epoch_end(m.epochs, dict(row))
                    m.row = None
            done = [k for k, m in enumerate(members)
                    if not alive[k] or m.stop_training or m.epochs >= m.target]
            for k in done:
                if alive[k]:
                    members[k].steps = step
                results[members[k].index] = members[k].finish(stack.params[k].copy())
            if done:
                keep = np.array([k for k in range(K) if k not in set(done)], dtype=np.intp)
                members = [members[k] for k in keep]
                if not members:
                    break
                stack.take(keep)
                prev = prev[keep]
                batches.take(keep)
                if has_val:
                    Xv, Tv = Xv[keep], Tv[keep]
                kinds = _take_kinds(kinds, keep)
            for kind in kinds:
                kind.refresh()
    return results


def _restore(member: Member, row: np.ndarray, before: np.ndarray, steps_taken: int) -> None:
    """Keep the weights of the last finite step (none taken yet: the initial weights)."""
    member.restored = (before if steps_taken else row).copy()


def _kinds(members: list[Member], dtype: np.dtype) -> list[Kind | Alone]:
    """Consecutive members of one key form a kind, stepped together where the stacked update
    steps like their optimizer (``kinds.matches``), else one by one by their own."""
    kinds: list[Kind | Alone] = []
    start = 0
    while start < len(members):
        key = members[start].key()
        stop = start
        while stop < len(members) and members[stop].key() == key:
            stop += 1
        group = members[start:stop]
        first = group[0]
        update = None if key[1] == "alone" else matches(first.optimizer, first.p.model)
        if update is not None:
            kinds.append(Kind([m.optimizer for m in group], first.p.model.params, start, dtype,
                              update))
        else:
            kinds.append(Alone(group, start))
        start = stop
    return kinds


def _take_kinds(kinds: list[Kind | Alone], keep: np.ndarray) -> list[Kind | Alone]:
    out, start = [], 0
    for kind in kinds:
        local = keep[(keep >= kind.start) & (keep < kind.stop)] - kind.start
        if local.size:
            kind.take(local, start)
            start += local.size
            out.append(kind)
    return out
