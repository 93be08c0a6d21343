"""Names a user types (``--optimizer adam``, ``MLPClassifier(optimizer="nadam")``) -> optimizers.

One table shared by the CLI, the estimators, the sweeps and the docs. Each entry is the class
plus the arguments that make the named variant (``"nesterov"`` is SGD with Nesterov momentum).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from adamlab.optim.adagrad import Adagrad
from adamlab.optim.adam import Adam, AdamW
from adamlab.optim.adamax import Adamax
from adamlab.optim.base import Optimizer
from adamlab.optim.nadam import NAdam
from adamlab.optim.radam import RAdam
from adamlab.optim.rmsprop import RMSprop
from adamlab.optim.sgd import SGD


@dataclass(frozen=True)
class OptimizerSpec:
    """A named optimizer: its class, the fixed arguments of the variant, and a one-line summary."""

    cls: type[Optimizer]
    fixed: dict[str, Any] = field(default_factory=dict)
    summary: str = ""

    def default_lr(self) -> float:
        import inspect

        return float(inspect.signature(self.cls).parameters["lr"].default)


OPTIMIZERS: dict[str, OptimizerSpec] = {
    "adam": OptimizerSpec(Adam, {}, "Adam (Kingma & Ba 2015), PyTorch's convention"),
    "adamw": OptimizerSpec(AdamW, {}, "Adam with decoupled weight decay (default 1e-2)"),
    "amsgrad": OptimizerSpec(Adam, {"amsgrad": True},
                             "Adam keeping the max of v (Reddi et al. 2018)"),
    "nadam": OptimizerSpec(NAdam, {}, "Adam with Nesterov momentum (Dozat 2016)"),
    "radam": OptimizerSpec(RAdam, {}, "Adam with rectified variance (Liu et al. 2020)"),
    "adamax": OptimizerSpec(Adamax, {}, "Adam with the infinity norm"),
    "sgd": OptimizerSpec(SGD, {}, "plain stochastic gradient descent"),
    "momentum": OptimizerSpec(SGD, {"momentum": 0.9}, "SGD with momentum 0.9"),
    "nesterov": OptimizerSpec(SGD, {"momentum": 0.9, "nesterov": True},
                              "SGD with Nesterov momentum 0.9"),
    "rmsprop": OptimizerSpec(RMSprop, {}, "RMSprop (Tieleman & Hinton 2012)"),
    "adagrad": OptimizerSpec(Adagrad, {}, "Adagrad (Duchi et al. 2011)"),
}


def get_optimizer_spec(name: str) -> OptimizerSpec:
    """The registry entry for ``name`` (case-insensitive), or a ValueError listing the names."""
    key = str(name).strip().lower()
    if key not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}; choose one of: {', '.join(OPTIMIZERS)}")
    return OPTIMIZERS[key]


def make_optimizer(name: str, params: Iterable[Any], **kwargs: Any) -> Optimizer:
    """Build the named optimizer over ``params``; ``kwargs`` are the class's own arguments.

    Arguments the class does not take (``betas`` for SGD, say) raise a ValueError naming them.
    """
    import inspect

    spec = get_optimizer_spec(name)
    accepted = set(inspect.signature(spec.cls).parameters) - {"params"}
    unknown = sorted(set(kwargs) - accepted)
    if unknown:
        raise ValueError(
            f"optimizer {name!r} does not take {', '.join(unknown)}; "
            f"it takes: {', '.join(sorted(accepted))}"
        )
    return spec.cls(params, **{**spec.fixed, **kwargs})
