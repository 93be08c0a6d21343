"""Command-line options shared by train, compare and sweep, and their conversion to ``Settings``.

Every training option defaults to ``None`` on the command line, so that "not given" is visible:
``Settings`` supplies the real defaults, and ``--resume`` can refuse options that would change
a saved run.
"""

from __future__ import annotations

import argparse
import math
from typing import Any

from adamlab.cli.errors import UsageError
from adamlab.experiment import Settings
from adamlab.nn import ACTIVATIONS
from adamlab.optim import OPTIMIZERS, SCHEDULES

DEFAULTS = Settings()


def int_list(text: str) -> list[int]:
    """``16,16`` -> [16, 16]; ``none`` -> [] (no hidden layer).

    ``0`` and ``""`` are refused rather than read as "no hidden layer": a width of 0 is no
    width (the API refuses ``(0,)``) and an empty value is most often a shell variable that
    was not set; ``none`` says it on purpose.
    """
    if text.strip().lower() == "none":
        return []
    if not text.strip():
        raise argparse.ArgumentTypeError(
            "empty; give widths like 16,16, or 'none' for no hidden layer")
    try:
        values = [int(t) for t in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected widths like 16,16 (or none), got {text!r}") from None
    if any(v < 1 for v in values):
        raise argparse.ArgumentTypeError(
            f"layer widths must be >= 1, got {text!r}; 'none' for no hidden layer")
    return values


def float_pair(text: str) -> list[float]:
    """``0.9,0.999`` -> [0.9, 0.999]: two numbers in [0, 1), or three (AdEMAMix's β3)."""
    try:
        values = [float(t) for t in text.split(",")]
    except ValueError:
        values = []
    if len(values) not in (2, 3) or not all(0 <= v < 1 for v in values):
        raise argparse.ArgumentTypeError(
            f"expected two numbers in [0, 1) like 0.9,0.999 (three for a third beta), "
            f"got {text!r}")
    return values


def _number(kind: type, low: float, inclusive: bool):
    """An argparse type: ``kind(text)``, finite, and ``> low`` (or ``>= low`` when inclusive)."""
    what = "a whole number" if kind is int else "a number"
    bound = f"{'>=' if inclusive else '>'} {low:g}"

    def parse(text: str):
        try:
            v = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
        if not (math.isfinite(v) and (v >= low if inclusive else v > low)):
            finite = "a finite number" if kind is float else "a whole number"
            raise argparse.ArgumentTypeError(f"expected {finite} {bound}, got {text!r}")
        return v

    return parse


positive_float = _number(float, 0, inclusive=False)
nonneg_float = _number(float, 0, inclusive=True)
positive_int = _number(int, 1, inclusive=True)
nonneg_int = _number(int, 0, inclusive=True)


def int_up_to(low: int, high: int, why: str):
    """An argparse type: a whole number in [low, high]; beyond ``high`` the message says why
    (a bound on the work, documented in the option's help)."""
    parse_low = _number(int, low, inclusive=True)

    def parse(text: str) -> int:
        v = parse_low(text)
        if v > high:
            raise argparse.ArgumentTypeError(f"at most {high:,} ({why}), got {text}")
        return v

    return parse


#: The most epochs a run may ask for: its history keeps a row per epoch, in memory and in
#: every checkpoint (10⁶ rows are ~300 MB); more steps come from smaller batches instead.
MAX_EPOCHS = 1_000_000
epochs_count = int_up_to(1, MAX_EPOCHS, "the history keeps a row per epoch; for more steps "
                                        "give a smaller --batch-size")


def fraction(text: str) -> float:
    v = nonneg_float(text)
    if v >= 1:
        raise argparse.ArgumentTypeError(f"expected a fraction in [0, 1), got {text!r}")
    return v


def batch_size(text: str) -> int | str:
    return "full" if text.strip().lower() in ("full", "all", "none") else positive_int(text)


def name_list(registry: dict[str, Any], what: str):
    def parse(text: str) -> list[str]:
        names = [t.strip().lower() for t in text.split(",") if t.strip()]
        unknown = [n for n in names if n not in registry]
        if not names or unknown:
            raise argparse.ArgumentTypeError(
                f"unknown {what} {', '.join(unknown) or repr(text)}; "
                f"choose from: {', '.join(registry)}")
        return names
    return parse


def choice(registry: dict[str, Any], what: str):
    def parse(text: str) -> str:
        key = text.strip().lower()
        if key not in registry:
            raise argparse.ArgumentTypeError(
                f"unknown {what} {text!r}; choose one of: {', '.join(registry)}")
        return key
    return parse


# (flag, Settings field, argparse kwargs) — the one table of training options.
DATA_OPTIONS = [
    ("--data", "data", dict(metavar="NAME|PATH",
                            help="built-in data set (article, moons, circles, xor, "
                                 "spirals, blobs, breast-cancer, wine, digits) or a "
                                 f".csv/.npy/.npz file (default: {DEFAULTS.data})")),
    ("--target", "target", dict(metavar="COLUMN",
                                help="target column of a CSV (default: the last), "
                                     "or the y .npy of an X .npy")),
    ("--task", "task", dict(choices=("binary", "multiclass", "regression"),
                            help="how to read a file's target (default: inferred — text, or "
                                 "at most 20 distinct whole numbers, are classes; other "
                                 "numbers a regression target — and said on stderr)")),
    ("--n-samples", "n_samples", dict(type=positive_int, metavar="N",
                                      help="size of synthetic data")),
    ("--noise", "noise", dict(type=nonneg_float, help="noise of synthetic data")),
    ("--no-standardize", "standardize", dict(action="store_const", const=False,
                                             help="use features as they are (default: standardise "
                                                  "on training statistics)")),
]
MODEL_OPTIONS = [
    ("--hidden", "hidden", dict(type=int_list, metavar="W,W",
                                help="hidden layer widths, e.g. 16,16; "
                                     "'none' for no hidden layer "
                                     f"(default: {','.join(map(str, DEFAULTS.hidden))})")),
    ("--activation", "activation", dict(type=choice(ACTIVATIONS, "activation"),
                                        help=f"hidden units: {', '.join(ACTIVATIONS)} "
                                             f"(default: {DEFAULTS.activation})")),
    ("--dropout", "dropout", dict(type=fraction,
                                  help="dropout rate after hidden layers "
                                       f"(default {DEFAULTS.dropout:g})")),
    ("--dtype", "dtype", dict(choices=["float32", "float64"],
                              help=f"precision (default {DEFAULTS.dtype})")),
]
OPTIM_OPTIONS = [
    ("--lr", "lr", dict(type=positive_float, help=f"learning rate (default {DEFAULTS.lr:g})")),
    ("--betas", "betas", dict(type=float_pair, metavar="B1,B2",
                              help="Adam's betas (default 0.9,0.999; B1,B2,B3 for an "
                                   "optimizer with three)")),
    ("--eps", "eps", dict(type=nonneg_float, help="epsilon (default: the optimizer's)")),
    ("--eps-hat", "eps_hat", dict(action="store_const", const=True,
                                  help="epsilon before bias correction (scikit-learn/Keras form)")),
    ("--weight-decay", "weight_decay", dict(type=nonneg_float,
                                            help="weight decay (L2; decoupled for adamw), "
                                                 "on the weight matrices only")),
    ("--decay-biases", "decay_biases", dict(action="store_const", const=True,
                                            help="apply --weight-decay to the biases too (as "
                                                 "torch does over model.parameters())")),
    ("--momentum", "momentum", dict(type=nonneg_float, help="momentum (sgd, rmsprop)")),
    ("--l2", "l2", dict(type=nonneg_float, help="L2 penalty ½·l2·ΣW² added to the loss")),
]
TRAIN_OPTIONS = [
    ("--epochs", "epochs", dict(type=epochs_count,
                                help=f"epochs in total, at most {MAX_EPOCHS:,} "
                                     f"(default {DEFAULTS.epochs})")),
    ("--batch-size", "batch_size", dict(type=batch_size, metavar="N|full",
                                        help=f"mini-batch size (default {DEFAULTS.batch_size})")),
    ("--val-fraction", "val_fraction", dict(type=fraction, metavar="F",
                                            help="stratified validation share "
                                                 f"(default {DEFAULTS.val_fraction:g}; "
                                                 "0 for none)")),
    ("--early-stopping", "early_stopping", dict(type=positive_int, metavar="PATIENCE",
                                                help="stop after PATIENCE epochs without a "
                                                     "better val loss, and restore the best "
                                                     "weights")),
    ("--schedule", "schedule", dict(type=choice(SCHEDULES, "schedule"),
                                    help=f"learning-rate schedule: {', '.join(SCHEDULES)}")),
    ("--warmup", "warmup", dict(type=nonneg_int, metavar="EPOCHS",
                                help="linear warmup (cosine schedule)")),
    ("--clip-norm", "clip_norm", dict(type=positive_float, help="clip the global gradient norm")),
    ("--class-weight", "class_weight", dict(choices=["balanced"], help="reweight classes")),
    ("--seed", "seed", dict(type=nonneg_int,
                            help=f"seed of everything random (default {DEFAULTS.seed})")),
    ("--log-steps", "log_steps", dict(action="store_const", const=True,
                                      help="also record the loss of every step (smoothed curve)")),
]
ALL_OPTIONS = DATA_OPTIONS + MODEL_OPTIONS + OPTIM_OPTIONS + TRAIN_OPTIONS
#: The flag of each Settings field the command line sets.
FLAGS = {dest: flag for flag, dest, _ in ALL_OPTIONS} | {"optimizer": "--optimizer",
                                                         "optimizer_args": "--optimizer-arg"}


def add_options(parser: argparse.ArgumentParser, optimizer: bool = True) -> None:
    """Add the data, model, optimizer and training options (all default to None)."""
    for title, table in (("data", DATA_OPTIONS), ("model", MODEL_OPTIONS),
                         ("optimizer", OPTIM_OPTIONS), ("training", TRAIN_OPTIONS)):
        group = parser.add_argument_group(title)
        if title == "optimizer" and optimizer:
            group.add_argument("--optimizer", dest="optimizer", default=None,
                               type=choice(OPTIMIZERS, "optimizer"),
                               help=f"{', '.join(OPTIMIZERS)} (default: {DEFAULTS.optimizer})")
        if title == "optimizer":
            group.add_argument("--optimizer-arg", dest="optimizer_args", default=None,
                               action="append", type=key_value, metavar="KEY=VALUE",
                               help="another hyperparameter of the optimizer, by the name its "
                                    "class takes (e.g. d0=1e-6); repeatable")
        for flag, dest, kwargs in table:
            group.add_argument(flag, dest=dest, default=None, **kwargs)


def given(args: argparse.Namespace) -> dict[str, Any]:
    """The training options the user actually gave."""
    names = [dest for _, dest, _ in ALL_OPTIONS] + ["optimizer", "optimizer_args"]
    return {n: getattr(args, n) for n in names if getattr(args, n, None) is not None}


def settings_from_args(args: argparse.Namespace, **overrides: Any) -> Settings:
    """The run's Settings from the options given; ``--optimizer-arg`` pairs are checked against
    and typed by the optimizer (each of ``--optimizers`` for compare and sweep)."""
    values = given(args)
    if values.get("batch_size") == "full":
        values["batch_size"] = None
    if "optimizer_args" in values:
        names = getattr(args, "optimizers", None) or [values.get("optimizer",
                                                                 DEFAULTS.optimizer)]
        values["optimizer_args"] = optimizer_args(values["optimizer_args"], names)
    values.update(overrides)
    try:
        return Settings.from_dict({**DEFAULTS.to_dict(), **values})
    except (TypeError, ValueError) as e:
        raise UsageError(str(e)) from None


def key_value(text: str) -> tuple[str, str]:
    """``d0=1e-6`` -> ("d0", "1e-6")."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip() or not value.strip():
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE like d0=1e-6, got {text!r}")
    return key.strip(), value.strip()


#: Arguments with a flag of their own: ``--optimizer-arg`` refuses them, naming the flag.
FLAGGED = {"lr": "--lr", "betas": "--betas", "eps": "--eps", "weight_decay": "--weight-decay",
           "momentum": "--momentum", "eps_hat": "--eps-hat"}


def optimizer_args(pairs: list[tuple[str, str]], optimizers: list[str]) -> dict[str, Any]:
    """The ``--optimizer-arg`` pairs as the optimizer's keyword arguments, each typed like its
    default (bool, int, float, a tuple of numbers, text) and taken by every optimizer named;
    anything else is a UsageError of one line naming the key and what the optimizer takes."""
    out: dict[str, Any] = {}
    for key, text in pairs:
        if key in FLAGGED:
            raise UsageError(f"--optimizer-arg {key}: give it as {FLAGGED[key]}")
        value: Any = None
        for name in optimizers:
            spec = OPTIMIZERS[name]
            takes = sorted(spec.arguments() - {"params"})
            if key not in takes:
                raise UsageError(f"--optimizer-arg {key}: {name} takes no argument {key!r}; "
                                 f"it takes: {', '.join(takes)}")
            value = _typed(key, text, spec.default(key), name)
        out[key] = value
    return out


def _typed(key: str, text: str, default: Any, name: str) -> Any:
    """``text`` read as the type of ``default``."""
    where = f"--optimizer-arg {key}={text}"
    if isinstance(default, bool):
        words = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}
        if text.lower() not in words:
            raise UsageError(f"{where}: {name}'s {key} is true or false")
        return words[text.lower()]
    if isinstance(default, (int, float)) or default is None:
        kind: type = int if isinstance(default, int) else float
        try:
            value = kind(text)
        except ValueError:
            if default is None:  # no default to go by: a number if it reads as one, else text
                return text
            what = "a whole number" if kind is int else "a number"
            raise UsageError(f"{where}: {name}'s {key} is {what} (default {default!r})") from None
        if not math.isfinite(value):
            raise UsageError(f"{where}: {name}'s {key} must be finite")
        return value
    if isinstance(default, (tuple, list)):
        try:
            return [float(t) for t in text.split(",")]
        except ValueError:
            raise UsageError(f"{where}: {name}'s {key} is numbers like "
                             f"{','.join(str(v) for v in default)}") from None
    return text
