"""What a training run directory holds, and when it is complete.

::

    checkpoint.npz          the training state and the run's description (always)
    history.csv             every epoch's metrics            } every run that trained
    history.json            the same, plus per-step losses   } an epoch
    learning_curves.png     the curves                       }
    decision_boundary.png   classification on two features
    trace.json              the optimizer's internals, for a traced run with records
    adam_internals.png      their picture (so named for every optimizer: Adam's was first)
    summary.json            written last: it says the others are written

The completeness rule (``complete_summary``): a directory is complete for a run asked to train
``epochs`` epochs when every output its description calls for is there and summary.json, written
last, describes the checkpoint (same epochs, steps and weights, status ok) of a run asked for at
least ``epochs`` epochs. Then training is over (it ran all its epochs or stopped early) and
nothing is left to write. A directory of an older adamlab, which wrote summary.json first, is
caught by the outputs it lacks.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from adamlab.nn.losses import TASKS

CHECKPOINT = "checkpoint.npz"
SUMMARY = "summary.json"
#: Outputs of every run that trained an epoch, besides the checkpoint and summary.json.
ALWAYS_WRITTEN = ("history.csv", "history.json", "learning_curves.png")
BOUNDARY = "decision_boundary.png"
TRACE = ("trace.json", "adam_internals.png")
#: The largest summary.json read (a FIFO or a huge file in its place is not read).
MAX_SUMMARY_BYTES = 2**20


def draws_boundary(n_features: int, task: str) -> bool:
    """Whether a run writes decision_boundary.png: classification on two features."""
    return n_features == 2 and TASKS[task].classifies


def expected(n_features: int, task: str, traced: bool) -> list[str]:
    """The outputs (besides checkpoint and summary) a finished run of this data writes."""
    names = list(ALWAYS_WRITTEN)
    if draws_boundary(n_features, task):
        names.append(BOUNDARY)
    if traced:
        names += TRACE
    return names


def read_summary(directory: Path) -> dict[str, Any] | None:
    """summary.json if it is a regular, small file holding the fields adamlab writes."""
    path = Path(directory) / SUMMARY
    try:
        if not path.is_file() or path.stat().st_size > MAX_SUMMARY_BYTES:
            return None
        summary = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    if not (isinstance(summary, dict) and isinstance(summary.get("settings"), dict)
            and isinstance(summary.get("final"), dict)
            and all(v is None or isinstance(v, (int, float)) for v in summary["final"].values())):
        return None
    return summary


def complete_summary(directory: Path, outputs: list[str], epochs: int, steps: int,
                     params_sha256: str, asked_epochs: int) -> dict[str, Any] | None:
    """The run's summary.json if the directory is complete (the rule above) for a checkpoint
    at ``epochs``/``steps`` with weights ``params_sha256``, asked to train ``asked_epochs``;
    else None."""
    directory = Path(directory)
    if not all((directory / name).is_file() for name in outputs):
        return None
    summary = read_summary(directory)
    if summary is None:
        return None
    asked = summary["settings"].get("epochs")
    done = (summary.get("status") == "ok" and summary.get("epochs") == epochs
            and summary.get("steps") == steps and summary.get("params_sha256") == params_sha256
            and isinstance(asked, int) and asked >= asked_epochs)
    return summary if done else None
