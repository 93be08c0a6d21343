"""Weight initialisations: name -> function that fills a layer's ``W`` and ``b`` in place.

Each function is ``init(W, b, rng, activation)``; ``W`` has shape ``(fan_in, fan_out)``, ``rng``
is a ``numpy.random.Generator`` (never the global ``np.random``), ``activation`` the hidden
units' ``Activation``. Numbers are drawn in float64 and then cast, so a float32 model starts
from exactly the float32-rounded weights of the float64 model built with the same seed.

=========  ===========================================================================
name       rule
=========  ===========================================================================
glorot     scikit-learn's MLP init (Glorot & Bengio 2010, uniform): W and b ~ U(-r, r),
           ``r = √(f / (fan_in + fan_out))``, ``f = 2`` for sigmoid units, 6 otherwise
he         He et al. 2015, uniform: W ~ U(-r, r), ``r = √(6 / fan_in)`` (Var W = 2/fan_in),
           b = 0 — PyTorch's ``kaiming_uniform_(nonlinearity="relu")``
auto       ``activation.default_init``: he for relu, leaky_relu, gelu; glorot otherwise
=========  ===========================================================================
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from adamlab.nn.activations import Activation

__all__ = ["INITIALIZERS", "glorot", "he", "resolve_init"]


def glorot(W: np.ndarray, b: np.ndarray, rng: np.random.Generator, activation: Activation) -> None:
    """scikit-learn's ``_init_coef``: ``r = √(f/(fan_in+fan_out))``; W, then b, ~ U(-r, r)."""
    fan_in, fan_out = W.shape
    r = math.sqrt(activation.glorot_factor / (fan_in + fan_out))
    W[...] = rng.uniform(-r, r, size=W.shape)
    b[...] = rng.uniform(-r, r, size=b.shape)


def he(W: np.ndarray, b: np.ndarray, rng: np.random.Generator, activation: Activation) -> None:
    """He-uniform: ``r = √(6/fan_in)`` so that ``Var W = r²/3 = 2/fan_in``; ``b = 0``."""
    fan_in = W.shape[0]
    r = math.sqrt(6.0 / fan_in)
    W[...] = rng.uniform(-r, r, size=W.shape)
    b[...] = 0


InitFn = Callable[[np.ndarray, np.ndarray, np.random.Generator, Activation], None]

INITIALIZERS: dict[str, InitFn] = {"glorot": glorot, "he": he}


def resolve_init(name: str, activation: Activation) -> str:
    """``"auto"`` -> the activation's default; otherwise check the name against the registry."""
    key = str(name).strip().lower()
    if key == "auto":
        return activation.default_init
    if key not in INITIALIZERS:
        raise ValueError(f"unknown init {name!r}; choose one of: auto, {', '.join(INITIALIZERS)}")
    return key
