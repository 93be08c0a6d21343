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
    rule            the update in one line (the class docstring has it in full)
    convention      where implementations differ, or differ from the paper
"""

from __future__ import annotations

import functools
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
    rule: str = ""
    convention: str = ""

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
        return set(_parameters(self.cls)) - {"params"}

    def default_lr(self) -> float:
        return float(_parameters(self.cls)["lr"].default)

    def default(self, name: str) -> Any:
        """The default of argument ``name`` for this row (its fixed value, else the class's)."""
        if name in self.fixed:
            return self.fixed[name]
        return _parameters(self.cls)[name].default


@functools.cache
def _parameters(cls: type) -> Any:
    """The class's constructor parameters, read once per class (``inspect.signature`` takes
    ~0.1 ms; building an optimizer asks for them a few times)."""
    return inspect.signature(cls).parameters


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
                          paper="Kingma & Ba 2015, arXiv:1412.6980", color="#d62728",
                          rule="θ −= α·m̂/(√v̂ + ε)",
                          convention="ε after bias correction (torch, optax); Keras and "
                                     "scikit-learn put ε̂ on the raw √v (eps_hat=True); Keras ε "
                                     "1e-7"),
    "adamw": OptimizerSpec(AdamW, {}, "Adam with decoupled weight decay (default 1e-2)",
                           decay="decoupled", reference=_TORCH + "AdamW",
                           paper="Loshchilov & Hutter 2019, arXiv:1711.05101", color="#ff7f0e",
                          rule="θ ← θ·(1 − αλ); θ −= α·m̂/(√v̂ + ε)",
                          convention="decay scaled by lr (torch, optax); default λ 1e-2 here and "
                                     "in torch, 1e-4 optax, 4e-3 Keras"),
    "amsgrad": OptimizerSpec(Adam, {"amsgrad": True},
                             "Adam keeping the max of v (Reddi et al. 2018)", decay="flag",
                             reference=_TORCH + "Adam(amsgrad=True)",
                             paper="Reddi, Kale & Kumar 2018, arXiv:1904.09237",
                             color="#8c564b",
                          rule="v̄ = max(v̄, v); θ −= α·m̂/(√v̄/√(1 − β2ᵗ) + ε)",
                          convention="max of the raw v (torch, Keras); optax takes the max of "
                                     "the bias-corrected v̂"),
    "nadam": OptimizerSpec(NAdam, {}, "Adam with Nesterov momentum (Dozat 2016)", decay="flag",
                           reference=_TORCH + "NAdam", paper="Dozat 2016, ICLR workshop",
                           color="#e377c2",
                          rule="θ −= α·[(1 − μ_t)·g/(1 − Π_t) + μ_{t+1}·m/(1 − "
                               "Π_t·μ_{t+1})]/(√v̂ + ε)",
                          convention="torch's warming μ_t (ψ 4e-3); optax constant β1; Keras μ_t "
                                     "without ψ"),
    "radam": OptimizerSpec(RAdam, {}, "Adam with rectified variance (Liu et al. 2020)",
                           family="radam", decay="flag", reference=_TORCH + "RAdam",
                           paper="Liu et al. 2020, arXiv:1908.03265", color="#9467bd",
                          rule="ρ_t > 5: θ −= α·r_t·m̂·√(1 − β2ᵗ)/(√v + ε); else θ −= α·m̂",
                          convention="torch: ε on the raw √v, threshold >; optax: ε on √v̂, ≥"),
    "adamax": OptimizerSpec(Adamax, {}, "Adam with the infinity norm",
                            reference=_TORCH + "Adamax", paper="Kingma & Ba 2015, §7.1",
                            color="#bcbd22",
                          rule="u = max(β2·u, |g| + ε); θ −= α·m/((1 − β1ᵗ)·u)",
                          convention="ε inside the max (torch); the paper has no ε"),
    "sgd": OptimizerSpec(SGD, {}, "plain stochastic gradient descent", family="sgd",
                         reference=_TORCH + "SGD", paper="Robbins & Monro 1951",
                         color="#7f7f7f",
                          rule="θ −= α·g",
                          convention="none"),
    "momentum": OptimizerSpec(SGD, {"momentum": 0.9}, "SGD with momentum 0.9", family="sgd",
                              reference=_TORCH + "SGD(momentum=0.9)", paper="Polyak 1964",
                              color="#1f77b4",
                          rule="b = μ·b + g (b₁ = g); θ −= α·b",
                          convention="torch's buffer starts at g₁ and sums g, not (1 − μ)·g; "
                                     "Keras keeps b = μb − αg"),
    "nesterov": OptimizerSpec(SGD, {"momentum": 0.9, "nesterov": True},
                              "SGD with Nesterov momentum 0.9", family="sgd",
                              reference=_TORCH + "SGD(momentum=0.9, nesterov=True)",
                              paper="Sutskever et al. 2013 (after Nesterov 1983)",
                              color="#393b79",
                          rule="b = μ·b + g; θ −= α·(g + μ·b)",
                          convention="torch's form (Sutskever et al.); optax and Keras agree up "
                                     "to where α enters"),
    "rmsprop": OptimizerSpec(RMSprop, {}, "RMSprop (Tieleman & Hinton 2012)",
                             reference=_TORCH + "RMSprop",
                             paper="Tieleman & Hinton 2012, Coursera lecture 6.5",
                             color="#2ca02c",
                          rule="v = a·v + (1 − a)·g²; θ −= α·g/(√v + ε)",
                          convention="ε outside the root (torch); Keras puts it inside, √(v + ε)"),
    "adagrad": OptimizerSpec(Adagrad, {}, "Adagrad (Duchi et al. 2011)", family="adagrad",
                             reference=_TORCH + "Adagrad", paper="Duchi, Hazan & Singer 2011",
                             color="#17becf",
                          rule="v += g²; θ −= α/(1 + (t − 1)η)·g/(√v + ε)",
                          convention="torch ε 1e-10 and v₀ 0; Keras v₀ 0.1, ε 1e-7"),
}.items():
    register(_name, _spec)

