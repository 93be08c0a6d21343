"""Progress on the terminal: a tqdm bar on a TTY, plain lines otherwise; of the epochs of one
run (``Progress``, a callback) or of the runs of a grid (``RunTicks``: compare, sweep)."""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

from adamlab.train import Callback


def _fmt(logs: dict[str, Any], key: str, spec: str = ".4f") -> str | None:
    v = logs.get(key)
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else format(v, spec)


class Progress(Callback):
    """Shows epoch, loss, val loss and accuracy: a bar on a terminal, else plain lines.

    Plain lines come at the first and last epoch and every ``every`` epochs (default: a
    twentieth of the run); without ``every``, also whenever ``seconds`` have passed since the
    last line, so that a long run (``--epochs 1000000``: a line per 50,000 epochs) still says
    where it is. ``clock`` is ``time.monotonic`` (tests give their own).
    """

    def __init__(self, total_epochs: int, stream: TextIO | None = None, every: int | None = None,
                 label: str = "", seconds: float = 10.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream or sys.stderr
        self.total = total_epochs
        self.tty = self.stream.isatty()
        self.seconds = None if every else seconds
        self.every = every or max(1, total_epochs // 20)
        self.label = label
        self.bar = None
        self.clock = clock
        self._last = clock()

    def on_train_begin(self, logs: dict[str, Any]) -> None:
        if self.tty:
            from tqdm import tqdm

            self.bar = tqdm(total=self.total, initial=self.trainer.epoch, unit="epoch",
                            desc=self.label or "train", file=self.stream, dynamic_ncols=True)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> None:
        parts = {"loss": _fmt(logs, "loss"), "val_loss": _fmt(logs, "val_loss"),
                 "acc": _fmt(logs, "accuracy", ".3f"), "val_acc": _fmt(logs, "val_accuracy", ".3f")}
        parts = {k: v for k, v in parts.items() if v is not None}
        if self.bar is not None:
            self.bar.set_postfix(parts, refresh=False)
            self.bar.update(1)
        elif (epoch % self.every == 0 or epoch == self.total or epoch == 1
              or (self.seconds is not None and self.clock() - self._last >= self.seconds)):
            self._last = self.clock()
            text = "  ".join(f"{k} {v}" for k, v in parts.items())
            prefix = f"{self.label} " if self.label else ""
            print(f"{prefix}epoch {epoch:>{len(str(self.total))}}/{self.total}  {text}",
                  file=self.stream, flush=True)

    def on_train_end(self, logs: dict[str, Any]) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def label(r: dict[str, Any], with_lr: bool = True) -> str:
    """``adam lr 0.01 seed 0: ok`` — which run, and how it ended."""
    s = r["settings"]
    lr = f" lr {s['lr']:g}" if with_lr else ""
    return f"{s['optimizer']}{lr} seed {s['seed']}: {r['status']}"


class RunTicks:
    """One tick per finished run: a tqdm bar on a terminal (the run's label as its postfix),
    else one line per run on stderr with its final metric; nothing with --quiet or --json."""

    def __init__(self, total: int, desc: str, args: argparse.Namespace,
                 with_lr: bool = True) -> None:
        self.quiet = args.quiet or args.json
        self.with_lr = with_lr
        self.bar = None
        if not self.quiet and sys.stderr.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="run", desc=desc, file=sys.stderr,
                            dynamic_ncols=True)

    def __call__(self, _: int, r: dict[str, Any]) -> None:
        if self.bar is not None:
            self.bar.set_postfix_str(label(r, self.with_lr), refresh=False)
            self.bar.update(1)
        elif not self.quiet:
            f = r["final"]
            metric = "val_loss" if f["val_loss"] is not None else "loss"
            shown = "" if f[metric] is None else f", {metric} {f[metric]:.4g}"
            print(label(r, self.with_lr) + shown, file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def workers_for(args: argparse.Namespace, runs: int, what: str = "runs") -> int:
    """``--workers``, capped at the number of ``runs`` to do (more processes would start and
    sit idle), saying so in one line on stderr unless ``--quiet``."""
    asked = getattr(args, "workers", None) or 1
    n = max(1, min(asked, runs))
    if n < asked and not getattr(args, "quiet", False):
        print(f"note: --workers {asked}: {runs} {what} to do, so {n} "
              f"process{'es' * (n != 1)}", file=sys.stderr, flush=True)
    return n
