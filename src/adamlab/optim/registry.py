"""Names a user types (``--optimizer adam``, ``MLPClassifier(optimizer="nadam")``) -> optimizers.

One row per name, shared by the CLI, the estimators, the sweeps, the landscape, the plots and
the docs. A row carries the class, the fixed arguments of the variant (``"nesterov"`` is SGD
with Nesterov momentum) and every capability the rest of adamlab asks about, so that adding an
optimizer is one module and one row (``register``)::

    family          the landscape's default learning rate: "sgd" (steps ~α·|∇f|), "adaptive"
                    (steps ~α), "adagrad" (~α/√t), "radam" (un-adapted first steps)
    decay           how ``weight_decay`` enters: "coupled" (L2, added to g), "decoupled"
                    (θ ← θ·(1 − α·λ)), "flag" (coupled, or decoupled with the class's
                    ``decoupled_weight_decay=True``), "none" (no weight_decay argument)
    matrices        the optimizer is defined on 2-D weight matrices only; every other
                    parameter goes to the ``fallback`` row (Muon: AdamW for biases)
    modes           the evaluation weights differ from the trained ones (``train()``/``eval()``)
    reference       the implementation its numbers are checked against
    paper, color    for the docs table and every figure
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from adamlab.optim.adabelief import AdaBelief
from adamlab.optim.adadelta import Adadelta
from adamlab.optim.adafactor import Adafactor
from adamlab.optim.adagrad import Adagrad
from adamlab.optim.adam import Adam, AdamW
from adamlab.optim.adamax import Adamax
from adamlab.optim.ademamix import AdEMAMix
from adamlab.optim.adopt import ADOPT
from adamlab.optim.asgd import ASGD
from adamlab.optim.base import Optimizer
from adamlab.optim.lamb import LAMB
from adamlab.optim.lars import LARS
from adamlab.optim.lion import Lion
from adamlab.optim.muon import Muon
from adamlab.optim.nadam import NAdam
from adamlab.optim.prodigy import Prodigy
from adamlab.optim.radam import RAdam
from adamlab.optim.rmsprop import RMSprop
from adamlab.optim.rprop import Rprop
from adamlab.optim.schedulefree import ScheduleFreeAdamW
from adamlab.optim.sgd import SGD

__all__ = ["OptimizerSpec", "OPTIMIZERS", "FAMILIES", "DECAYS", "register", "get_optimizer_spec",
           "make_optimizer"]

#: The landscape's families (each 2-D function has one default learning rate per family).
FAMILIES = ("sgd", "adaptive", "adagrad", "radam")
#: How a row's ``weight_decay`` enters the update.
DECAYS = ("coupled", "decoupled", "flag", "none")


@dataclass(frozen=True)
class OptimizerSpec:
    """A named optimizer: its class, the fixed arguments of the variant, and its capabilities
    (see the module docstring for each field)."""

    cls: type[Optimizer]
    fixed: dict[str, Any] = field(default_factory=dict)
    summary: str = ""
    family: str = "adaptive"
    decay: str = "coupled"
    matrices: bool = False
    fallback: str | None = None
    modes: bool = False
    reference: str = ""
    paper: str = ""
    color: str | None = None

    def __post_init__(self) -> None:
        if not (isinstance(self.cls, type) and issubclass(self.cls, Optimizer)):
            raise ValueError(f"OptimizerSpec.cls must be an Optimizer subclass, got {self.cls!r}")
        if self.family not in FAMILIES:
            raise ValueError(f"OptimizerSpec.family must be one of {FAMILIES}, "
                             f"got {self.family!r}")
        if self.decay not in DECAYS:
            raise ValueError(f"OptimizerSpec.decay must be one of {DECAYS}, got {self.decay!r}")
        if self.matrices and self.fallback is None:
            raise ValueError("an optimizer of matrices needs a fallback row for the other "
                             "parameters (e.g. fallback='adamw')")

    def arguments(self) -> set[str]:
        """The keyword arguments the class takes (besides ``params``)."""
        return set(inspect.signature(self.cls).parameters) - {"params"}

    def default_lr(self) -> float:
        return float(inspect.signature(self.cls).parameters["lr"].default)

    def default(self, name: str) -> Any:
        """The default of argument ``name`` for this row (its fixed value, else the class's)."""
        if name in self.fixed:
            return self.fixed[name]
        return inspect.signature(self.cls).parameters[name].default


OPTIMIZERS: dict[str, OptimizerSpec] = {}


def register(name: str, spec: OptimizerSpec) -> OptimizerSpec:
    """Add (or replace) the row ``name``: the CLI, the estimators, ``compare``, ``sweep``,
    ``landscape``, the plots and the docs table all pick it up."""
    key = str(name).strip().lower()
    if not key or not key.replace("-", "").replace("_", "").isalnum():
        raise ValueError(f"an optimizer name must be a word (letters, digits, - or _), "
                         f"got {name!r}")
    if spec.fallback is not None and spec.fallback not in OPTIMIZERS:
        raise ValueError(f"{key}: fallback {spec.fallback!r} is not a registered optimizer")
    OPTIMIZERS[key] = spec
    return spec


_TORCH = "torch.optim."
for _name, _spec in {
    "adam": OptimizerSpec(Adam, {}, "Adam (Kingma & Ba 2015), PyTorch's convention",
                          decay="flag", reference=_TORCH + "Adam",
                          paper="Kingma & Ba 2015, arXiv:1412.6980", color="#d62728"),
    "adamw": OptimizerSpec(AdamW, {}, "Adam with decoupled weight decay (default 1e-2)",
                           decay="decoupled", reference=_TORCH + "AdamW",
                           paper="Loshchilov & Hutter 2019, arXiv:1711.05101", color="#ff7f0e"),
    "amsgrad": OptimizerSpec(Adam, {"amsgrad": True},
                             "Adam keeping the max of v (Reddi et al. 2018)", decay="flag",
                             reference=_TORCH + "Adam(amsgrad=True)",
                             paper="Reddi, Kale & Kumar 2018, arXiv:1904.09237",
                             color="#8c564b"),
    "nadam": OptimizerSpec(NAdam, {}, "Adam with Nesterov momentum (Dozat 2016)", decay="flag",
                           reference=_TORCH + "NAdam", paper="Dozat 2016, ICLR workshop",
                           color="#e377c2"),
    "radam": OptimizerSpec(RAdam, {}, "Adam with rectified variance (Liu et al. 2020)",
                           family="radam", decay="flag", reference=_TORCH + "RAdam",
                           paper="Liu et al. 2020, arXiv:1908.03265", color="#9467bd"),
    "adamax": OptimizerSpec(Adamax, {}, "Adam with the infinity norm",
                            reference=_TORCH + "Adamax", paper="Kingma & Ba 2015, §7.1",
                            color="#bcbd22"),
    "sgd": OptimizerSpec(SGD, {}, "plain stochastic gradient descent", family="sgd",
                         reference=_TORCH + "SGD", paper="Robbins & Monro 1951",
                         color="#7f7f7f"),
    "momentum": OptimizerSpec(SGD, {"momentum": 0.9}, "SGD with momentum 0.9", family="sgd",
                              reference=_TORCH + "SGD(momentum=0.9)", paper="Polyak 1964",
                              color="#1f77b4"),
    "nesterov": OptimizerSpec(SGD, {"momentum": 0.9, "nesterov": True},
                              "SGD with Nesterov momentum 0.9", family="sgd",
                              reference=_TORCH + "SGD(momentum=0.9, nesterov=True)",
                              paper="Sutskever et al. 2013 (after Nesterov 1983)",
                              color="#393b79"),
    "rmsprop": OptimizerSpec(RMSprop, {}, "RMSprop (Tieleman & Hinton 2012)",
                             reference=_TORCH + "RMSprop",
                             paper="Tieleman & Hinton 2012, Coursera lecture 6.5",
                             color="#2ca02c"),
    "adagrad": OptimizerSpec(Adagrad, {}, "Adagrad (Duchi et al. 2011)", family="adagrad",
                             reference=_TORCH + "Adagrad", paper="Duchi, Hazan & Singer 2011",
                             color="#17becf"),
}.items():
    register(_name, _spec)

# ---- torch.optim's other optimizers (issue 13: adadelta, rprop, asgd, adafactor, muon)
for _name, _spec in {
    "adadelta": OptimizerSpec(Adadelta, {}, "Adadelta (Zeiler 2012): steps in the units of θ, lr 1",
                              family="adagrad", reference=_TORCH + "Adadelta",
                              paper="Zeiler 2012, arXiv:1212.5701", color="#843c39"),
    "rprop": OptimizerSpec(Rprop, {}, "Rprop: per-element step sizes from gradient signs",
                           decay="none", reference=_TORCH + "Rprop",
                           paper="Riedmiller & Braun 1993, ICNN", color="#8c6d31"),
    "asgd": OptimizerSpec(ASGD, {}, "averaged SGD with a decaying step (its average in state)",
                          family="sgd", reference=_TORCH + "ASGD",
                          paper="Polyak & Juditsky 1992, SIAM J. Control Optim.",
                          color="#7b4173"),
    "adafactor": OptimizerSpec(Adafactor, {}, "Adafactor: factored second moment, relative steps",
                               decay="decoupled", reference=_TORCH + "Adafactor",
                               paper="Shazeer & Stern 2018, arXiv:1804.04235", color="#b5cf6b"),
    "muon": OptimizerSpec(Muon, {}, "Muon: orthogonalised momentum for hidden weight matrices",
                          decay="decoupled", matrices=True, fallback="adamw",
                          reference=_TORCH + "Muon (Newton–Schulz in float64, not bfloat16)",
                          paper="Jordan et al. 2024 (kellerjordan.github.io/posts/muon); "
                          "Liu et al. 2025, arXiv:2502.16982", color="#3182bd"),
}.items():
    register(_name, _spec)

# ---- Adam's successors whose references are not torch.optim (issue 13: lion ... prodigy)
for _name, _spec in {
    "lion": OptimizerSpec(Lion, {}, "sign of an interpolated momentum (Chen et al. 2023)",
                          decay="decoupled", reference="lion_pytorch.Lion (optax.lion agrees)",
                          paper="Chen et al. 2023, arXiv:2302.06675", color="#637939"),
    "adabelief": OptimizerSpec(AdaBelief, {}, "Adam over the variance of g around m, rectified",
                               family="radam", decay="decoupled",
                               reference="adabelief_pytorch.AdaBelief",
                               paper="Zhuang et al. 2020, arXiv:2010.07468", color="#e7969c"),
    "lamb": OptimizerSpec(LAMB, {}, "Adam rescaled per tensor by a trust ratio",
                          decay="decoupled", reference="optax.lamb",
                          paper="You et al. 2020, arXiv:1904.00962", color="#5254a3"),
    "lars": OptimizerSpec(LARS, {}, "momentum SGD rescaled per tensor by a trust ratio",
                          family="sgd", reference="optax.lars",
                          paper="You, Gitman & Ginsburg 2017, arXiv:1708.03888",
                          color="#9c9ede"),
    "adopt": OptimizerSpec(ADOPT, {}, "Adam normalising g by the past gradients' v, clipped",
                           decay="flag", reference="optax.contrib.adopt",
                           paper="Taniguchi et al. 2024, arXiv:2411.02853", color="#ad494a"),
    "ademamix": OptimizerSpec(AdEMAMix, {}, "Adam with a second, slow momentum mixed in",
                              decay="decoupled", reference="optax.contrib.ademamix",
                              paper="Pagliardini, Ablin & Grangier 2024, arXiv:2409.03137",
                              color="#d6616b"),
    "schedulefree": OptimizerSpec(ScheduleFreeAdamW, {}, "AdamW without a schedule: evaluates "
                                  "an average of its iterates", decay="decoupled", modes=True,
                                  reference="schedulefree.AdamWScheduleFree",
                                  paper="Defazio et al. 2024, arXiv:2405.15682",
                                  color="#31a354"),
    "prodigy": OptimizerSpec(Prodigy, {}, "Adam that estimates its own learning rate d",
                             decay="decoupled", reference="prodigyopt.Prodigy",
                             paper="Mishchenko & Defazio 2023, arXiv:2306.06101",
                             color="#e6550d"),
}.items():
    register(_name, _spec)


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
    spec = get_optimizer_spec(name)
    accepted = spec.arguments()
    unknown = sorted(set(kwargs) - accepted)
    if unknown:
        raise ValueError(
            f"optimizer {name!r} does not take {', '.join(unknown)}; "
            f"it takes: {', '.join(sorted(accepted))}"
        )
    return spec.cls(params, **{**spec.fixed, **kwargs})
