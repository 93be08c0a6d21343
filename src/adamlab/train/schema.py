"""What a trainer checkpoint must hold, checked field by field before anything is built from it.

``checkpoint.load`` guarantees plain numeric arrays and strict JSON; this module checks that
the JSON has the shape ``Trainer.state()`` writes, so that a tampered file is refused with a
``CheckpointError`` naming the field, what it must be and what it holds (never an
``AttributeError`` from ``.items()`` on a list, never a value truncated or cast in silence)::

    field 'epoch' must be an integer >= 0, got a number (0.5)
    field 'history' must be a JSON object, got an array ([1])
    array 'params' has dtype int64, the checkpoint's dtype is float64

The fields a model, an optimizer or a schedule reads are checked by their own constructors
and ``load_state_dict`` methods; only their containers are checked here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from adamlab.train.checkpoint import CheckpointError

OBJECT, ARRAY, STRING, COUNT, NUMBER = ("a JSON object", "a JSON array", "a string",
                                        "an integer >= 0 (and < 2**63)", "a number")

#: field -> (what it must be, whether null is allowed), for the top level of the metadata.
TOP: dict[str, tuple[str, bool]] = {
    "dtype": (STRING, False),
    "model": (OBJECT, False),
    "optimizer": (OBJECT, False),
    "trainer": (OBJECT, False),
    "schedule_state": (OBJECT, False),
    "rng": (OBJECT, False),
    "history": (OBJECT, False),
    "epoch": (COUNT, False),
    "step": (COUNT, False),
    "partial": (OBJECT, True),
}
#: Fields older or hand-written checkpoints may leave out.
OPTIONAL: dict[str, tuple[str, bool]] = {
    "callbacks": (OBJECT, False),
    "extra": (OBJECT, True),
    "data_sha256": (STRING, True),
    "loss_start": (NUMBER, True),
}
OPTIMIZER = {"name": (STRING, False), "class": (STRING, False),
             "param_groups": (ARRAY, False), "scalars": (OBJECT, False)}
#: ... and its layout, written since parameter groups (``adamlab.train.state``): one part per
#: optimizer (two for a MultiOptimizer), each its class and per group its parameters' names.
OPTIMIZER_OPTIONAL = {"parts": (ARRAY, False)}
PART = {"class": (STRING, False), "groups": (ARRAY, False)}
#: The kinds of scheduler (``Scheduler.kind``) a checkpoint has an entry for.
SCHEDULERS = ("lr_scheduler", "plateau")
SCHEDULE_STATE = {"epochs": (COUNT, True), **{k: (OBJECT, True) for k in SCHEDULERS}}
#: The state of the callbacks adamlab ships that keep theirs in JSON (a user's callback checks
#: its own in ``load_state_dict``; ``AdamTrace`` checks its arrays there).
#: ... and of ``trainer``: the divergence guard's factor (absent before it: the default).
TRAINER_OPTIONAL = {"explosion": (NUMBER, True)}
CALLBACKS = {"EarlyStopping": {"best": (NUMBER, True), "best_epoch": (COUNT, True),
                               "wait": (COUNT, False), "stopped_epoch": (COUNT, True)}}
RNG = {"shuffle": (OBJECT, False), "dropout": (OBJECT, False)}


def kind(value: Any) -> str:
    """The JSON name of ``value``'s type, with a short excerpt of it: ``an array ([1])``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    names = {dict: "an object", list: "an array", str: "a string", int: "an integer",
             float: "a number"}
    name = next((n for t, n in names.items() if isinstance(value, t)), type(value).__name__)
    text = repr(value)
    return f"{name} ({text if len(text) <= 40 else text[:37] + '...'})"


def _is(value: Any, what: str) -> bool:
    if what == OBJECT:
        return isinstance(value, Mapping)
    if what == ARRAY:
        return isinstance(value, list)
    if what == STRING:
        return isinstance(value, str)
    if isinstance(value, bool):  # JSON true is not the number 1
        return False
    if what == COUNT:
        return isinstance(value, int) and 0 <= value < 2**63  # an int64, as numpy counts
    return isinstance(value, (int, float))  # NUMBER (checkpoint.load already refused NaN, inf)


def field(value: Any, name: str, what: str, nullable: bool = False) -> Any:
    """``value`` if it is ``what`` (or null if allowed), else a CheckpointError naming ``name``."""
    if (value is None and nullable) or _is(value, what):
        return value
    expected = f"{what} or null" if nullable else what
    raise CheckpointError(f"field {name!r} must be {expected}, got {kind(value)}")


def fields(meta: Mapping[str, Any], table: Mapping[str, tuple[str, bool]], prefix: str = "",
           optional: bool = False) -> None:
    """Check every entry of ``table`` in ``meta``; a missing one is refused unless ``optional``."""
    for name, (what, nullable) in table.items():
        if name not in meta:
            if optional:
                continue
            must = f"{what} or null" if nullable else what
            raise CheckpointError(f"field {prefix + name!r} is missing (it must be {must})")
        field(meta[name], prefix + name, what, nullable)


def check_meta(meta: Mapping[str, Any]) -> None:
    """The containers and counters of a trainer checkpoint's metadata, as ``state()`` writes."""
    fields(meta, TOP)
    fields(meta, OPTIONAL, optional=True)
    fields(meta["optimizer"], OPTIMIZER, "optimizer.")
    fields(meta["optimizer"], OPTIMIZER_OPTIONAL, "optimizer.", optional=True)
    for i, scalars in meta["optimizer"]["scalars"].items():
        field(scalars, f"optimizer.scalars.{i}", OBJECT)
    fields(meta["trainer"], TRAINER_OPTIONAL, "trainer.", optional=True)
    fields(meta["schedule_state"], SCHEDULE_STATE, "schedule_state.")
    fields(meta["rng"], RNG, "rng.")
    for name, state in (meta.get("callbacks") or {}).items():
        field(state, f"callbacks.{name}", OBJECT)
        if name in CALLBACKS:
            fields(state, CALLBACKS[name], f"callbacks.{name}.")
    # the partial (mid-epoch) fields: adamlab.train.state.EpochPosition.from_state


def check_arrays(arrays: Mapping[str, np.ndarray], dtype: np.dtype) -> None:
    """Weights and optimizer moments in the checkpoint's ``dtype`` (refused, not cast: int64
    weights were never written by adamlab)."""
    if "params" not in arrays:
        raise CheckpointError("the checkpoint has no 'params' array")
    own = ["params", *sorted(k for k in arrays if k.startswith("optimizer."))]
    for k in own:
        _same_dtype(k, arrays[k], dtype)


def _same_dtype(name: str, a: np.ndarray, dtype: np.dtype) -> None:
    if a.dtype != dtype:
        raise CheckpointError(f"array {name!r} has dtype {a.dtype}, the checkpoint's "
                              f"dtype is {dtype} (adamlab saves them alike; refused, not cast)")


def like_params(name: str, a: np.ndarray, params: np.ndarray) -> None:
    """An array of weights (the evaluation weights, an epoch's starting weights): the dtype and
    shape of ``params``."""
    _same_dtype(name, a, params.dtype)
    if a.shape != params.shape:
        raise CheckpointError(f"array {name!r} has shape {a.shape}, params {params.shape}")
