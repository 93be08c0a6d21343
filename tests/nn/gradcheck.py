"""Central finite differences and a relative error: the gradient checks of the nn tests.

A module of its own (not only fixtures in conftest.py) so that other suites can import it:
``tests/robustness`` runs the same checks on random shapes and dtypes.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def numerical_gradient(f: Callable[[], float], x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """``∂f/∂x_i ≈ (f(x + h e_i) - f(x - h e_i)) / 2h``; ``x`` is perturbed in place, then restored.

    ``f`` takes no argument: it reads ``x`` (or a buffer ``x`` is a view of) when called.
    """
    flat = x.reshape(-1)
    assert np.shares_memory(flat, x), "x must be contiguous so that its entries can be perturbed"
    g = np.zeros(flat.shape, dtype=np.float64)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + h
        f_plus = f()
        flat[i] = old - h
        f_minus = f()
        flat[i] = old
        g[i] = (f_plus - f_minus) / (2 * h)
    return g.reshape(x.shape)


def rel_error(a: np.ndarray, b: np.ndarray) -> float:
    """``‖a - b‖ / (‖a‖ + ‖b‖)`` (0 when both vanish)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    den = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if den == 0 else float(np.linalg.norm(a - b) / den)
