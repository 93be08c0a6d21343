"""``adamlab train``: train one model, watch it, and leave numbers and pictures behind.

Writes into the run directory: ``summary.json``, ``history.csv``, ``history.json``,
``learning_curves.png``, ``decision_boundary.png`` (two-feature classification),
``checkpoint.npz`` (resumable, pickle-free) and, with ``--trace``, ``trace.json`` and
``adam_internals.png``. ``summary.json`` is written last: a run directory whose summary.json
describes its checkpoint holds every output of that checkpoint.

``--resume DIR`` continues a run to ``--epochs`` from its checkpoint. A run whose training is
already complete (all its epochs, or stopped early) trains no further: if it was killed before
its outputs were all written, they are written from the checkpoint, as the run would have
written them; if they are all there, nothing is written. Either way the temporaries of killed
atomic writes (``.NAME.XXXXXXXX.tmp``) are removed first.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from adamlab.cli import rundir
from adamlab.cli.errors import RunError, UsageError
from adamlab.cli.options import add_options, given, nonneg_int, positive_int, settings_from_args
from adamlab.cli.progress import Progress
from adamlab.data import DataError
from adamlab.experiment import Prepared, Settings, prepare, summarize
from adamlab.train import CheckpointError, DivergenceError, Trainer
from adamlab.train.trace import AdamTrace

CHECKPOINT = "checkpoint.npz"
#: Outputs of every run that trained an epoch, besides the checkpoint and summary.json.
ALWAYS_WRITTEN = ("history.csv", "history.json", "learning_curves.png")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train", help="train a model and write its learning curves",
                       description="Train an MLP with Adam (or any optimizer of the registry) and "
                                   "write summary.json, history.csv, pictures and a checkpoint.")
    add_options(p)
    out = p.add_argument_group("output")
    out.add_argument("--out", metavar="DIR",
                     help="output directory (default: a new one under runs/)")
    out.add_argument("--checkpoint-every", type=nonneg_int, default=1, metavar="N",
                     help="write the checkpoint every N epochs (default 1)")
    out.add_argument("--resume", metavar="DIR", help="continue the run in DIR to --epochs in total")
    out.add_argument("--trace", action="store_true",
                     help="record Adam's internals (adam_internals.png)")
    out.add_argument("--log-every", type=positive_int, metavar="N",
                     help="plain progress line every N epochs")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.resume:
        return resume(args)
    settings = settings_from_args(args)
    p = _prepare(settings)
    out = rundir.new_run_dir(args.out, f"{Path(settings.data).stem}-{settings.optimizer}")
    with rundir.Lock(out):
        p.trainer.extra = _extra(p)
        return _fit_and_write(p, out, args)


def resume(args: argparse.Namespace) -> int:
    out = Path(args.resume)
    extra_options = sorted(set(given(args)) - {"epochs"})
    if extra_options:
        flags = ", ".join("--" + o.replace("_", "-") for o in extra_options)
        raise UsageError(f"--resume continues a run with its saved settings; drop {flags} "
                         "(only --epochs, --checkpoint-every, --trace and output options apply)")
    if args.out:
        raise UsageError("--resume writes into the run's own directory; drop --out")
    if not out.is_dir():
        raise RunError(f"--resume {out}: no such run directory")
    with rundir.Lock(out):
        try:
            trainer = Trainer.from_checkpoint(str(out / CHECKPOINT))
        except CheckpointError as e:
            raise RunError(f"--resume {out}: {e}") from None
        saved = trainer.extra.get("settings")
        if saved is None:
            raise RunError(f"--resume {out}: the checkpoint has no run settings "
                           "(not written by adamlab train)")
        settings = Settings.from_dict(saved)
        if args.epochs is not None:
            settings.epochs = args.epochs
        if settings.epochs < trainer.epoch:
            raise UsageError(f"--resume {out}: the run has already trained {trainer.epoch} epochs; "
                             f"give --epochs {trainer.epoch} or more")
        diverged = trainer.extra.get("status") == "diverged"
        if settings.epochs == trainer.epoch and (diverged or trainer.epoch_in_progress):
            then = ("diverged in epoch {n}; give --epochs {n} or more to train it again (for "
                    "a smaller learning rate, start a new run)" if diverged else
                    "stopped inside epoch {n}; give --epochs {n} or more to finish it")
            raise UsageError(f"--resume {out}: the run " + then.format(n=trainer.epoch + 1))
        # Accepted: from here on the directory may change (a refused resume leaves it as it was).
        removed = rundir.remove_temporaries(out)
        if removed and not (args.quiet or args.json):
            print(f"removed {removed} temporary file{'s' * (removed != 1)} left by interrupted "
                  f"writes ({out}/.NAME.XXXXXXXX.tmp)")
        resumed = {"temporaries_removed": removed}
        summary = _current_summary(out, trainer, settings)
        if summary is not None:
            _report({**summary, "out": str(out)}, args,
                    {**resumed, "already_complete": True, "outputs_written": False})
            return 0
        p = _prepare(settings, trainer)
        trainer.extra = _extra(p)
        return _fit_and_write(p, out, args, resumed)


def _schedule_note(schedule: str, planned: int | None, last: int) -> str | None:
    """What a resumed run that trained up to epoch ``last`` did with a schedule planned for
    ``planned`` epochs when the run started (None: it stayed within them)."""
    if planned is None or last <= planned or schedule not in ("cosine", "step"):
        return None
    what = ("past its end the learning rate rose again from its minimum, as torch's "
            "CosineAnnealingLR does" if schedule == "cosine" else
            "the learning rate kept dropping at the same interval")
    return (f"the {schedule} schedule of this run was planned over {planned} epochs; epochs "
            f"{planned + 1}-{last} went on with it ({what}). For one schedule over {last} "
            f"epochs, start a new run with --epochs {last}.")


def _current_summary(out: Path, trainer: Trainer, settings: Settings) -> dict[str, Any] | None:
    """The run's summary.json if it already says all that resuming to ``settings`` would write.

    summary.json is written last, so one that describes the checkpoint (same epochs, steps and
    weights, status ok) of a run asked for at least ``settings.epochs`` epochs means that every
    output is there and training is over (it ran all its epochs or stopped early). The outputs
    every run writes are looked for too (deleted since, or a directory of an older adamlab,
    which wrote summary.json first).
    """
    from adamlab.train import fingerprint

    path = out / "summary.json"
    expected = list(ALWAYS_WRITTEN)
    data = trainer.extra.get("data") or {}
    if _draws_boundary(data.get("n_features"), data.get("task")):
        expected.append("decision_boundary.png")
    trace_arrays, _ = trainer.pending_callback_states.get("AdamTrace", ({}, None))
    if len(trace_arrays.get("step", ())):  # a traced run, with records
        expected += ["trace.json", "adam_internals.png"]
    if not all((out / name).is_file() for name in expected):
        return None
    try:
        if not path.is_file() or path.stat().st_size > 2**20:  # no FIFO, no huge file
            return None
        summary = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    if not (isinstance(summary, dict) and isinstance(summary.get("settings"), dict)
            and isinstance(summary.get("final"), dict)
            and all(v is None or isinstance(v, (int, float)) for v in summary["final"].values())):
        return None
    asked = summary["settings"].get("epochs")
    done = (summary.get("status") == "ok" and summary.get("epochs") == trainer.epoch
            and summary.get("steps") == trainer.step_count
            and summary.get("params_sha256") == fingerprint(trainer.model.params)
            and isinstance(asked, int) and asked >= settings.epochs)
    return summary if done else None


def _draws_boundary(n_features: Any, task: Any) -> bool:
    """Whether a run writes decision_boundary.png: classification on two features."""
    return n_features == 2 and task != "regression"


def _prepare(settings: Settings, trainer: Trainer | None = None) -> Prepared:
    try:
        return prepare(settings, trainer=trainer)
    except DataError as e:
        raise RunError(str(e)) from None
    except ValueError as e:
        raise UsageError(str(e)) from None


def _extra(p: Prepared) -> dict[str, Any]:
    ds = p.dataset
    return {
        "settings": p.settings.to_dict(),
        "target": p.settings.target or _last_column(p.settings.data),
        "standardizer": None if p.standardizer is None else p.standardizer.to_dict(),
        "data": {"name": ds.name, "task": ds.task, "n_samples": ds.n_samples,
                 "n_features": ds.n_features, "feature_names": list(ds.feature_names),
                 "classes": None if ds.classes is None else [_plain(c) for c in ds.classes]},
    }


def _last_column(data: str) -> str | None:
    """The target a CSV was trained on when --target was not given: its last header column."""
    import csv

    path = Path(data)
    if path.suffix.lower() not in (".csv", ".tsv", ".tab", ".txt") or not path.is_file():
        return None
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            header = next(csv.reader(
                f, delimiter="\t" if path.suffix.lower() in (".tsv", ".tab") else ","))
    except (OSError, UnicodeDecodeError, StopIteration, csv.Error):
        return None
    return header[-1].strip() if header else None


def _plain(x: Any) -> Any:
    return x.item() if isinstance(x, np.generic) else x


def _fit_and_write(p: Prepared, out: Path, args: argparse.Namespace,
                   resumed: dict[str, Any] | None = None) -> int:
    """Train to ``settings.epochs`` (or until early stopping) and write the outputs.

    ``resumed`` (from ``--resume``) is reported along: zero epochs left to train means the
    training was already complete, and only the outputs are written (from the checkpoint).
    """
    s = p.settings
    epochs_before = p.trainer.epoch
    callbacks: list[Any] = []
    if not args.quiet:
        callbacks.append(Progress(s.epochs, every=args.log_every, label=f"{s.optimizer}"))
    trace = None
    # A resumed run that was traced goes on tracing (its trace so far is in the checkpoint).
    if args.trace or "AdamTrace" in p.trainer.pending_callback_states:
        steps = math.ceil(len(p.y_train) / (s.batch_size or len(p.y_train))) * s.epochs
        trace = AdamTrace(every=max(1, steps // 2000))
        callbacks.append(trace)
    t0 = time.perf_counter()
    status, error = "ok", None
    try:
        p.fit(callbacks=callbacks, checkpoint_path=str(out / CHECKPOINT),
              checkpoint_every=args.checkpoint_every)
    except DivergenceError as e:
        status, error = "diverged", str(e)
        p.trainer.extra = {**p.trainer.extra, "status": "diverged"}  # --resume will know
        p.trainer.save_checkpoint(str(out / CHECKPOINT))
    except CheckpointError as e:  # a resumed callback's state (EarlyStopping, AdamTrace)
        raise RunError(f"--resume {out}: {e}") from None
    except ValueError as e:  # e.g. a trace asked of an optimizer without moments
        raise UsageError(str(e)) from None
    summary = {"command": "train", "status": status, "error": error, **summarize(p),
               "seconds": time.perf_counter() - t0, "settings": s.to_dict(),
               "data": p.trainer.extra["data"], "out": str(out)}
    _write_outputs(p, out, summary, trace)
    if status != "ok":
        raise RunError(f"{error} History so far is in {out}.")
    if resumed is not None:
        resumed = {**resumed, "already_complete": p.trainer.epoch == epochs_before,
                   "outputs_written": True}
        note = None if p.trainer.epoch == epochs_before else _schedule_note(
            s.schedule, p.trainer.schedule_epochs, p.trainer.epoch)
        if note:
            resumed["schedule_note"] = note
            if not args.quiet:
                print(f"note: {note}", file=sys.stderr)
    _report(summary, args, resumed)
    return 0


def _write_outputs(
    p: Prepared, out: Path, summary: dict[str, Any], trace: AdamTrace | None
) -> None:
    from adamlab import plot

    h = p.trainer.history
    history = h.to_dict()
    rundir.write_text(out / "history.csv", h.to_csv())
    rundir.write_json(out / "history.json", history)
    group = p.trainer.optimizer.param_groups[0]
    base_lr = group.get("initial_lr", group["lr"])
    schedule = "" if p.settings.schedule == "constant" else f" ({p.settings.schedule})"
    title = f"{p.dataset.name}: {p.settings.optimizer}, lr {base_lr:g}{schedule}"
    if len(h):
        steps = history["steps"] if h.steps["step"] else None
        rundir.save_figure(
            plot.learning_curves(history["epochs"], title=title, history_steps=steps),
            out / "learning_curves.png")
    if _draws_boundary(p.dataset.n_features, p.dataset.task):
        X, y = p.dataset.X, p.dataset.y
        if len(y) > 5000:  # a readable scatter, and no full read of a memory-mapped file
            keep = np.sort(np.random.default_rng(0).choice(len(y), 5000, replace=False))
            X, y = np.asarray(X[keep]), y[keep]
        fig = plot.decision_boundary(
            p.predict_proba, X, y,
            title=f"{p.dataset.name}: decision boundary after {p.trainer.epoch} epochs",
            classes=p.dataset.classes)
        rundir.save_figure(fig, out / "decision_boundary.png")
    if trace is not None and trace.data.get("step"):
        rundir.write_json(out / "trace.json", trace.data)
        rundir.save_figure(plot.adam_internals(trace.data), out / "adam_internals.png")
    rundir.write_json(out / "summary.json", summary)  # last: says the other outputs are written


def _report(summary: dict[str, Any], args: argparse.Namespace,
            resumed: dict[str, Any] | None = None) -> None:
    """The summary on stdout: as JSON (with a ``resume`` object after --resume), the directory
    alone (--quiet), or two lines saying what was trained and what was written."""
    if args.json:
        print(json.dumps(summary if resumed is None else {**summary, "resume": resumed}, indent=2))
        return
    if args.quiet:
        print(summary["out"])
        return
    f = summary["final"]
    parts = ", ".join(f"{k} {v:.4f}" for k, v in f.items() if v is not None)
    if resumed is None or not resumed["already_complete"]:
        print(f"trained {summary['epochs']} epochs: {parts}")
        print(f"wrote {summary['out']}")
    elif resumed["outputs_written"]:
        print(f"training was already complete ({summary['epochs']} epochs: {parts}); "
              f"wrote its outputs from the checkpoint into {summary['out']}")
    else:
        print(f"training was already complete ({summary['epochs']} epochs: {parts}) and "
              f"{summary['out']} holds all its outputs; nothing written")
