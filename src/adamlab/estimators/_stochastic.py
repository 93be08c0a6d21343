"""The stochastic solvers ("adam", "sgd", any ``optimizer=``): a run of adamlab's ``Trainer``.

``build_trainer`` makes the trainer (the optimizer from ``_solver``; scikit-learn's ``alpha`` as
the trainer's ``l2_per_sample``; the shuffling seed drawn from ``random_state`` after the
initial weights), ``configure`` applies the settings scikit-learn lets change between warm
starts, ``run`` trains with the stopping monitor (and scikit-learn's callbacks) and turns a
divergence into scikit-learn's outcome, ``record`` sets the fitted attributes.

Divergence (a non-finite loss or gradient: adamlab's trainer stops at that step and restores
the last finite weights; a finite loss however large is trained on, as scikit-learn does: the
trainer's guard against exploding losses is off here). scikit-learn trains on with non-finite
weights and then raises ``ValueError("Solver produced non-finite parameter weights…")``,
unless early stopping has a best epoch to go back to. Here: without early stopping,
``SolverDivergedError``, a ``ValueError`` with scikit-learn's message that is also adamlab's
``DivergenceError`` (where, what, what to try); with early stopping, the diverged epoch is
recorded as NaN (loss and validation score), the best weights are kept and a
``ConvergenceWarning`` says what happened.
"""

from __future__ import annotations

import inspect
import math
from typing import Any

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from adamlab.estimators._data import as_rows
from adamlab.estimators._sgd import SklearnSGD
from adamlab.estimators._skl_callbacks import EpochTasks, FitTask
from adamlab.estimators._solver import (
    SKLEARN_SGD,
    optimizer_arguments,
    stochastic_optimizer,
    update_hyperparameters,
)
from adamlab.estimators._warn import warn
from adamlab.optim import build_optimizer
from adamlab.train import DivergenceError, Trainer

__all__ = ["NON_FINITE", "SolverDivergedError", "build_trainer", "restart_optimizer",
           "configure", "run", "record"]

#: scikit-learn's message for weights that are not finite after fit (its suite matches it).
NON_FINITE = ("Solver produced non-finite parameter weights. The input data may contain large "
              "values and need to be preprocessed.")

#: Trainer(decay_biases=...) lands with issue 12; until then weight decay covers every parameter.
_TRAINER_DECAY_BIASES = "decay_biases" in inspect.signature(Trainer).parameters


class SolverDivergedError(DivergenceError, ValueError):
    """Training diverged: scikit-learn's ``ValueError`` and adamlab's ``DivergenceError``."""


def build_trainer(est: Any, model: Any, rs: Any) -> Trainer:
    name = stochastic_optimizer(est)
    args = optimizer_arguments(est)
    seed = int(rs.randint(np.iinfo(np.int32).max))  # shuffling order, from random_state
    extra = {"decay_biases": bool(est.decay_biases)} if _TRAINER_DECAY_BIASES else {}
    if name == SKLEARN_SGD:
        optimizer, lr, args = SklearnSGD([model.params], **args), None, {}
    else:
        optimizer, lr = name, args.pop("lr")
    return Trainer(model, optimizer=optimizer, lr=lr, optimizer_args=args,
                   schedule=est.lr_schedule, l2=float(est.alpha), l2_per_sample=True,
                   batch_size=1, shuffle=est.shuffle, seed=seed,
                   schedule_epochs=est.max_iter, explosion=None, **extra)


def restart_optimizer(est: Any) -> None:
    """scikit-learn's warm start: the same weights under a new optimizer (Adam: m = v = 0,
    t = 0; SGD: velocity 0), built as ``build_trainer`` built the first and loaded into the
    running one, so the trainer, its schedule position and its generators stay."""
    trainer = est._trainer
    name, args = stochastic_optimizer(est), optimizer_arguments(est)
    if name == SKLEARN_SGD:
        fresh = SklearnSGD([trainer.model.params], **args)
    else:
        fresh = build_optimizer(name, trainer.model.named_parameters(),
                                decay_biases=bool(est.decay_biases), **args)
    optimizer = trainer.optimizer
    initial = [g.get("initial_lr") for g in _groups(optimizer)]
    optimizer.load_state_dict(fresh.state_dict())
    for group, was in zip(_groups(optimizer), initial, strict=True):
        if was is not None:  # the schedule's base rate: learning_rate_init again
            group["initial_lr"] = group["lr"]


