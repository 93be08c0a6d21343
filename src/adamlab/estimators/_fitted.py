"""What a fitted estimator shows: ``coefs_``/``intercepts_`` as views into the model's buffer,
``history_``, and the private attributes scikit-learn's own tests read.

``coefs_`` and ``intercepts_`` are views of the trainer's model (writing into them changes the
model), or of a weight snapshot on the copies that scikit-learn's callbacks get as
``fitted_estimator``. Assigned before the first fit, they are kept as given (scikit-learn's
``test_fit`` fills the list in afterwards) and become the initial weights of a first
``partial_fit`` or warm-started ``fit``. The private attributes (docs/sklearn.md, "what differs"):
``_optimizer.learning_rate``, ``_no_improvement_count`` and ``_loss_grad_lbfgs``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.utils.validation import check_is_fitted

from adamlab.estimators._lbfgs import loss_and_grad

__all__ = ["FittedViews"]


class FittedViews:
    """Mixin of ``BaseMLP``: the fitted attributes that are views, not stored values."""

    def _layers(self, name: str) -> list[np.ndarray] | None:
        """The weight (``W``) or bias (``b``) arrays: of a callback's snapshot, of the model,
        or None before the first fit."""
        if "_trainer" not in self.__dict__:
            return None
        model = self._trainer.model
        snapshot = self.__dict__.get("_snapshot")
        if snapshot is not None:
            return _split(snapshot, model, name)
        return [getattr(layer, name) for layer in model.dense]

    @property
    def coefs_(self) -> list[np.ndarray]:
        """Weight matrices ``W_l`` of shape ``(fan_in, fan_out)``: views into the one parameter
        buffer (writing into them changes the model); assigning a list copies it in. Set
        before a first ``partial_fit`` (or warm-started ``fit``), they are its initial weights,
        as in scikit-learn."""
        return self._fitted_layers("coefs_", "W")

    @coefs_.setter
    def coefs_(self, values: list[np.ndarray]) -> None:
        self._assign("coefs_", "W", values)

    @property
    def intercepts_(self) -> list[np.ndarray]:
        """Bias vectors ``b_l``: views into the one parameter buffer, like ``coefs_``."""
        return self._fitted_layers("intercepts_", "b")

    def _fitted_layers(self, name: str, kind: str) -> list[np.ndarray]:
        """The model's ``kind`` arrays, or before fit those assigned to ``name`` (else the
        not-fitted error)."""
        layers = self._layers(kind)
        if layers is None:
            if f"_{name[:-1]}_init" in self.__dict__:
                return self.__dict__[f"_{name[:-1]}_init"]
            check_is_fitted(self)
        return layers

    @intercepts_.setter
    def intercepts_(self, values: list[np.ndarray]) -> None:
        self._assign("intercepts_", "b", values)

    def _assign(self, name: str, kind: str, values: list[np.ndarray]) -> None:
        targets = self._layers(kind)
        if targets is None:  # before fit: kept as given (a list the caller may fill in)
            self.__dict__[f"_{name[:-1]}_init"] = values
            return
        shapes = [t.shape for t in targets]
        arrays = [np.asarray(v) for v in values]
        if [v.shape for v in arrays] != shapes:
            raise ValueError(f"{name} must be a list of arrays of shapes {shapes}; "
                             f"got {[v.shape for v in arrays]}")
        for t, v in zip(targets, arrays, strict=True):
            t[...] = v

    @property
    def history_(self):
        """Per-epoch training record (``adamlab.train.History``): ``history_["loss"]``,
        ``["val_loss"]``, ``["accuracy"]``, ``["val_accuracy"]``, ``["lr"]``, ``["grad_norm"]``,
        … — one entry per epoch over every fit, warm starts and ``partial_fit`` included."""
        check_is_fitted(self)
        return self._trainer.history

    # scikit-learn's private attributes its own tests read (docs/sklearn.md)
    @property
    def _no_improvement_count(self) -> int:
        """Epochs in a row without improvement (the stopping rule's counter)."""
        monitor = self.__dict__.get("_monitor")
        return self.__dict__.get("_count_init", 0) if monitor is None else monitor.count

    @_no_improvement_count.setter
    def _no_improvement_count(self, value: int) -> None:
        monitor = self.__dict__.get("_monitor")
        if monitor is None:
            self.__dict__["_count_init"] = int(value)
        else:
            monitor.count = int(value)

    @property
    def _optimizer(self):
        """What scikit-learn's ``_optimizer`` offers its tests: ``.learning_rate``, the current
        η of the stochastic solver (scikit-learn's schedule for "sgd")."""
        check_is_fitted(self)
        return self._monitor.learning_rate

    def _loss_grad_lbfgs(self, packed, X, y, sample_weight=None, *buffers):
        """scikit-learn's ``(loss, gradient)`` at the packed parameters ``packed`` (the layout
        of ``model.params``) for binarized targets ``y``; ``buffers`` are not needed."""
        model = self._trainer.model
        y = np.asarray(y)
        if self._head == "softmax" and y.ndim == 2:
            y = np.argmax(y, axis=1)  # one-hot -> codes
        t = model.loss_fn.targets(y, model.n_outputs, model.dtype)
        X = np.ascontiguousarray(X, dtype=model.dtype)
        return loss_and_grad(np.asarray(packed), model, X, t, sample_weight, self.alpha)

    def _preset(self, model: Any) -> None:
        """Initial weights set by hand before fit (scikit-learn lets ``coefs_`` be assigned)."""
        coefs = self.__dict__.pop("_coefs_init")
        intercepts = self.__dict__.pop("_intercepts_init", None)
        for name, kind, values in (("coefs_", "W", coefs), ("intercepts_", "b", intercepts)):
            if values is None:
                continue
            targets = [getattr(layer, kind) for layer in model.dense]
            arrays = [np.asarray(v) for v in values]
            if [v.shape for v in arrays] != [a.shape for a in targets]:
                raise ValueError(f"{name} set before fit has shapes {[v.shape for v in arrays]}"
                                 f"; this network needs {[a.shape for a in targets]}")
            for a, v in zip(targets, arrays, strict=True):
                a[...] = v


def _split(flat: np.ndarray, model: Any, name: str) -> list[np.ndarray]:
    """Views of a flat buffer laid out like ``model.params`` (all weights, then all biases)."""
    shapes = [layer.W.shape for layer in model.dense]
    n_w = sum(a * b for a, b in shapes)
    out, w_at, b_at = [], 0, n_w
    for fan_in, fan_out in shapes:
        if name == "W":
            out.append(flat[w_at:w_at + fan_in * fan_out].reshape(fan_in, fan_out))
        else:
            out.append(flat[b_at:b_at + fan_out])
        w_at, b_at = w_at + fan_in * fan_out, b_at + fan_out
    return out
