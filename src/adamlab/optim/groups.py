"""A model's named parameters -> parameter groups -> the named optimizer.

What the trainer, the CLI and the estimators do by default::

    group 0  the weight matrices ("*.weight")     weight_decay as given (coupled or decoupled)
    group 1  the biases ("*.bias") and vectors     weight_decay = 0       (decay_biases=False)

(one group of all the parameters, weights first, where the two would be alike: no weight
decay, or ``decay_biases``; then an elementwise step is one pass over the whole buffer), so
weight decay shrinks weights, not biases, as in the usual PyTorch recipes (which build these
two groups by hand), Keras (a bias regularizer is off by default; AdamW's decay can exclude
variables) and scikit-learn (``alpha`` penalises the coefficients only). ``decay_biases=True``
puts every parameter under the same decay, as ``torch.optim.AdamW(model.parameters())`` does.

A row of the registry with ``matrices=True`` (Muon) is defined on 2-D weights only: it steps
the hidden weight matrices, and its ``fallback`` row (AdamW) the rest — the output layer's
matrix and every bias — as its authors recommend; both in one ``MultiOptimizer``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from adamlab.optim.base import Optimizer
from adamlab.optim.multi import MultiOptimizer
from adamlab.optim.registry import get_optimizer_spec, make_optimizer

__all__ = ["build_optimizer", "parameter_groups"]

Named = Iterable[tuple[str, np.ndarray]] | Mapping[str, np.ndarray]


def parameter_groups(named: Named, decays: bool, decay_biases: bool = False
                     ) -> list[dict[str, Any]]:
    """The weights group and the biases group (``weight_decay=0``) when the optimizer
    ``decays`` (a weight_decay ≠ 0) and not ``decay_biases``; else one group, weights first.
    Each group names its parameters (``param_names``)."""
    items = list(named.items() if isinstance(named, Mapping) else named)
    if not items:
        raise ValueError("no parameters to optimize")
    weights = [(n, p) for n, p in items if p.ndim >= 2]
    others = [(n, p) for n, p in items if p.ndim < 2]
    spare_biases = decays and not decay_biases
    if spare_biases and weights and others:
        parts = [(weights, {}), (others, {"weight_decay": 0.0})]
    else:  # alike: one group (only biases and vectors: no decay on them unless asked)
        parts = [(weights + others, {"weight_decay": 0.0} if spare_biases and not weights
                  else {})]
    return [{"params": [p for _, p in members], "param_names": [n for n, _ in members], **h}
            for members, h in parts]


def _decays(spec: Any, kwargs: Mapping[str, Any]) -> bool:
    """Whether the row, with these arguments, applies a weight decay ≠ 0."""
    if "weight_decay" not in spec.arguments():
        return False
    return kwargs.get("weight_decay", spec.default("weight_decay")) != 0


def build_optimizer(name: str, named: Named, *, decay_biases: bool = False,
                    fallback_args: Mapping[str, Any] | None = None,
                    **kwargs: Any) -> Optimizer | MultiOptimizer:
    """The registry's optimizer ``name`` over a model's ``named_parameters()``.

    ``kwargs`` are the optimizer's own arguments (``lr``, ``betas``, ``weight_decay``, ...);
    ``fallback_args`` those of the fallback optimizer of a matrices-only row (default: its
    registry defaults)."""
    spec = get_optimizer_spec(name)
    items = list(named.items() if isinstance(named, Mapping) else named)
    if not spec.matrices:
        return make_optimizer(name, parameter_groups(items, _decays(spec, kwargs), decay_biases),
                              **kwargs)
    matrices = [(n, p) for n, p in items if p.ndim == 2]
    hidden = matrices[:-1]  # the output layer's matrix goes to the fallback
    if not hidden:
        raise ValueError(
            f"optimizer {name!r} steps hidden weight matrices, and this model has none (no "
            f"hidden layer); add one (e.g. --hidden 16) or use {spec.fallback!r}")
    chosen = {id(p) for _, p in hidden}
    rest = [(n, p) for n, p in items if id(p) not in chosen]
    main = make_optimizer(name, parameter_groups(hidden, _decays(spec, kwargs), decay_biases),
                          **kwargs)
    fb, fb_args = get_optimizer_spec(spec.fallback), dict(fallback_args or {})
    # the output matrix is a weight (decayed); the biases follow decay_biases
    groups = parameter_groups(rest, _decays(fb, fb_args), decay_biases)
    return MultiOptimizer([main, make_optimizer(spec.fallback, groups, **fb_args)])
