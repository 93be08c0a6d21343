"""A trainer's state as (arrays, JSON metadata), and a trainer rebuilt from it, exactly.

``snapshot(trainer)`` writes everything that changes while training: the weights, the
optimizer's state (with its parameter groups), the schedule's position, the generators, the
position within an unfinished epoch (``EpochPosition``), the history, the callbacks' states.
``restore(Trainer, arrays, meta)`` checks it field by field (``adamlab.train.schema``: a file
may be hostile) and rebuilds a trainer that continues bit for bit where that one was.

The optimizer is rebuilt from its *layout*: for each part (one, or the parts of a
``MultiOptimizer``) its class and, per group, the names of the model's parameters it holds
(``model.named_parameters()``; ``"params"`` is the whole flat buffer). A checkpoint of a
release before parameter groups (format version 1) has no layout: its optimizer was one
group over the flat buffer, and is rebuilt so (weight decay on the biases too, as that run was
trained), and its trainer settings say ``decay_biases``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from adamlab.optim import OPTIMIZERS, MultiOptimizer
from adamlab.train import checkpoint as ckpt
from adamlab.train import guard, modes, schema
from adamlab.train.history import History

__all__ = ["EpochPosition", "snapshot", "restore", "load", "give_state", "FLAT"]

#: The layout name of the model's whole flat parameter buffer (``model.params``).
FLAT = "params"


@dataclass
class EpochPosition:
    """Where training stands inside an unfinished epoch, and the epoch's sums so far.

    Saved as the arrays ``partial.perm`` / ``partial.theta_start`` and the JSON object
    ``partial`` holding the other fields (their kinds in ``FIELDS``)."""

    perm: np.ndarray  # the epoch's order of the training rows
    theta_start: np.ndarray  # the weights when the epoch began (for update_ratio)
    batch: int = 0  # batches of the epoch done
    n_batches: int = 0  # ... of which the sums below hold
    correct: int = 0
    loss_sum: float = 0.0
    grad_norm_sum: float = 0.0
    seconds: float = 0.0

    ARRAYS: ClassVar[tuple[str, ...]] = ("perm", "theta_start")
    FIELDS: ClassVar[dict[str, tuple[str, bool]]] = {
        "batch": (schema.COUNT, False), "n_batches": (schema.COUNT, False),
        "correct": (schema.COUNT, False), "loss_sum": (schema.NUMBER, False),
        "grad_norm_sum": (schema.NUMBER, False), "seconds": (schema.NUMBER, False)}

    def add(self, loss: float, correct: int, grad_norm: float) -> None:
        """One more batch done, with its loss, its correct rows and its gradient norm."""
        self.batch += 1
        self.n_batches += 1
        self.loss_sum += loss
        self.correct += correct
        self.grad_norm_sum += grad_norm

    def clock(self, since: float) -> float:
        """Add the seconds since ``since`` (a ``perf_counter`` reading); the reading now."""
        now = time.perf_counter()
        self.seconds += now - since
        return now

    def to_state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        return ({f"partial.{k}": getattr(self, k) for k in self.ARRAYS},
                {k: getattr(self, k) for k in self.FIELDS})

    @classmethod
    def from_state(cls, arrays: Mapping[str, np.ndarray], meta: Mapping[str, Any],
                   params: np.ndarray) -> EpochPosition:
        """Checked: the fields' kinds, ``perm`` a permutation, ``theta_start`` like ``params``."""
        schema.fields(meta, cls.FIELDS, "partial.")
        for k in cls.ARRAYS:
            if f"partial.{k}" not in arrays:
                raise ckpt.CheckpointError(f"a mid-epoch checkpoint needs the array 'partial.{k}'")
        perm, start = arrays["partial.perm"], arrays["partial.theta_start"]
        if (perm.ndim != 1 or perm.dtype.kind not in "iu"
                or not np.array_equal(np.sort(perm), np.arange(len(perm)))):
            raise ckpt.CheckpointError("array 'partial.perm' must be a permutation of 0…n-1 "
                                       "(the order of the unfinished epoch)")
        schema.like_params("partial.theta_start", start, params)
        return cls(perm, start, **{k: meta[k] for k in cls.FIELDS})


# ------------------------------------------------------------------------------- writing
def settings_of(trainer: Any) -> dict[str, Any]:
    """The trainer's constructor arguments a checkpoint keeps (JSON-able)."""
    t = trainer
    return {"schedule": t.schedule_name, "warmup": t.warmup, "clip_norm": t.clip_norm,
            "l2": t.l2, "l2_per_sample": t.l2_per_sample, "batch_size": t.batch_size,
            "shuffle": t.shuffle, "seed": t.seed, "log_steps": t.log_steps,
            "decay_biases": t.decay_biases, "explosion": t.explosion}