def _groups(optimizer: Any) -> list[dict]:
    return [g for part in getattr(optimizer, "parts", [optimizer]) for g in part.param_groups]


def configure(est: Any, n_train: int) -> None:
    """Per-call settings: scikit-learn lets any of them change between warm starts."""
    trainer = est._trainer
    if est.batch_size == "auto":
        trainer.batch_size = 200  # the trainer takes min(batch_size, n): min(200, n)
    else:
        if est.batch_size > n_train:
            warn("Got `batch_size` less than 1 or larger than sample size. It is going to be "
                 "clipped", UserWarning)
        trainer.batch_size = int(est.batch_size)
    trainer.shuffle = bool(est.shuffle)
    trainer.l2 = float(est.alpha)
    trainer.clip_norm = None if est.clip_norm is None else float(est.clip_norm)
    update_hyperparameters(trainer.optimizer, optimizer_arguments(est), bool(est.decay_biases))


def run(est: Any, X, t, sw, val, epochs: int, X_given, y_given, sample_weight,
        fresh: bool = False) -> None:
    """Train ``epochs`` epochs (fewer if the monitor stops) of ``est._trainer``; ``fresh``: a
    scikit-learn warm start (see ``Monitor.configure``)."""
    trainer, monitor = est._trainer, est._monitor
    dtype = trainer.model.dtype
    score = None
    validation_data = None
    if val is not None:
        Xv, tv, wv = val
        validation_data = (as_rows(Xv, dtype), tv, wv)

        def score() -> float:
            return est._score_logits(est._logits(Xv), tv, wv)

    sgd = stochastic_optimizer(est) == SKLEARN_SGD
    # scikit-learn's η drives the optimizer only for its own schedules; "constant" leaves the
    # rate to the trainer's lr_schedule (constant by default: the same η)
    own_schedule = sgd and est.learning_rate != "constant"
    monitor.configure(
        n_samples=len(t), tol=float(est.tol), n_iter_no_change=est.n_iter_no_change,
        mode=est.early_stopping_monitor if est.early_stopping else "loss",
        restore=bool(est.early_stopping), score=score, verbose=bool(est.verbose),
        learning_rate=(est.learning_rate if sgd else "constant",
                       float(est.learning_rate_init), float(est.power_t)),
        apply_lr=own_schedule, fresh=fresh,
    )
    task = FitTask(est, X_given, y_given, sample_weight, max_subtasks=epochs)
    callbacks = [monitor, *(est.callbacks or ())]
    if task.active:
        callbacks.append(EpochTasks(task))
    try:
        trainer.fit(as_rows(X, dtype), t, epochs=epochs, sample_weight=sw,
                    validation_data=validation_data, callbacks=callbacks)
    except DivergenceError as e:
        _diverged(est, e, val is not None)
    finally:
        task.end(None, trainer.model.params)


def _diverged(est: Any, error: DivergenceError, validated: bool) -> None:
    m = est._monitor
    m.loss_curve.append(math.nan)
    m.n_iter += 1
    if validated:
        m.validation_scores.append(math.nan)
    if not est.early_stopping:
        raise SolverDivergedError(f"{NON_FINITE} ({error})", epoch=error.epoch,
                                  step=error.step, history=error.history) from error
    warn(f"{type(est).__name__}: {error} Early stopping kept the weights of the best epoch.",
         ConvergenceWarning)
    m.stopped = True


def record(est: Any, incremental: bool) -> None:
    """scikit-learn's fitted attributes from the monitor, and its ConvergenceWarning."""
    m = est._monitor
    est.n_iter_ = m.n_iter
    est.t_ = m.t
    est.loss_curve_ = list(m.loss_curve)
    est.loss_ = est.loss_curve_[-1] if est.loss_curve_ else math.nan
    est.best_loss_ = None if est.early_stopping else m.best_loss
    validated = len(m.validation_scores) > 0
    est.validation_scores_ = list(m.validation_scores) if validated else None
    est.best_validation_score_ = m.best_score if validated else None
    if not incremental and m.n_iter == est.max_iter and not m.stopped:
        est._warn_not_converged()
