"""``save``/``load`` of a fitted estimator in the trainer's checkpoint format (npz + JSON).

The file is a trainer checkpoint (``Trainer.from_checkpoint`` reads it: weights, optimizer state,
generators, history) with the estimator in its ``extra`` metadata::

    extra.estimator.class     "MLPClassifier" or "MLPRegressor"
    extra.estimator.params    get_params(), as tagged JSON (tuples, dicts, infinities kept)
    extra.estimator.unsaved   parameters that cannot be written (a RandomState, callbacks):
                              loaded with their defaults
    extra.estimator.fitted    the fitted attributes (classes_, loss_curve_, n_iter_, t_, …)
    extra.estimator.monitor   the stopping rule's state; its best weights are the array
                              "estimator.best_params"

Labels and feature names are kept with their dtype (numbers, strings, booleans); any other
object in them makes ``save`` fail with a message naming it.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from adamlab.estimators._monitor import Monitor
from adamlab.estimators._poisson import attach
from adamlab.estimators._sgd import SklearnSGD
from adamlab.train import Trainer, schema
from adamlab.train import checkpoint as ckpt

__all__ = ["save", "load", "encode", "decode", "trainer_from_state"]

_FITTED = ("n_features_in_", "feature_names_in_", "n_outputs_", "n_layers_", "out_activation_",
           "n_iter_", "t_", "loss_", "best_loss_", "loss_curve_", "validation_scores_",
           "best_validation_score_", "classes_", "_kind")
_PREFIX = "estimator."


class _Unsaved(Exception):
    pass


def encode(value: Any) -> Any:
    """A JSON value that ``decode`` turns back into ``value`` (tuples, dicts, arrays, ±inf, nan)."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, np.generic):
        return encode(value.item())
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"float": repr(value)}
    if isinstance(value, tuple):
        return {"tuple": [encode(v) for v in value]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return {"dict": [[encode(k), encode(v)] for k, v in value.items()]}
    if isinstance(value, np.ndarray) and value.ndim == 1:
        if value.dtype.kind in "biufU" or (value.dtype.kind == "O" and all(
                isinstance(v, str) for v in value)):
            return {"array": [encode(v) for v in value.tolist()], "dtype": value.dtype.str}
    raise _Unsaved(type(value).__name__)


def decode(value: Any) -> Any:
    if isinstance(value, list):
        return [decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "float" in value:
        return float(value["float"])
    if "tuple" in value:
        return tuple(decode(v) for v in value["tuple"])
    if "dict" in value:
        return {_hashable(decode(k)): decode(v) for k, v in value["dict"]}
    if "array" in value:
        return np.array(decode(value["array"]), dtype=np.dtype(value["dtype"]))
    raise ckpt.CheckpointError(f"malformed estimator metadata: {value!r:.80}")


def _hashable(key: Any) -> Any:
    return tuple(key) if isinstance(key, list) else key


def trainer_from_state(arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> Trainer:
    """``Trainer.from_state``, knowing scikit-learn's SGD (``SklearnSGD``) besides the registry.

    The trainer rebuilds an optimizer from the class name in its state, looked up among the
    registry's classes. ``SklearnSGD`` (solver="sgd") is the estimators' own, not a name a user
    types, so it is a registry row only while such a state is read. (Asked of the trainer's
    owner: a public way to name extra optimizer classes, e.g. ``from_state(..., classes=)``.)
    """
    if meta.get("optimizer", {}).get("class") != SklearnSGD.__name__:
        return Trainer.from_state(arrays, meta)
    from adamlab.optim import OPTIMIZERS, OptimizerSpec, register
    from adamlab.train import trainer as trainer_module

    legacy = getattr(trainer_module, "_CLASSES", None)  # the trainer before issue 12
    if isinstance(legacy, dict):
        legacy.setdefault(SklearnSGD.__name__, SklearnSGD)
    key = "_estimators_sklearn_sgd"
    register(key, OptimizerSpec(SklearnSGD, family="sgd", decay="none"))
    try:
        return Trainer.from_state(arrays, meta)
    finally:
        OPTIMIZERS.pop(key, None)


def state(est: Any) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """(arrays, JSON metadata) of a fitted estimator: the trainer's state plus the estimator."""
    arrays, meta = est._trainer.state()
    mon_arrays, mon_meta = est._monitor.state()
    arrays.update({_PREFIX + k: v for k, v in mon_arrays.items()})
    params, unsaved = {}, []
    for name, value in est.get_params(deep=False).items():
        try:
            params[name] = encode(value)
        except _Unsaved:
            unsaved.append(name)
    if unsaved:
        warnings.warn(f"{type(est).__name__}.save: {', '.join(unsaved)} cannot be written to a "
                      "file and will have their default values when loaded; set them again with "
                      "set_params before continuing training", UserWarning, stacklevel=4)
    fitted = {}
    for name in _FITTED:
        if hasattr(est, name):
            try:
                fitted[name] = encode(getattr(est, name))
            except _Unsaved:
                raise ValueError(f"{type(est).__name__}.save: {name} holds "
                                 f"{getattr(est, name)!r:.60}, which cannot be written; only "
                                 "numbers, strings and booleans can") from None
    meta["extra"] = {**meta.get("extra", {}), "estimator": {
        "class": type(est).__name__, "params": params, "unsaved": unsaved, "fitted": fitted,
        "monitor": mon_meta}}
    return arrays, meta


def save(est: Any, path: Any) -> None:
    arrays, meta = state(est)
    ckpt.save(path, arrays, meta)


def load(cls: type, path: Any) -> Any:
    arrays, meta = ckpt.load(path)
    try:
        extra = schema.field(meta.get("extra"), "extra", schema.OBJECT, nullable=True)
    except ckpt.CheckpointError as e:
        raise ckpt.CheckpointError(f"{path}: {e}") from None
    info = (extra or {}).get("estimator")
    if not isinstance(info, dict):
        raise ckpt.CheckpointError(f"{path}: a training checkpoint, not a saved estimator "
                                   "(use Trainer.from_checkpoint for it)")
    if info.get("class") != cls.__name__:
        raise ckpt.CheckpointError(f"{path}: holds a {info.get('class')}, not a {cls.__name__}; "
                                   f"load it with {info.get('class')}.load")
    try:
        est = cls(**{k: decode(v) for k, v in info["params"].items()})
        est._trainer = trainer_from_state(arrays, meta)
        if "decay_biases" not in info["params"]:  # saved when weight decay covered everything
            est.decay_biases = bool(getattr(est._trainer, "decay_biases", False))
        attach(est._trainer.model, getattr(est, "loss", "squared_error"))
        mon_arrays = {k[len(_PREFIX):]: v for k, v in arrays.items() if k.startswith(_PREFIX)}
        est._monitor = Monitor.from_state(mon_arrays, info["monitor"])
        for name, value in info["fitted"].items():
            if name not in _FITTED:
                raise ValueError(f"unknown fitted attribute {name!r}")
            setattr(est, name, decode(value))
        est._dtype = est._trainer.model.dtype
        if "t" not in info["monitor"]:  # saved before the monitor counted samples (t_)
            est._monitor.t = int(getattr(est, "t_", 0))
    except ckpt.CheckpointError as e:
        raise ckpt.CheckpointError(f"{path}: {e}") from None
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise ckpt.CheckpointError(f"{path}: inconsistent estimator metadata ({e})") from None
    return est