# ---- torch.optim's other optimizers (issue 13: adadelta, rprop, asgd, adafactor, muon)
for _name, _spec in {
    "adadelta": OptimizerSpec(Adadelta, {}, "Adadelta (Zeiler 2012): steps in the units of θ, lr 1",
                              family="adagrad", reference=_TORCH + "Adadelta",
                              paper="Zeiler 2012, arXiv:1212.5701", color="#843c39",
                          rule="v = ρv + (1 − ρ)g²; Δ = √(u + ε)/√(v + ε)·g; u = ρu + (1 − ρ)Δ²; "
                               "θ −= α·Δ",
                          convention="torch's lr (1) multiplies Δ; the paper has no lr; Keras lr "
                                     "1e-3"),
    "rprop": OptimizerSpec(Rprop, {}, "Rprop: per-element step sizes from gradient signs",
                           decay="none", reference=_TORCH + "Rprop",
                           paper="Riedmiller & Braun 1993, ICNN", color="#8c6d31",
                          rule="s ×= η₊ or η₋ by sign(g·g_prev), clipped; θ −= sign(g)·s",
                          convention="torch's iRprop− (no weight backtracking, which the 1993 "
                                     "paper has)"),
    "asgd": OptimizerSpec(ASGD, {}, "averaged SGD with a decaying step (its average in state)",
                          family="sgd", reference=_TORCH + "ASGD",
                          paper="Polyak & Juditsky 1992, SIAM J. Control Optim.",
                          color="#7b4173",
                          rule="θ ← θ·(1 − λη) − η·g, η_t = α/(1 + λαt)^a; ā averages θ after t₀",
                          convention="the average is only in the state (ax), as torch keeps it"),
    "adafactor": OptimizerSpec(Adafactor, {}, "Adafactor: factored second moment, relative steps",
                               decay="decoupled", reference=_TORCH + "Adafactor",
                               paper="Shazeer & Stern 2018, arXiv:1804.04235", color="#b5cf6b",
                          rule="V̂ = R·C/mean(R) (matrix), EMA of g² (vector); θ −= max(ε₂, RMS "
                               "θ)·min(α, 1/√t)·U/max(1, RMS U/d), U = g/√V̂",
                          convention="torch: ε₁ clamps V̂; the paper and optax add ε₁ to g²; "
                                     "optax factors only sides ≥ 128 and scales by lr"),
    "muon": OptimizerSpec(Muon, {}, "Muon: orthogonalised momentum for hidden weight matrices",
                          decay="decoupled", matrices=True, fallback="adamw",
                          reference=_TORCH + "Muon (Newton–Schulz in float64, not bfloat16)",
                          paper="Jordan et al. 2024 (kellerjordan.github.io/posts/muon); "
                          "Liu et al. 2025, arXiv:2502.16982", color="#3182bd",
                          rule="B = μB + (1 − μ)g; O = NS₅((1 − μ)g + μB); θ −= α·√max(1, A/B)·O",
                          convention="Newton–Schulz in the parameters' dtype (torch: bfloat16); "
                                     "Jordan's code: ‖M‖ + 1e-7, lr 0.02"),
}.items():
    register(_name, _spec)

