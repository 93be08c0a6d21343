"""From ``solver``/``optimizer`` to the optimizer that trains the estimator, and back on warm start.

Which optimizer (``stochastic_optimizer``)::

    solver="adam", optimizer=None      adamlab's Adam (the registry row "adam")
    solver="adam", optimizer="<name>"  that registry row ("adam" is the default solver, so any
                                       optimizer= refines it)
    solver="sgd",  optimizer=None      scikit-learn's SGD (``_sgd.SklearnSGD``) with momentum,
                                       nesterovs_momentum and the learning_rate schedule
    solver="sgd",  optimizer="<name>"  a registry row of the "sgd" family (sgd, momentum,
                                       nesterov: PyTorch's form); another family is an error
    solver="lbfgs"                     scipy's L-BFGS-B, no stochastic optimizer: optimizer=
                                       must be None

scikit-learn's names map onto the optimizer's own arguments wherever the optimizer has them::

    learning_rate_init -> lr        beta_1, beta_2 -> betas        epsilon -> eps (a number;
                                                                   Adafactor's pair is its own)
    eps_hat            -> eps_hat   (Adam and AdamW only: ε added to √v before bias correction,
                                     scikit-learn's and Keras' form; False is PyTorch's)
    weight_decay       -> decoupled weight decay θ ← θ·(1 − α·λ) (AdamW's; on every parameter,
                                     biases included); None keeps the optimizer's default
                                     (0, or 0.01 for "adamw")

An optimizer without betas (SGD, RMSprop, Adagrad) ignores beta_1/beta_2, as scikit-learn's
"sgd" solver does. One without a decoupled form (SGD, RMSprop, Adagrad, Adamax) refuses a
``weight_decay`` (use ``alpha``, the L2 penalty, instead), and ε-hat is refused outside Adam.
"""

from __future__ import annotations

from typing import Any

from adamlab.optim import OPTIMIZERS, Optimizer, get_optimizer_spec

__all__ = ["SKLEARN_SGD", "stochastic_optimizer", "optimizer_arguments",
           "update_hyperparameters"]

#: The name ``stochastic_optimizer`` gives scikit-learn's own SGD (not a registry row).
SKLEARN_SGD = "SklearnSGD"


def stochastic_optimizer(est: Any) -> str | None:
    """The optimizer ``est`` trains with: a registry name, ``SKLEARN_SGD``, or None (lbfgs);
    ValueError when ``solver`` and ``optimizer`` contradict each other."""
    solver, name = est.solver, est.optimizer
    if solver == "lbfgs":
        if name is not None:
            raise ValueError(
                f"solver='lbfgs' is full-batch L-BFGS (scipy), but optimizer={name!r} names a "
                "stochastic optimizer: drop optimizer= to use L-BFGS, or use solver='adam' "
                f"(the default) with optimizer={name!r}"
            )
        return None
    if name is None:
        if solver == "sgd" and est.learning_rate != "constant" and est.lr_schedule != "constant":
            raise ValueError(
                f"learning_rate={est.learning_rate!r} and lr_schedule={est.lr_schedule!r} are "
                "two schedules for one learning rate: give one of them"
            )
        return SKLEARN_SGD if solver == "sgd" else "adam"
    if solver == "sgd":
        family = get_optimizer_spec(name).family
        if family != "sgd":
            sgd = ", ".join(n for n, s in OPTIMIZERS.items() if s.family == "sgd")
            raise ValueError(
                f"solver='sgd' contradicts optimizer={name!r} (a {family!r} optimizer): with "
                f"solver='sgd' give optimizer=None (scikit-learn's SGD) or one of {sgd}; for "
                f"{name!r} leave solver at its default 'adam'"
            )
        if est.learning_rate != "constant":
            raise ValueError(
                f"learning_rate={est.learning_rate!r} is a schedule of scikit-learn's SGD "
                f"(optimizer=None); with optimizer={name!r} use lr_schedule= instead"
            )
    return name


def optimizer_arguments(est: Any) -> dict[str, Any]:
    """The keyword arguments of the optimizer ``stochastic_optimizer(est)`` names (``lr``
    included): ``make_optimizer(name, ...)``, or ``SklearnSGD`` for scikit-learn's SGD."""
    name = stochastic_optimizer(est)
    if name == SKLEARN_SGD:
        if est.weight_decay not in (None, 0) or est.eps_hat:
            what = "weight_decay" if est.weight_decay not in (None, 0) else "eps_hat=True"
            raise ValueError(f"{what} is not part of scikit-learn's SGD (solver='sgd'); use "
                             "alpha (the L2 penalty), or optimizer='adamw' for decoupled decay")
        return {"lr": float(est.learning_rate_init), "momentum": float(est.momentum),
                "nesterov": bool(est.nesterovs_momentum)}
    spec = get_optimizer_spec(name)
    accepted = spec.arguments()
    args: dict[str, Any] = {"lr": float(est.learning_rate_init)}
    if "betas" in accepted:
        # beta_1, beta_2; a third beta (AdEMAMix's slow momentum) keeps the row's default
        args["betas"] = (float(est.beta_1), float(est.beta_2), *spec.default("betas")[2:])
    if "eps" in accepted and not isinstance(spec.default("eps"), tuple):
        args["eps"] = float(est.epsilon)  # (Adafactor's pair (ε₁, ε₂) keeps its own defaults)
    if est.eps_hat:
        if "eps_hat" not in accepted:
            raise ValueError(
                f"eps_hat=True needs an Adam optimizer (adam, adamw, amsgrad); "
                f"optimizer={name!r} has no ε-hat form"
            )
        args["eps_hat"] = True
    if est.weight_decay is not None:
        if spec.decay == "flag":  # coupled by default: ask for the decoupled form
            args["decoupled_weight_decay"] = True
            args["weight_decay"] = float(est.weight_decay)
        elif spec.decay == "decoupled":
            args["weight_decay"] = float(est.weight_decay)
        elif est.weight_decay != 0:
            have = ", ".join(n for n, s in OPTIMIZERS.items() if s.decay in ("flag", "decoupled"))
            raise ValueError(
                f"optimizer={name!r} has no decoupled weight decay; use alpha (the L2 penalty) "
                f"or an optimizer that has one: {have}"
            )
    return args


def update_hyperparameters(optimizer: Optimizer, args: dict[str, Any],
                           decay_biases: bool = False) -> None:
    """Apply changed arguments to a running optimizer, keeping its state (warm start).

    A new ``lr`` becomes each group's base rate (``initial_lr``, which a schedule scales) and
    its current rate; the other arguments replace the group's values, except that a group of
    biases only keeps ``weight_decay = 0`` unless ``decay_biases`` (the trainer's grouping).
    Unchanged values are left alone, so a warm start with the same parameters continues the
    run bit for bit.
    """
    groups = [g for part in getattr(optimizer, "parts", [optimizer]) for g in part.param_groups]
    for group in groups:
        names = group.get("param_names") or ()
        biases = bool(names) and all(n.endswith(".bias") for n in names)
        for key, value in args.items():
            if key == "lr":
                if value != group.get("initial_lr", group["lr"]):
                    group["lr"] = value
                    if "initial_lr" in group:
                        group["initial_lr"] = value
            elif key == "weight_decay" and biases and not decay_biases:
                continue
            elif key in group and group[key] != value:
                group[key] = tuple(value) if key == "betas" else value
