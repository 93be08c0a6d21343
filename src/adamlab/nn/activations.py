"""Elementwise activations, each derivative written right under its forward formula.

Every activation works on preallocated arrays so that a training step need not allocate::

    a  = f(z)             forward(z, out)                      -> out
    dz = da ⊙ f'(z)       backward(z, a, da, out, work)        -> out

``out`` must not share memory with ``z``, ``a`` or ``da``; ``work`` is a tuple of
``n_work`` scratch arrays of ``z``'s shape (only GELU needs one). With ``out=None`` (and no
``work``) the arrays are allocated, which is what tests and notebooks want.

Names (the keys of ``ACTIVATIONS``) are shared by ``MLP``, the estimator and the CLI. Each
activation also says which initialisation ``init="auto"`` picks for it (``default_init``) and
scikit-learn's Glorot factor (``glorot_factor``: 2 for the logistic sigmoid, 6 otherwise).

Every step keeps the dtype of ``z`` (float32 stays float32) and raises no floating-point
warning for any finite input, even under ``np.errstate(all="raise")``.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["Activation", "ACTIVATIONS", "get_activation"]


class Activation:
    """Base: subclasses implement ``_forward(z, out)`` and ``_backward(z, a, da, out, work)``."""

    name: str = ""
    n_work: int = 0
    default_init: str = "glorot"
    glorot_factor: float = 6.0

    def forward(self, z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """``a = f(z)``, written into ``out`` (allocated when None)."""
        z = np.asarray(z)
        if out is None:
            out = np.empty_like(z)
        self._forward(z, out)
        return out

    def backward(
        self,
        z: np.ndarray,
        a: np.ndarray,
        da: np.ndarray,
        out: np.ndarray | None = None,
        work: tuple[np.ndarray, ...] = (),
    ) -> np.ndarray:
        """``dz = da ⊙ f'(z)`` from the cached ``z`` and ``a = f(z)``, written into ``out``."""
        if out is None:
            out = np.empty_like(da)
        if len(work) < self.n_work:
            work = tuple(np.empty_like(da) for _ in range(self.n_work))
        self._backward(z, a, da, out, work)
        return out

    def __call__(self, z: np.ndarray) -> np.ndarray:
        return self.forward(z)

    def __repr__(self) -> str:
        return f"<activation {self.name!r}>"

    def _forward(self, z: np.ndarray, out: np.ndarray) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _backward(self, z, a, da, out, work) -> None:  # pragma: no cover - abstract
        raise NotImplementedError


class Identity(Activation):
    """``f(z) = z``;  ``f'(z) = 1``. (``MLP`` adds no layer for it.)"""

    name = "identity"

    def _forward(self, z, out):
        np.copyto(out, z)

    def _backward(self, z, a, da, out, work):
        np.copyto(out, da)  # dz = da


class ReLU(Activation):
    """``f(z) = max(z, 0)``;  ``f'(z) = 1[z > 0]`` (0 at the kink, as scikit-learn)."""

    name = "relu"
    default_init = "he"

    def _forward(self, z, out):
        np.maximum(z, 0, out=out)

    def _backward(self, z, a, da, out, work):
        np.greater(a, 0, out=out)  # f'(z) = 1[relu(z) > 0] ∈ {0, 1}
        np.multiply(out, da, out=out)  # dz = da ⊙ f'(z)


class LeakyReLU(Activation):
    """``f(z) = z if z > 0 else s·z`` with slope ``s = 0.01`` (PyTorch's default);
    ``f'(z) = 1 if z > 0 else s``."""

    name = "leaky_relu"
    default_init = "he"
    slope = 0.01

    def _forward(self, z, out):
        np.multiply(z, self.slope, out=out)
        np.maximum(z, out, out=out)  # max(z, s·z) = leaky_relu(z) since 0 < s < 1

    def _backward(self, z, a, da, out, work):
        np.greater(z, 0, out=out)  # 1[z > 0]
        out *= 1 - self.slope
        out += self.slope  # f'(z) = s + (1 - s)·1[z > 0]
        np.multiply(out, da, out=out)


class Tanh(Activation):
    """``f(z) = tanh z``;  ``f'(z) = 1 - a²``."""

    name = "tanh"

    def _forward(self, z, out):
        np.tanh(z, out=out)

    def _backward(self, z, a, da, out, work):
        np.multiply(a, a, out=out)
        np.subtract(1, out, out=out)  # f'(z) = 1 - a²
        np.multiply(out, da, out=out)


class Sigmoid(Activation):
    """``f(z) = σ(z) = 1 / (1 + e^{-z}) = (1 + tanh(z/2)) / 2``;  ``f'(z) = a (1 - a)``.

    The tanh form never overflows; it is exact to ~1e-16 in absolute terms (not relative,
    for z ≪ 0), which is what a hidden unit needs. Output probabilities use the relatively
    accurate form in ``adamlab.nn.losses``.
    """

    name = "sigmoid"
    glorot_factor = 2.0

    def _forward(self, z, out):
        np.multiply(z, 0.5, out=out)
        np.tanh(out, out=out)
        out += 1
        out *= 0.5  # σ(z) = (1 + tanh(z/2)) / 2

    def _backward(self, z, a, da, out, work):
        np.subtract(1, a, out=out)
        out *= a  # f'(z) = a (1 - a)
        np.multiply(out, da, out=out)


class GELU(Activation):
    """GELU, **tanh approximation** (PyTorch's ``gelu(z, approximate="tanh")``, Hendrycks &
    Gimpel 2016, eq. 2); it differs from the exact ``z·Φ(z)`` by at most ~5e-4::

        f(z)  = ½ z (1 + t),   t = tanh(u),   u = k (z + c z³),   k = √(2/π), c = 0.044715
        f'(z) = ½ (1 + t) + ½ z k (1 + 3c z²) (1 - t²)
              = (1 + t) · (½ + w (1 - t)),   w = ½ k z (1 + 3c z²)

    The last form needs one scratch array besides ``out``.
    """

    name = "gelu"
    n_work = 1
    default_init = "he"
    k = math.sqrt(2.0 / math.pi)
    c = 0.044715

    def _tanh_u(self, z, out):
        np.multiply(z, z, out=out)
        out *= self.c
        out += 1
        out *= z
        out *= self.k  # u = k (z + c z³)
        np.tanh(out, out=out)  # t = tanh(u)

    def _forward(self, z, out):
        self._tanh_u(z, out)
        out += 1
        out *= z
        out *= 0.5  # f(z) = ½ z (1 + t)

    def _backward(self, z, a, da, out, work):
        (w,) = work[:1]
        self._tanh_u(z, out)  # out = t
        np.multiply(z, z, out=w)
        w *= 3 * self.c
        w += 1
        w *= z
        w *= 0.5 * self.k  # w = ½ k z (1 + 3c z²)
        np.subtract(1, out, out=out)  # out = 1 - t
        w *= out
        w += 0.5  # w = ½ + w (1 - t)
        np.subtract(2, out, out=out)  # out = 1 + t
        out *= w  # f'(z) = (1 + t)(½ + w (1 - t))
        np.multiply(out, da, out=out)


ACTIVATIONS: dict[str, Activation] = {
    act.name: act for act in (ReLU(), LeakyReLU(), Tanh(), Sigmoid(), GELU(), Identity())
}


def get_activation(name: str) -> Activation:
    """The registry entry for ``name`` (case-insensitive), or a ValueError listing the names."""
    key = str(name).strip().lower()
    if key not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; choose one of: {', '.join(ACTIVATIONS)}")
    return ACTIVATIONS[key]
