"""A training run in its directory: started or resumed, trained, its outputs written; and the
reader of a finished run for ``predict``.

The path of ``adamlab train``: the CLI parses the options into ``Settings``; ``Run.prepare``
reads the data and builds model and trainer (``experiment.prepare``) before any directory
exists, then ``Run(prepared, directory)`` binds them to the locked directory (``--resume``:
``Saved.load`` then ``Run.resume``). ``Run.train`` trains (the trainer checkpoints into the
directory, the run's description riding along in the checkpoint), ``Run.write_outputs`` writes
the history, the pictures and, last, summary.json. Nothing here prints or knows about
command-line flags: errors propagate (DataError,
CheckpointError, ValueError) for the caller to report.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from adamlab.experiment import Prepared, Settings, prepare, summarize
from adamlab.rundir import directory, outputs
from adamlab.rundir.description import ModelShape, RunDescription
from adamlab.train import Callback, DivergenceError, Trainer, fingerprint
from adamlab.train.inputs import batch_size_for
from adamlab.train.trace import STATE_NAMES, Trace

#: Trace records kept per run, at most (``Trace(every=...)`` thins them to this).
TRACE_RECORDS = 2000


@dataclass
class Saved:
    """A run directory read back: its trainer (restored from the checkpoint) and description."""

    directory: Path
    trainer: Trainer
    description: RunDescription

    @classmethod
    def load(cls, run_dir: str | Path) -> Saved:
        """Read ``run_dir/checkpoint.npz`` and the description in it (CheckpointError if either
        is missing, torn, tampered with, or of a newer format)."""
        path = Path(run_dir)
        trainer = Trainer.from_checkpoint(str(path / outputs.CHECKPOINT))
        model = trainer.model
        shape = ModelShape(model.n_inputs, model.n_outputs, trainer.task)
        return cls(path, trainer, RunDescription.from_dict(trainer.extra, shape))

    @property
    def epochs_done(self) -> int:
        return self.trainer.epoch

    @property
    def diverged(self) -> bool:
        return self.description.status == "diverged"

    @property
    def inside_an_epoch(self) -> bool:
        """Stopped inside an epoch (a mid-epoch checkpoint, a divergence)."""
        return self.trainer.epoch_in_progress

    @property
    def traced(self) -> bool:
        """The checkpoint holds a trace with records (a run of ``--trace``)."""
        states = self.trainer.pending_callback_states
        arrays = next((states[k][0] for k in STATE_NAMES if k in states), {})
        return bool(len(arrays.get("step", ())))

    def complete_summary(self, epochs: int) -> dict[str, Any] | None:
        """summary.json when the directory is complete for a run of ``epochs`` epochs (the
        rule of ``rundir.outputs``): nothing is left to train or write."""
        d, t = self.description.data, self.trainer
        names = outputs.expected(d.n_features, d.task, self.traced)
        return outputs.complete_summary(self.directory, names, t.epoch, t.step_count,
                                        fingerprint(t.model.params), epochs)

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """The model's outputs for raw features (standardised as in training), from its
        evaluation weights (an optimizer's eval mode: schedule-free's average)."""
        s = self.description.standardizer
        Xs = X if s is None else s.transform(X)
        model = self.trainer.model
        with self.trainer.evaluation_weights():
            return model.predict_proba(np.asarray(Xs, dtype=model.dtype))


def checkpoint_progress(run_dir: str | Path) -> tuple[int, int] | None:
    """``(epochs trained, epochs planned)`` of the checkpoint in ``run_dir``, from its metadata
    alone (what an interrupted run says it kept); None when there is no readable one."""
    import json

    try:
        with np.load(Path(run_dir) / outputs.CHECKPOINT, allow_pickle=False) as z:
            meta = json.loads(z["__meta__"].tobytes().decode("utf-8"))
        return int(meta["epoch"]), int(meta["extra"]["settings"]["epochs"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


@dataclass
class Result:
    """How training went: ``status`` ok or diverged (``error`` says where), wall time."""

    status: str
    error: str | None
    seconds: float


class Run:
    """A prepared run bound to its directory (which the caller has locked)."""

    def __init__(self, prepared: Prepared, run_dir: Path, traced: bool = False) -> None:
        self.prepared, self.directory = prepared, Path(run_dir)
        self.description = RunDescription.of(prepared)
        self.traced = traced
        self.epochs_before = prepared.trainer.epoch
        self._trace: Trace | None = None
        self._save_description()

    @staticmethod
    def prepare(settings: Settings) -> Prepared:
        """Read the data and build model and trainer for a new run of ``settings`` (before its
        directory is made: bad data leaves no directory behind)."""
        return prepare(settings)

    @classmethod
    def resume(cls, saved: Saved, epochs: int | None = None) -> Run:
        """Continue ``saved`` to ``epochs`` in total (default: as planned), from its checkpoint,
        with its saved settings (its data read again, and checked by the trainer to be the
        same). A traced run goes on tracing."""
        settings = saved.description.settings
        if epochs is not None:
            settings = Settings.from_dict({**settings.to_dict(), "epochs": epochs})
        traced = any(k in saved.trainer.pending_callback_states for k in STATE_NAMES)
        return cls(prepare(settings, trainer=saved.trainer), saved.directory, traced)

    @property
    def settings(self) -> Settings:
        return self.prepared.settings

    @property
    def trainer(self) -> Trainer:
        return self.prepared.trainer

    @property
    def checkpoint(self) -> Path:
        return self.directory / outputs.CHECKPOINT

    def _save_description(self) -> None:
        self.trainer.extra = self.description.to_dict()  # saved with every checkpoint

    def train(self, callbacks: list[Callback] | tuple = (), checkpoint_every: int = 1,
              trace: bool = False) -> Result:
        """Train to ``settings.epochs`` (or until early stopping), checkpointing every
        ``checkpoint_every`` epochs. A divergence is a result: the description says so in the
        checkpoint (so ``Saved.diverged`` knows), the history so far is kept."""
        cbs = list(callbacks)
        if trace or self.traced:
            n = len(self.prepared.y_train)
            batches = math.ceil(n / batch_size_for(self.settings.batch_size, n))
            steps = batches * self.settings.epochs
            self._trace = Trace(every=max(1, steps // TRACE_RECORDS))
            cbs.append(self._trace)
        t0 = time.perf_counter()
        status, error = "ok", None
        try:
            self.prepared.fit(callbacks=cbs, checkpoint_path=str(self.checkpoint),
                              checkpoint_every=checkpoint_every)
        except DivergenceError as e:
            status, error = "diverged", str(e)
            self.description = self.description.with_status("diverged")
            self._save_description()
            self.trainer.save_checkpoint(str(self.checkpoint))
        return Result(status, error, time.perf_counter() - t0)

    @property
    def trained_any(self) -> bool:
        """Whether this leg trained (a resumed complete run trains no further)."""
        return self.trainer.epoch != self.epochs_before

    def summary(self, result: Result) -> dict[str, Any]:
        """What summary.json says of the run."""
        return {"command": "train", "status": result.status, "error": result.error,
                **summarize(self.prepared), "seconds": result.seconds,
                "settings": self.settings.to_dict(), "data": self.description.data.to_dict(),
                "out": str(self.directory)}

    def write_outputs(self, result: Result) -> dict[str, Any]:
        """Write history, pictures and (last) summary.json; returns the summary."""
        from adamlab import plot
        from adamlab.optim import get_optimizer_spec
        from adamlab.plot.boundary import grid_size_for

        p, s, out = self.prepared, self.settings, self.directory
        summary = self.summary(result)
        h = p.trainer.history
        history = h.to_dict()
        directory.write_text(out / "history.csv", h.to_csv())
        directory.write_json(out / "history.json", history)
        lr = s.lr if s.lr is not None else get_optimizer_spec(s.optimizer).default_lr()
        schedule = "" if s.schedule == "constant" else f" ({s.schedule})"
        title = f"{p.dataset.name}: {s.optimizer}, lr {lr:g}{schedule}"
        if len(h):
            steps = history["steps"] if h.steps["step"] else None
            directory.save_figure(
                plot.learning_curves(history["epochs"], title=title, history_steps=steps),
                out / "learning_curves.png")
        if outputs.draws_boundary(p.dataset.n_features, p.dataset.task):
            X, y = p.dataset.X, p.dataset.y
            held_out = np.zeros(len(y), dtype=bool)
            if p.val_rows is not None:
                held_out[p.val_rows] = True
            if len(y) > 5000:  # a readable scatter, and no full read of a memory-mapped file
                keep = np.sort(np.random.default_rng(0).choice(len(y), 5000, replace=False))
                X, y, held_out = np.asarray(X[keep]), y[keep], held_out[keep]
            fig = plot.decision_boundary(
                p.predict_proba, X, y,
                title=f"{p.dataset.name}: decision boundary after {p.trainer.epoch} epochs",
                classes=p.dataset.classes, feature_names=p.dataset.feature_names,
                validation=held_out if held_out.any() else None,
                grid_size=grid_size_for(p.model.n_params, p.model.n_outputs))  # wide: coarser
            directory.save_figure(fig, out / outputs.BOUNDARY)
        trace = self._trace
        if trace is not None and trace.data.get("step"):
            directory.write_json(out / "trace.json", trace.data)
            directory.save_figure(plot.internals(trace.data), out / "adam_internals.png")
        directory.write_json(out / outputs.SUMMARY, summary)  # last: the others are written
        return summary

    def schedule_overrun(self) -> tuple[int, int] | None:
        """(planned, last) when this leg trained past the length the run's cosine or step
        schedule was planned for, up to epoch ``last``; else None."""
        planned, last = self.trainer.schedule_epochs, self.trainer.epoch
        if not self.trained_any or planned is None or last <= planned \
                or self.settings.schedule not in ("cosine", "step"):
            return None
        return planned, last