# ---- Adam's successors whose references are not torch.optim (issue 13: lion ... prodigy)
for _name, _spec in {
    "lion": OptimizerSpec(Lion, {}, "sign of an interpolated momentum (Chen et al. 2023)",
                          decay="decoupled", reference="lion_pytorch.Lion (optax.lion agrees)",
                          paper="Chen et al. 2023, arXiv:2302.06675", color="#637939",
                          rule="θ ← θ(1 − αλ); θ −= α·sign(β1·m + (1 − β1)·g); m = β2·m + (1 − "
                               "β2)·g",
                          convention="decay θ(1 − αλ) as the paper (lion_pytorch, optax); use λ "
                                     "3–10× AdamW's for the same α·λ"),
    "adabelief": OptimizerSpec(AdaBelief, {}, "Adam over the variance of g around m, rectified",
                               family="radam", decay="decoupled",
                               reference="adabelief_pytorch.AdaBelief",
                               paper="Zhuang et al. 2020, arXiv:2010.07468", color="#e7969c",
                          rule="s = β2·s + (1 − β2)(g − m)² + ε; θ −= α·m̂/(√ŝ + ε), rectified "
                               "as RAdam",
                          convention="ε added to s every step (the authors'); ε 1e-16; rectify "
                                     "and decoupled decay on by default"),
    "lamb": OptimizerSpec(LAMB, {}, "Adam rescaled per tensor by a trust ratio",
                          decay="decoupled", reference="optax.lamb",
                          paper="You et al. 2020, arXiv:1904.00962", color="#5254a3",
                          rule="u = m̂/(√v̂ + ε) + λθ; θ −= α·(‖θ‖/‖u‖)·u per tensor",
                          convention="optax: no clipping φ of ‖θ‖; decay inside the ratio (the "
                                     "paper's)"),
    "lars": OptimizerSpec(LARS, {}, "momentum SGD rescaled per tensor by a trust ratio",
                          family="sgd", reference="optax.lars",
                          paper="You, Gitman & Ginsburg 2017, arXiv:1708.03888",
                          color="#9c9ede",
                          rule="u = g + λθ; b = μb − α·η‖θ‖/(‖u‖ + ε)·u; θ += b per tensor",
                          convention="optax's momentum of the lr-scaled step (the paper's); "
                                     "apex's LARC applies lr after it"),
    "adopt": OptimizerSpec(ADOPT, {}, "Adam normalising g by the past gradients' v, clipped",
                           decay="flag", reference="optax.contrib.adopt",
                           paper="Taniguchi et al. 2024, arXiv:2411.02853", color="#ad494a",
                          rule="m = β1·m + (1 − β1)·clip(g/max(√v_{t−1}, ε)); θ −= α·m; v = β2·v "
                               "+ (1 − β2)·g²",
                          convention="ε bounds √v inside the gradient's normalisation; the first "
                                     "step only seeds v; clip at c^¼"),
    "ademamix": OptimizerSpec(AdEMAMix, {}, "Adam with a second, slow momentum mixed in",
                              decay="decoupled", reference="optax.contrib.ademamix",
                              paper="Pagliardini, Ablin & Grangier 2024, arXiv:2409.03137",
                              color="#d6616b",
                          rule="θ −= η·[(m̂₁ + α·m₂)/(√v̂ + ε) + λθ], m₂ a slow EMA (β3) not "
                               "bias-corrected",
                          convention="optax's constant α and β3 by default; the paper warms both "
                                     "up (alpha_warmup, beta3_warmup)"),
    "schedulefree": OptimizerSpec(ScheduleFreeAdamW, {}, "AdamW without a schedule: evaluates "
                                  "an average of its iterates", decay="decoupled", modes=True,
                                  reference="schedulefree.AdamWScheduleFree",
                                  paper="Defazio et al. 2024, arXiv:2405.15682",
                                  color="#31a354",
                          rule="y = (1 − β1)z + β1x; z −= α_k·(g(y)/(√v̂ + ε) + λy); x = (1 − "
                               "c_k)x + c_k·z",
                          convention="train()/eval() swap y and x in place (the authors'); decay "
                                     "taken at y"),
    "prodigy": OptimizerSpec(Prodigy, {}, "Adam that estimates its own learning rate d",
                             decay="decoupled", reference="prodigyopt.Prodigy",
                             paper="Mishchenko & Defazio 2023, arXiv:2306.06101",
                             color="#e6550d",
                          rule="Adam at rate γ = d·α·ρ_k; d ← max(d, r/Σ|s|) from ⟨g, θ₀ − θ⟩",
                          convention="lr multiplies d (default 1); d per group; safeguard_warmup "
                                     "and decouple as the authors'"),
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
