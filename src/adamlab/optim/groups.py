"""A model's named parameters -> parameter groups -> the named optimizer.

What the trainer, the CLI and the estimators do by default::

    group 0  the weight matrices ("*.weight")     weight_decay as given (coupled or decoupled)
    group 1  the biases ("*.bias") and vectors     weight_decay = 0       (decay_biases=False)

so weight decay shrinks weights, not biases, as in the usual PyTorch recipes (which build these
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


def parameter_groups(named: Named, takes_decay: bool, decay_biases: bool = False
                     ) -> list[dict[str, Any]]:
    """The weights group and the biases group (with ``weight_decay=0`` unless
    ``decay_biases``, when the optimizer ``takes_decay``); an empty group is left out."""
    items = list(named.items() if isinstance(named, Mapping) else named)
    if not items:
        raise ValueError("no parameters to optimize")
    weights = [(n, p) for n, p in items if p.ndim >= 2]
    others = [(n, p) for n, p in items if p.ndim < 2]
    groups = []
    for members, decay in ((weights, True), (others, decay_biases)):
        if members:
            g: dict[str, Any] = {"params": [p for _, p in members],
                                 "param_names": [n for n, _ in members]}
            if takes_decay and not decay:
                g["weight_decay"] = 0.0
            groups.append(g)
    return groups


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
        takes = "weight_decay" in spec.arguments()
        return make_optimizer(name, parameter_groups(items, takes, decay_biases), **kwargs)
    matrices = [(n, p) for n, p in items if p.ndim == 2]
    hidden = matrices[:-1]  # the output layer's matrix goes to the fallback
    if not hidden:
        raise ValueError(
            f"optimizer {name!r} steps hidden weight matrices, and this model has none (no "
            f"hidden layer); add one (e.g. --hidden 16) or use {spec.fallback!r}")
    chosen = {id(p) for _, p in hidden}
    rest = [(n, p) for n, p in items if id(p) not in chosen]
    main = make_optimizer(name, parameter_groups(hidden, "weight_decay" in spec.arguments(),
                                                 decay_biases), **kwargs)
    fb = get_optimizer_spec(spec.fallback)
    # the output matrix is a weight (decayed); the biases follow decay_biases
    groups = parameter_groups(rest, "weight_decay" in fb.arguments(), decay_biases)
    return MultiOptimizer([main, make_optimizer(spec.fallback, groups,
                                                **dict(fallback_args or {}))])
