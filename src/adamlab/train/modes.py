"""Train and evaluation weights, for optimizers whose evaluation weights differ (schedule-free).

An optimizer with ``modes`` (``adamlab.optim.base``) trains one sequence of weights and is
evaluated at another: Schedule-Free SGD/AdamW steps ``y_t`` and evaluates the average
``x_t``; ``optimizer.eval()`` turns the parameters into the evaluation weights in place and
``optimizer.train()`` back. Everything that *measures* a model — the validation loss, early
stopping's best weights, the weights a checkpoint offers for prediction — uses the evaluation
weights; the steps use the trained ones. For any other optimizer both are the same arrays.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np

__all__ = ["has_modes", "evaluation_weights", "use_weights"]


def has_modes(optimizer: Any) -> bool:
    """Whether ``optimizer``'s evaluation weights differ from the weights it trains."""
    return bool(getattr(optimizer, "modes", False))


@contextlib.contextmanager
def evaluation_weights(optimizer: Any, params: np.ndarray) -> Iterator[None]:
    """Within the block ``params`` (the model's flat buffer) holds the evaluation weights.
    After it the trained weights are back bit for bit (from a copy, not by ``train()``'s
    inverse arithmetic, which may round), so evaluating never changes a run's trajectory.
    Already in eval mode (after ``use_weights``): nothing to switch."""
    if not has_modes(optimizer) or not optimizer.training:
        yield
        return
    kept = params.copy()
    optimizer.eval()
    try:
        yield
    finally:
        optimizer.train()
        params[...] = kept


def use_weights(optimizer: Any, params: np.ndarray, weights: np.ndarray) -> None:
    """Make ``weights`` (evaluation weights, e.g. early stopping's best) the model's. With
    modes the optimizer is left in eval mode, so that they are what ``evaluation_weights``
    and a checkpoint's ``eval_params`` give; a next ``fit`` calls ``train()`` and trains on."""
    if has_modes(optimizer):
        optimizer.eval()
    params[...] = weights
