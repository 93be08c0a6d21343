"""From the estimator's parameters to an optimizer of adamlab's registry, and back on warm start.

scikit-learn's names map onto the optimizer's own arguments wherever the optimizer has them::

    learning_rate_init -> lr        beta_1, beta_2 -> betas        epsilon -> eps
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

__all__ = ["optimizer_arguments", "update_hyperparameters"]


def optimizer_arguments(est: Any) -> dict[str, Any]:
    """The keyword arguments of ``make_optimizer(est.optimizer, ...)`` (``lr`` included)."""
    name = est.optimizer
    spec = get_optimizer_spec(name)
    accepted = spec.arguments()
    args: dict[str, Any] = {"lr": float(est.learning_rate_init)}
    if "betas" in accepted:
        args["betas"] = (float(est.beta_1), float(est.beta_2))
    if "eps" in accepted:
        args["eps"] = float(est.epsilon)
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


def update_hyperparameters(optimizer: Optimizer, args: dict[str, Any]) -> None:
    """Apply changed arguments to a running optimizer, keeping its state (warm start).

    A new ``lr`` becomes each group's base rate (``initial_lr``, which a schedule scales) and
    its current rate; the other arguments replace the group's values. Unchanged values are left
    alone, so a warm start with the same parameters continues the run bit for bit.
    """
    for group in optimizer.param_groups:
        for key, value in args.items():
            if key == "lr":
                if value != group.get("initial_lr", group["lr"]):
                    group["lr"] = value
                    if "initial_lr" in group:
                        group["initial_lr"] = value
            elif key in group and group[key] != value:
                group[key] = tuple(value) if key == "betas" else value
