"""One training run from plain settings: data -> split -> standardise -> model -> trainer.

``adamlab train``, ``adamlab compare`` and ``adamlab sweep`` all describe a run with the same
JSON-able ``Settings``, so a run can be repeated (or sent to another process or machine) from
its ``summary.json`` alone. Everything random derives from ``seed``:

* the validation split from ``default_rng([seed, 1])``,
* the initial weights from ``default_rng([seed, 0])``,
* shuffling and dropout from the trainer's generators ``[seed, 2]`` and ``[seed, 3]``;

synthetic data sets draw from ``data_seed`` (default: ``seed``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np

from adamlab.data import DataError, Dataset, Rows, Standardizer, load_data
from adamlab.data.files import is_file_source
from adamlab.data.labels import TASK_CHOICES, explain_task
from adamlab.data.rows import row_blocks
from adamlab.data.split import validation_split
from adamlab.lrfind import LRFind, LRRangeTest, run_range_test
from adamlab.nn import MLP
from adamlab.nn.losses import TASKS
from adamlab.train import Callback, EarlyStopping, Trainer
from adamlab.train.inputs import batch_size_for


@dataclass
class Settings:
    """Everything that defines a run. ``lr=None`` means the optimizer's own default.

    ``task`` (None: inferred from the target by ``adamlab.data.labels``' rule) reads a file's
    target as "binary", "multiclass" (or "classification") or "regression"; a built-in set
    has its own, which a contradicting choice is refused for.

    ``weight_decay`` decays the weight matrices only unless ``decay_biases``; ``optimizer_args``
    holds the chosen optimizer's other hyperparameters by name (``{"d0": 1e-6}``), those
    without a field of their own.
    """

    data: str = "article"
    target: str | None = None
    task: str | None = None
    n_samples: int | None = None
    noise: float | None = None
    data_seed: int | None = None
    standardize: bool = True
    mmap: bool | None = None
    hidden: list[int] = field(default_factory=lambda: [16])
    activation: str = "tanh"
    dropout: float = 0.0
    dtype: str = "float64"
    optimizer: str = "adam"
    lr: float | None = 0.01
    betas: list[float] | None = None
    eps: float | None = None
    weight_decay: float | None = None
    decay_biases: bool = False
    momentum: float | None = None
    eps_hat: bool = False
    optimizer_args: dict[str, Any] = field(default_factory=dict)
    l2: float = 0.0
    epochs: int = 100
    batch_size: int | None = 16
    val_fraction: float = 0.2
    early_stopping: int | None = None
    monitor: str = "val_loss"
    schedule: str = "constant"
    warmup: int = 0
    clip_norm: float | None = None
    class_weight: str | None = None
    seed: int = 0
    log_steps: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Settings:
        known = {f.name for f in fields(cls)}
        unknown = set(d) - known
        if unknown:
            raise ValueError(f"unknown setting(s) {sorted(unknown)}; known: {sorted(known)}")
        return cls(**d)

    def optimizer_kwargs(self) -> dict[str, Any]:
        """The optimizer's own arguments among the settings (those that were set), then
        ``optimizer_args``."""
        args: dict[str, Any] = {}
        if self.lr is not None:
            args["lr"] = self.lr
        if self.betas is not None:
            args["betas"] = tuple(self.betas)
        for name in ("eps", "weight_decay", "momentum"):
            if getattr(self, name) is not None:
                args[name] = getattr(self, name)
        if self.eps_hat:
            args["eps_hat"] = True
        args.update({k: tuple(v) if isinstance(v, list) else v
                     for k, v in self.optimizer_args.items()})
        return args


@dataclass
class Prepared:
    """The pieces of a run, ready to ``trainer.fit(X_train, y_train, ...)``."""

    settings: Settings
    dataset: Dataset
    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray | None
    y_val: np.ndarray | None
    standardizer: Standardizer | None
    model: MLP
    trainer: Trainer
    #: The dataset rows held out for validation (None: no validation split).
    val_rows: np.ndarray | None = None

    def fit(
        self, epochs: int | None = None, callbacks: list[Callback] | tuple = (), **kw: Any
    ) -> None:
        s = self.settings
        cbs = list(callbacks)
        if s.early_stopping is not None:
            cbs.append(EarlyStopping(monitor=self._monitor(), patience=s.early_stopping))
        self.trainer.fit(
            self.X_train, self.y_train,
            epochs=s.epochs - self.trainer.epoch if epochs is None else epochs,
            validation_data=None if self.X_val is None else (self.X_val, self.y_val),
            class_weight=s.class_weight, classes=self.dataset.classes, callbacks=cbs, **kw,
        )

    def _monitor(self) -> str:
        m = self.settings.monitor
        return m if self.X_val is not None or not m.startswith("val_") else m[4:]

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Model outputs for raw (unstandardised) features, from the evaluation weights."""
        Xs = X if self.standardizer is None else self.standardizer.transform(X)
        with self.trainer.evaluation_weights():
            return self.model.predict_proba(np.asarray(Xs, dtype=self.model.dtype))


#: ``.npy`` files larger than this are memory-mapped and streamed (``Settings.mmap=None``).
MMAP_BYTES = 256 * 2**20


def load(settings: Settings) -> Dataset:
    s = settings
    mmap = s.mmap
    if mmap is None:
        path = Path(s.data)
        mmap = path.suffix.lower() == ".npy" and path.is_file() and path.stat().st_size > MMAP_BYTES
    task = s.task if is_file_source(s.data) else None  # a built-in set's is checked by prepare
    return load_data(s.data, target=s.target, task=task, n_samples=s.n_samples, noise=s.noise,
                     seed=s.seed if s.data_seed is None else s.data_seed, mmap=bool(mmap))


def prepare(
    settings: Settings, dataset: Dataset | None = None, trainer: Trainer | None = None
) -> Prepared:
    """Load, split, standardise and build (or take a resumed ``trainer`` built from a
    checkpoint)."""
    s = settings
    _validate(s)
    ds = dataset if dataset is not None else load(s)
    _check_task(ds, s.task)
    classifies = TASKS[ds.task].classifies  # the loss of the task: its head, its classes
    if classifies and ds.n_classes is not None and ds.n_classes < 2:
        raise ValueError(
            f"{ds.name}: only one class in the target; classification needs two or more")
    X, y = ds.X, ds.y
    dtype = np.dtype(s.dtype)
    if not s.standardize:  # raw features are cast as they are: they must fit in the dtype
        _check_fits(X, dtype, ds.feature_names)
    tr = va = None
    if s.val_fraction:
        tr, va = validation_split(y, s.val_fraction, s.seed, stratify=classifies)
    if isinstance(X, np.memmap):  # stream: rows are read, standardised and cast batch by batch
        scaler = _fit_standardizer(Rows(X, tr), ds) if s.standardize else None
        X_train = Rows(X, tr, scaler, dtype)
        X_val = None if va is None else Rows(X, va, scaler, dtype)
    else:
        X_train, X_val = (X, None) if tr is None else (X[tr], X[va])
        scaler = _fit_standardizer(X_train, ds) if s.standardize else None
        if scaler is not None:
            X_train = scaler.transform(X_train)
            X_val = None if X_val is None else scaler.transform(X_val)
        X_train = np.asarray(X_train, dtype=dtype)
        X_val = None if X_val is None else np.asarray(X_val, dtype=dtype)
    y_train, y_val = (y, None) if tr is None else (y[tr], y[va])
    if trainer is None:
        n_out = ds.n_classes if ds.task == "multiclass" else 1
        model = MLP(ds.n_features, tuple(s.hidden), n_out, activation=s.activation,
                    output=TASKS[ds.task].head, dropout=s.dropout, dtype=dtype,
                    rng=np.random.default_rng([s.seed, 0]))
        groups = {"decay_biases": True} if s.decay_biases else {}  # the default otherwise
        trainer = Trainer(model, s.optimizer, optimizer_args=s.optimizer_kwargs(),
                          schedule=s.schedule, warmup=s.warmup, clip_norm=s.clip_norm, l2=s.l2,
                          batch_size=s.batch_size, seed=s.seed, schedule_epochs=s.epochs,
                          log_steps=s.log_steps, **groups)
    return Prepared(s, ds, X_train, y_train, X_val, y_val, scaler, trainer.model, trainer, va)


def _fit_standardizer(X_train: Any, ds: Dataset) -> Standardizer:
    """The training rows' Standardizer; a column it cannot standardise is named as the data
    set names it."""
    try:
        return Standardizer().fit(X_train, feature_names=ds.feature_names)
    except DataError as e:
        raise DataError(f"{ds.name}: {e}") from None


def _check_task(ds: Dataset, chosen: str | None) -> None:
    """Refuse a chosen task the data set contradicts (a file's target is read as chosen)."""
    if chosen is None or chosen == ds.task or (chosen == "classification"
                                               and ds.task != "regression"):
        return
    raise DataError(f"{ds.name} is a {ds.task} data set; task {chosen!r} (--task {chosen}) "
                    "contradicts it: drop the task, or give a file whose target fits it")


def _check_fits(X: np.ndarray, dtype: np.dtype, names: Any) -> None:
    """Refuse, naming the column, raw features that casting to ``dtype`` would make infinite.

    A value overflows iff its cast is ±inf, so each column's largest |x| is cast and tested
    (rows read in blocks, through ``Rows`` for a memory-mapped file: never loaded whole).
    """
    if np.can_cast(X.dtype, dtype, "safe"):
        return
    src = Rows(X) if isinstance(X, np.memmap) else X
    top = np.zeros(X.shape[1])
    for rows in row_blocks(X):
        block = np.abs(np.asarray(src[rows], dtype=np.float64))
        top = np.maximum(top, block.max(axis=0, initial=0.0))
    with np.errstate(over="ignore"):  # the overflow is what is looked for
        bad = np.flatnonzero(np.isinf(top.astype(dtype)))
    if bad.size:
        j = int(bad[0])
        name = f" ({names[j]!r})" if names is not None and j < len(names) else ""
        raise DataError(
            f"X column {j}{name}: values up to {top[j]:.3g} do not fit in {dtype} (largest "
            f"{float(np.finfo(dtype).max):.3g}); standardise the features (drop "
            f"--no-standardize, standardize=True) or train in float64 (--dtype float64)")


def _validate(s: Settings) -> None:
    def bad(name: str, what: str, value: Any) -> ValueError:
        return ValueError(f"{name} must be {what}, got {value!r}")

    if not isinstance(s.epochs, int) or s.epochs < 1:
        raise bad("epochs", "an integer >= 1", s.epochs)
    if s.lr is not None and not (math.isfinite(s.lr) and s.lr > 0):
        raise bad("lr", "a finite number > 0", s.lr)
    if not (0 <= s.val_fraction < 1):
        raise bad("val_fraction", "in [0, 1)", s.val_fraction)
    if s.task not in (None, *TASK_CHOICES):
        raise bad("task", f"one of {', '.join(TASK_CHOICES)} (or None to infer it)", s.task)
    if s.dtype not in ("float32", "float64"):
        raise bad("dtype", "float32 or float64", s.dtype)
    if any((not isinstance(h, int)) or h < 1 for h in s.hidden):
        raise bad("hidden", "layer widths >= 1 (e.g. 16,16; empty for none)", s.hidden)
    if s.early_stopping is not None and s.early_stopping < 1:
        raise bad("early_stopping", "a patience >= 1 (epochs)", s.early_stopping)
    if not isinstance(s.decay_biases, bool):
        raise bad("decay_biases", "True or False", s.decay_biases)
    if not (isinstance(s.optimizer_args, dict) and all(isinstance(k, str)
                                                       for k in s.optimizer_args)):
        raise bad("optimizer_args", "a dict of the optimizer's argument names to values "
                  "(e.g. {'d0': 1e-6})", s.optimizer_args)


def summarize(p: Prepared) -> dict[str, Any]:
    """Final metrics of a prepared-and-fitted run (JSON-able)."""
    from adamlab.train import fingerprint

    last = p.trainer.history.last()
    final = {k: _num(last.get(k)) for k in ("loss", "accuracy", "val_loss", "val_accuracy")}
    return {"final": final, "epochs": p.trainer.epoch, "steps": p.trainer.step_count,
            "params_sha256": fingerprint(p.model.params),
            "task": task_note(p)}


def task_note(p: Prepared) -> str:
    """The run's task and why (chosen, a built-in set's own, or inferred: the rule's reason)."""
    ds = p.dataset
    builtin = ds.target is None and not is_file_source(p.settings.data)
    return explain_task(ds.task, ds.y, ds.classes, p.settings.task, builtin=builtin)


def _num(x: Any) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


def run(settings: Settings | dict[str, Any]) -> dict[str, Any]:
    """Train one run from settings and return its summary and history (plain data).

    A diverged run is a result too: ``status`` is "diverged" and ``error`` says where.
    This is what ``compare`` and ``sweep`` call, in this process or another.
    """
    import time

    from adamlab.train import DivergenceError

    s = settings if isinstance(settings, Settings) else Settings.from_dict(settings)
    t0 = time.perf_counter()
    p = prepare(s)
    status, error = "ok", None
    try:
        p.fit()
    except DivergenceError as e:
        status, error = "diverged", str(e)
    out = summarize(p)
    out.update(status=status, error=error, settings=s.to_dict(),
               seconds=time.perf_counter() - t0, history=p.trainer.history.to_dict()["epochs"])
    return out


def lr_find(settings: Settings | dict[str, Any] | None = None, *,
            seeds: int | Sequence[int] = 3, lr_min: float = 1e-6, lr_max: float = 1.0,
            steps: int = 100, beta: float = 0.98, diverge: float = 4.0,
            **overrides: Any) -> LRFind:
    """The learning-rate range test (``adamlab.lrfind``) of the run ``adamlab train`` would
    make of ``settings`` (or of keyword arguments: ``lr_find(data="moons", optimizer="lion")``):
    the same data for every seed (``data_seed``, default ``seed``), each seed its own weights
    and batch order, the learning rate growing from ``lr_min`` to ``lr_max`` over ``steps``
    steps. ``seeds``: how many (0 … k−1), or which. Early stopping and schedules are off."""
    base = Settings() if settings is None else (
        settings if isinstance(settings, Settings) else Settings.from_dict(dict(settings)))
    base = Settings.from_dict({**base.to_dict(), **overrides, "early_stopping": None,
                               "schedule": "constant", "warmup": 0, "lr": lr_min})
    data_seed = base.data_seed if base.data_seed is not None else base.seed
    seed_list = list(range(seeds)) if isinstance(seeds, int) else list(seeds)
    shared: dict[str, Dataset] = {}

    def fit(seed: int, test: LRRangeTest) -> None:
        s = Settings.from_dict({**base.to_dict(), "seed": seed, "data_seed": data_seed})
        p = prepare(s, shared.get("data"))
        shared["data"] = p.dataset
        batches = -(-len(p.y_train) // batch_size_for(s.batch_size, len(p.y_train)))
        p.trainer.fit(p.X_train, p.y_train, epochs=-(-steps // batches), callbacks=[test],
                      class_weight=s.class_weight, classes=p.dataset.classes)

    return run_range_test(fit, seed_list, lr_min, lr_max, steps, beta, diverge,
                          settings=base.to_dict())
