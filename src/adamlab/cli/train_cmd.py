"""``adamlab train``: train one model, watch it, and leave numbers and pictures behind.

Writes the run directory that ``adamlab.rundir`` describes (``rundir.outputs``: summary.json,
history, pictures, ``checkpoint.npz``; with ``--trace``, ``trace.json`` and
``adam_internals.png``). This module parses the options, reports, and maps errors to exit
statuses; the run itself (prepare, train, checkpoint, write) is ``rundir.Run``.

``--resume DIR`` continues a run to ``--epochs`` from its checkpoint. A run whose training is
already complete (all its epochs, or stopped early) trains no further: if it was killed before
its outputs were all written, they are written from the checkpoint, as the run would have
written them; if they are all there, nothing is written. Either way the temporaries of killed
atomic writes (``.NAME.XXXXXXXX.tmp``) are removed first.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from adamlab.cli.errors import RunError, UsageError
from adamlab.cli.interrupt import resume_command, stopped
from adamlab.cli.options import (
    FLAGS,
    add_options,
    given,
    nonneg_int,
    positive_int,
    settings_from_args,
)
from adamlab.cli.progress import Progress
from adamlab.data import DataError
from adamlab.experiment import task_note
from adamlab.rundir import Lock, Run, Saved, new_run_dir, remove_temporaries
from adamlab.rundir.training import checkpoint_progress
from adamlab.train import CheckpointError

T = TypeVar("T")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train", help="train a model and write its learning curves",
                       description="Train an MLP with Adam (or any optimizer of the registry) and "
                                   "write summary.json, history.csv, pictures and a checkpoint.")
    add_options(p)
    out = p.add_argument_group("output")
    out.add_argument("--out", metavar="DIR",
                     help="output directory (default: a new one under runs/)")
    out.add_argument("--checkpoint-every", type=nonneg_int, default=1, metavar="N",
                     help="write the checkpoint every N epochs (default 1); 0: only once, at "
                          "the end (a run killed before then leaves nothing to --resume)")
    out.add_argument("--resume", metavar="DIR", help="continue the run in DIR to --epochs in total")
    out.add_argument("--trace", action="store_true",
                     help="record what the optimizer keeps and does (any optimizer: Adam's "
                          "moments, Lion's signs, Prodigy's d, Muon's singular values, ...) "
                          "in trace.json, drawn in adam_internals.png")
    out.add_argument("--log-every", type=positive_int, metavar="N",
                     help="plain progress line every N epochs")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.resume:
        return resume(args)
    settings = settings_from_args(args)
    prepared = _mapped(lambda: Run.prepare(settings))
    if settings.task is None and prepared.dataset.target is not None and not args.quiet:
        print(f"task: {task_note(prepared)}", file=sys.stderr)  # inferred: say why
    out = new_run_dir(args.out, f"{Path(settings.data).stem}-{settings.optimizer}")
    with Lock(out):
        return _fit_and_write(Run(prepared, out), args)


def resume(args: argparse.Namespace) -> int:
    out = Path(args.resume)
    extra_options = sorted(set(given(args)) - {"epochs"})
    if extra_options:
        flags = ", ".join(FLAGS[o] for o in extra_options)
        raise UsageError(f"--resume continues a run with its saved settings; drop {flags} "
                         "(only --epochs, --checkpoint-every, --trace and output options apply)")
    if args.out:
        raise UsageError("--resume writes into the run's own directory; drop --out")
    if not out.is_dir():
        raise RunError(f"--resume {out}: no such run directory")
    with Lock(out):
        try:
            saved = Saved.load(out)
        except CheckpointError as e:
            raise RunError(f"--resume {out}: {e}") from None
        epochs = saved.description.settings.epochs if args.epochs is None else args.epochs
        done = saved.epochs_done
        if epochs < done:
            raise UsageError(f"--resume {out}: the run has already trained {done} epochs; "
                             f"give --epochs {done} or more")
        if epochs == done and (saved.diverged or saved.inside_an_epoch):
            then = ("diverged in epoch {n}; give --epochs {n} or more to train it again (for "
                    "a smaller learning rate, start a new run)" if saved.diverged else
                    "stopped inside epoch {n}; give --epochs {n} or more to finish it")
            raise UsageError(f"--resume {out}: the run " + then.format(n=done + 1))
        # Accepted: from here on the directory may change (a refused resume leaves it as it was).
        removed = remove_temporaries(out)
        if removed and not (args.quiet or args.json):
            print(f"removed {removed} temporary file{'s' * (removed != 1)} left by interrupted "
                  f"writes ({out}/.NAME.XXXXXXXX.tmp)")
        resumed = {"temporaries_removed": removed}
        summary = saved.complete_summary(epochs)
        if summary is not None:
            _report({**summary, "out": str(out)}, args,
                    {**resumed, "already_complete": True, "outputs_written": False})
            return 0
        run_ = _mapped(lambda: Run.resume(saved, epochs))
        return _fit_and_write(run_, args, resumed)


def _schedule_note(schedule: str, planned: int, last: int) -> str:
    """What a resumed run that trained up to epoch ``last`` did with a schedule planned for
    ``planned`` epochs when the run started."""
    what = ("past its end the learning rate rose again from its minimum, as torch's "
            "CosineAnnealingLR does" if schedule == "cosine" else
            "the learning rate kept dropping at the same interval")
    return (f"the {schedule} schedule of this run was planned over {planned} epochs; epochs "
            f"{planned + 1}-{last} went on with it ({what}). For one schedule over {last} "
            f"epochs, start a new run with --epochs {last}.")


def _mapped(make: Callable[[], T]) -> T:
    """``make()``, its bad data exit 1 and its bad settings exit 2."""
    try:
        return make()
    except DataError as e:
        raise RunError(str(e)) from None
    except ValueError as e:
        raise UsageError(str(e)) from None


def _fit_and_write(run: Run, args: argparse.Namespace,
                   resumed: dict[str, Any] | None = None) -> int:
    """Train to ``settings.epochs`` (or until early stopping) and write the outputs.

    ``resumed`` (from ``--resume``) is reported along: zero epochs left to train means the
    training was already complete, and only the outputs are written (from the checkpoint).
    """
    s = run.settings
    callbacks: list[Any] = []
    if not args.quiet:
        callbacks.append(Progress(s.epochs, every=args.log_every, label=f"{s.optimizer}"))
    try:
        try:
            result = run.train(callbacks, checkpoint_every=args.checkpoint_every,
                               trace=args.trace)
        except CheckpointError as e:  # a resumed callback's state (EarlyStopping, Trace)
            raise RunError(f"--resume {run.directory}: {e}") from None
        except ValueError as e:  # e.g. a resumed trace of another optimizer
            raise UsageError(str(e)) from None
        summary = run.write_outputs(result)
    except KeyboardInterrupt as e:  # Ctrl-C or SIGTERM: the lock and temporaries go as we unwind
        raise stopped(e, _resume_note(run, args)) from None
    if result.status != "ok":
        raise RunError(f"{result.error} History so far is in {run.directory}.")
    if resumed is not None:
        resumed = {**resumed, "already_complete": not run.trained_any, "outputs_written": True}
        overrun = run.schedule_overrun()
        if overrun is not None:
            note = _schedule_note(s.schedule, *overrun)
            resumed["schedule_note"] = note
            if not args.quiet:
                print(f"note: {note}", file=sys.stderr)
    _report(summary, args, resumed)
    return 0


def _resume_note(run: Run, args: argparse.Namespace) -> str:
    """What an interrupted run kept, and the exact command that continues it."""
    progress = checkpoint_progress(run.directory)
    if progress is None:
        return (f"no checkpoint was written yet, so {run.directory} holds nothing to resume; "
                "start the run again")
    done, planned = progress
    target = run.settings.epochs
    extra = [] if target == planned else ["--epochs", str(target)]
    if args.checkpoint_every != 1:
        extra += ["--checkpoint-every", str(args.checkpoint_every)]
    again = resume_command("train", run.directory, *extra)
    if done >= target:
        return (f"training is complete in {run.directory} ({done} epochs), some outputs may "
                f"be missing; to write them: {again}")
    return (f"the checkpoint in {run.directory} holds {done} of {target} epochs; to continue: "
            f"{again}")


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