def snapshot(trainer: Any) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Everything needed to resume ``trainer``, as (arrays, JSON-able metadata)."""
    model, opt = trainer.model, trainer.optimizer
    opt_arrays, opt_meta = ckpt.pack_state(opt.state_dict(), "optimizer")
    arrays = {"params": model.params.copy(), **opt_arrays}
    if modes.has_modes(opt):
        with trainer.evaluation_weights():
            arrays["eval_params"] = model.params.copy()
    partial = None
    if trainer._position is not None:
        pos_arrays, partial = trainer._position.to_state()
        arrays.update(pos_arrays)
    cb_arrays, callbacks = _callback_states(trainer._callbacks)
    arrays.update(cb_arrays)
    scheduler = trainer._scheduler
    schedule_state = {"epochs": trainer._schedule_epochs, **{k: None for k in schema.SCHEDULERS}}
    if scheduler is not None:
        schedule_state[scheduler.kind] = scheduler.state_dict()
    meta = {
        "model": model.get_config(),
        "callbacks": callbacks,
        "dtype": np.dtype(model.params.dtype).name,
        "params_sha256": ckpt.fingerprint(model.params),
        "optimizer": {"name": trainer.optimizer_name, "class": type(opt).__name__,
                      "parts": _layout(opt, model), **opt_meta},
        "trainer": trainer.settings(),
        "schedule_state": schedule_state,
        "epoch": trainer.epoch,
        "step": trainer.step_count,
        "rng": {"shuffle": trainer._shuffle_rng.bit_generator.state,
                "dropout": trainer._dropout_rng.bit_generator.state},
        "partial": partial,
        "data_sha256": trainer._data_sha,
        "loss_start": trainer.loss_start,
        "history": trainer.history.to_dict(),
        "extra": trainer.extra,
    }
    return arrays, meta


def give_state(callback: Any, saved: dict[str, tuple[dict[str, np.ndarray], dict[str, Any]]]
               ) -> None:
    """Hand ``callback`` its state from a checkpoint (``saved``, by class name, or a name the
    class had before: its ``legacy_names``), once."""
    state = None
    for name in (type(callback).__name__, *getattr(callback, "legacy_names", ())):
        state = saved.pop(name, None) if state is None else state
    if state is not None and hasattr(callback, "load_state_dict"):
        callback.load_state_dict(*state)


def _callback_states(callbacks: Any) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    arrays: dict[str, np.ndarray] = {}
    metas: dict[str, Any] = {}
    for cb in callbacks:
        if hasattr(cb, "state_dict"):
            name = type(cb).__name__
            cb_arrays, metas[name] = cb.state_dict()
            if not isinstance(cb_arrays, dict) or not isinstance(metas[name], dict):
                raise TypeError(f"{name}.state_dict() must return (dict of arrays, dict of "
                                "JSON values) for a checkpoint; got "
                                f"({type(cb_arrays).__name__}, {type(metas[name]).__name__})")
            arrays.update({f"callback.{name}.{k}": v for k, v in cb_arrays.items()})
    return arrays, metas


def _layout(opt: Any, model: Any) -> list[dict[str, Any]]:
    """Per part of the optimizer: its class and, per group, the names of its parameters."""
    names = {id(view): name for name, view in model.named_parameters()}
    names[id(model.params)] = FLAT
    parts = opt.parts if isinstance(opt, MultiOptimizer) else [opt]
    return [{"class": type(part).__name__,
             "groups": [[names[id(p)] for p in g["params"]] for g in part.param_groups]}
            for part in parts]


# ------------------------------------------------------------------------------- reading
def load(cls: Any, path: Any) -> Any:
    """The trainer of the checkpoint file ``path`` (errors name the file)."""
    arrays, meta = ckpt.load(path)
    try:
        return restore(cls, arrays, meta, where="inconsistent checkpoint")
    except ckpt.CheckpointError as e:
        raise ckpt.CheckpointError(f"{path}: {e}") from None


def restore(cls: Any, arrays: Mapping[str, np.ndarray], meta: Mapping[str, Any],
            where: str = "inconsistent trainer state") -> Any:
    """The trainer ``snapshot`` describes (``cls`` is ``Trainer``); a CheckpointError naming
    the field for anything that is not what ``snapshot`` writes (``where (reason)`` for what
    the constructors refuse)."""
    try:
        return _restore(cls, arrays, meta)
    except ckpt.CheckpointError:
        raise
    except (KeyError, TypeError, ValueError, IndexError) as e:
        raise ckpt.CheckpointError(f"{where} ({e})") from None


def _restore(cls: Any, arrays: Mapping[str, np.ndarray], meta: Mapping[str, Any]) -> Any:
    from adamlab.nn import MLP

    schema.check_meta(meta)
    dtype = np.dtype(meta["dtype"])
    if dtype not in (np.float32, np.float64):
        raise ckpt.CheckpointError(f"unsupported dtype {dtype}")
    schema.check_arrays(arrays, dtype)
    model = _model(MLP, meta["model"], arrays["params"], dtype)
    if "eval_params" in arrays:
        schema.like_params("eval_params", arrays["eval_params"], model.params)
    position = None
    if meta["partial"] is not None:
        position = EpochPosition.from_state(arrays, meta["partial"], model.params)
    om = meta["optimizer"]
    optimizer = _optimizer(om, model)
    optimizer.load_state_dict(ckpt.unpack_state(arrays, om, "optimizer"))
    t = meta["trainer"]
    trainer = cls(model, optimizer, schedule=t["schedule"], warmup=t["warmup"],
                  clip_norm=t["clip_norm"], l2=t["l2"], batch_size=t["batch_size"],
                  shuffle=t["shuffle"], seed=t["seed"], log_steps=t["log_steps"],
                  l2_per_sample=bool(t.get("l2_per_sample", False)),
                  decay_biases=bool(t.get("decay_biases", True)),
                  explosion=t.get("explosion", guard.EXPLOSION))
    trainer.optimizer_name = om["name"]
    trainer.epoch, trainer.step_count = meta["epoch"], meta["step"]  # checked: ints >= 0
    trainer._shuffle_rng.bit_generator.state = meta["rng"]["shuffle"]
    trainer._dropout_rng.bit_generator.state = meta["rng"]["dropout"]
    trainer.history = History.from_dict(meta["history"])
    trainer._data_sha = meta.get("data_sha256")
    trainer.loss_start = meta.get("loss_start")  # absent before the guard: the next step's
    trainer.extra = dict(meta.get("extra") or {})
    _schedule(trainer, meta["schedule_state"])
    for name, cb_meta in meta.get("callbacks", {}).items():
        prefix = f"callback.{name}."
        cb_arrays = {k[len(prefix):]: v for k, v in arrays.items() if k.startswith(prefix)}
        trainer._callback_states[name] = (cb_arrays, cb_meta)
    trainer._position = position
    return trainer


def _model(MLP: Any, cfg: Mapping[str, Any], params: np.ndarray, dtype: np.dtype) -> Any:
    sizes = [int(cfg["n_inputs"]), *map(int, cfg.get("hidden", [])), int(cfg.get("n_outputs", 1))]
    declared = sum(a * b + b for a, b in zip(sizes, sizes[1:], strict=False))
    if min(sizes) < 1 or params.shape != (declared,):  # before building: a tiny file can
        raise ValueError(  # declare a 7 GB model
            f"params has shape {params.shape}, the declared model needs ({declared},)")
    model = MLP.from_config(cfg, dtype=dtype)
    model.params[...] = params
    return model


def _optimizer(om: Mapping[str, Any], model: Any) -> Any:
    """The optimizer of the checkpoint's layout over ``model``, with default hyperparameters
    (its ``load_state_dict`` sets the saved ones)."""
    classes = {spec.cls.__name__: spec.cls for spec in OPTIMIZERS.values()}
    if om["class"] not in classes and om["class"] != MultiOptimizer.__name__:
        raise ckpt.CheckpointError(f"unknown optimizer class {om['class']!r}")
    parts = om.get("parts") or [{"class": om["class"], "groups": [[FLAT]]}]  # before groups
    views = {**dict(model.named_parameters()), FLAT: model.params}
    built = []
    for j, part in enumerate(parts):
        where = f"optimizer.parts.{j}"
        schema.field(part, where, schema.OBJECT)
        schema.fields(part, schema.PART, where + ".")
        opt_cls = classes.get(part["class"])
        if opt_cls is None:
            raise ckpt.CheckpointError(f"unknown optimizer class {part['class']!r}")
        groups = []
        for k, names in enumerate(part["groups"]):
            unknown = [n for n in names if not isinstance(n, str) or n not in views]
            if not isinstance(names, list) or not names or unknown:
                raise ckpt.CheckpointError(
                    f"field '{where}.groups.{k}' must list parameters of the model "
                    f"({', '.join(views)}), got {schema.kind(names)}")
            groups.append({"params": [views[n] for n in names]}
                          | ({} if names == [FLAT] else {"param_names": list(names)}))
        built.append(opt_cls(groups))
    if om["class"] == MultiOptimizer.__name__:
        return MultiOptimizer(built)
    if len(built) != 1 or om["class"] != parts[0]["class"]:
        raise ckpt.CheckpointError(f"field 'optimizer.parts' must describe the one "
                                   f"{om['class']} optimizer, got {len(built)} part(s)")
    return built[0]


def _schedule(trainer: Any, ss: Mapping[str, Any]) -> None:
    """The scheduler at its saved position, and every group's saved learning rate."""
    if ss["epochs"] is None:
        return
    optimizer = trainer.optimizer
    saved_lrs = [g["lr"] for g in optimizer.param_groups]
    trainer._setup_schedule(ss["epochs"])
    state = ss.get(trainer._scheduler.kind)
    if state is not None:
        trainer._scheduler.load_state_dict(state)
    for g, lr in zip(optimizer.param_groups, saved_lrs, strict=True):
        g["lr"] = lr
