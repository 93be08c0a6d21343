"""Where each of an optimizer's parameters lies in the model's flat buffer.

An optimizer holds the model's named views (``model.named_parameters()``) or the flat buffer
``model.params`` itself; the trainer keeps other arrays laid out like that buffer (the weights
before the last step) and reads the optimizer's state in that layout (``AdamTrace``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["views_like", "flat_state"]


def views_like(model: Any, params: Sequence[np.ndarray], buffer: np.ndarray
               ) -> tuple[np.ndarray, ...]:
    """The views of ``buffer`` (laid out like ``model.params``) matching ``params``, as
    ``model.gradients_for`` gives the gradients' (the flat ``params`` maps to all of it)."""
    return model.views_like(params, buffer)


def flat_state(model: Any, optimizer: Any, key: str) -> np.ndarray:
    """The optimizer's per-parameter state ``key`` (``exp_avg``, ...) as one array laid out
    like ``model.params``, in its dtype (a copy)."""
    out = np.zeros_like(model.params)
    for i, (view, state) in enumerate(zip(views_like(model, optimizer.params, out),
                                          optimizer.state, strict=True)):
        if key not in state:
            raise ValueError(f"{type(optimizer).__name__} keeps no {key!r} for parameter {i}")
        view[...] = state[key]
    return out
