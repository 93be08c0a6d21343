"""Layers: ``Dense``, ``ActivationLayer``, ``Dropout`` — each backward right under its forward.

A layer is two methods over batches (rows are samples)::

    y  = layer.forward(x, ws=None, training=False, rng=None)   caches what backward needs
    dx = layer.backward(dy, ws=None, need_dx=True)             ∂L/∂x from ∂L/∂y; parameter
                                                               gradients written in place

``ws`` is a ``Workspace`` from which outputs and gradients are taken, so that repeated batches
of one size reuse the same arrays (``None``: allocate). Outputs handed back may be workspace
arrays, valid until the next call with the same batch size. ``backward`` must follow the
``forward`` whose values it uses.

``kernels`` (``adamlab.nn._kernels`` or None) lets a layer run its elementwise steps compiled
(the bias add, ReLU both ways); the NumPy lines beside each call are the reference, and the
kernels give the same numbers.
"""

from __future__ import annotations

import numpy as np

from adamlab.nn.activations import Activation
from adamlab.nn.workspace import Workspace, buffer, ones

__all__ = ["Layer", "Dense", "ActivationLayer", "Dropout"]


class Layer:
    """Base of the layers. ``n_params`` is the number of trainable numbers it holds."""

    n_params: int = 0

    def forward(
        self,
        x: np.ndarray,
        ws: Workspace | None = None,
        training: bool = False,
        rng: np.random.Generator | None = None,
    ) -> np.ndarray:
        raise NotImplementedError  # pragma: no cover

    def backward(self, dy: np.ndarray, ws: Workspace | None = None, need_dx: bool = True):
        raise NotImplementedError  # pragma: no cover


class Dense(Layer):
    """Affine map ``Z = X W + b``, ``W`` of shape ``(fan_in, fan_out)``, ``b`` of ``(fan_out,)``.

    ``W, b`` and their gradients ``dW, db`` are *views* given by the owner (``MLP`` puts them
    in its flat ``params`` / ``grads`` buffers); standalone, the layer allocates zeros.
    Backward writes ``dW`` and ``db`` in place (``np.dot(..., out=dW)``), never accumulating.
    """

    def __init__(
        self,
        fan_in: int,
        fan_out: int,
        W: np.ndarray | None = None,
        b: np.ndarray | None = None,
        dW: np.ndarray | None = None,
        db: np.ndarray | None = None,
        dtype=np.float64,
        kernels=None,
    ) -> None:
        self.fan_in, self.fan_out = int(fan_in), int(fan_out)
        self.n_params = self.fan_in * self.fan_out + self.fan_out
        shape_w, shape_b = (self.fan_in, self.fan_out), (self.fan_out,)
        self.W = np.zeros(shape_w, dtype) if W is None else W
        self.b = np.zeros(shape_b, dtype) if b is None else b
        self.dW = np.zeros(shape_w, dtype) if dW is None else dW
        self.db = np.zeros(shape_b, dtype) if db is None else db
        for name, arr, shape in (
            ("W", self.W, shape_w),
            ("b", self.b, shape_b),
            ("dW", self.dW, shape_w),
            ("db", self.db, shape_b),
        ):
            if arr.shape != shape or not arr.flags.c_contiguous:
                raise ValueError(f"Dense: {name} must be a C-contiguous array of shape {shape}")
        self._x: np.ndarray | None = None
        self._add_bias = None if kernels is None else kernels.add_bias

    def forward(self, x, ws=None, training=False, rng=None):
        z = buffer(ws, (self, "out"), (x.shape[0], self.fan_out), self.W.dtype)
        np.dot(x, self.W, out=z)
        if self._add_bias is None:
            z += self.b  # Z = X W + b
        else:
            self._add_bias(z, self.b)  # the same, compiled
        self._x = x
        return z

    def backward(self, dz, ws=None, need_dx=True):
        x = self._x
        np.dot(x.T, dz, out=self.dW)  # ∂L/∂W = Xᵀ dZ
        # ∂L/∂b = Σ_i dZ_i, as 1ᵀ dZ: a BLAS product is ~5x faster than np.sum(dz, axis=0)
        np.dot(ones(ws, dz.shape[0], dz.dtype), dz, out=self.db)
        if not need_dx:
            return None
        dx = buffer(ws, (self, "dx"), x.shape, dz.dtype)
        np.dot(dz, self.W.T, out=dx)  # ∂L/∂X = dZ Wᵀ
        return dx

    def __repr__(self) -> str:
        return f"Dense({self.fan_in}, {self.fan_out})"


class ActivationLayer(Layer):
    """``A = f(Z)`` elementwise; ``dZ = dA ⊙ f'(Z)`` from the cached ``Z`` and ``A``."""

    def __init__(self, activation: Activation, kernels=None) -> None:
        self.activation = activation
        self._z: np.ndarray | None = None
        self._a: np.ndarray | None = None
        name = activation.name
        self._forward_kernel = getattr(kernels, f"{name}_forward", None)  # ReLU has them
        self._backward_kernel = getattr(kernels, f"{name}_backward", None)

    def forward(self, z, ws=None, training=False, rng=None):
        a = buffer(ws, (self, "out"), z.shape, z.dtype)
        if self._forward_kernel is None:
            self.activation.forward(z, out=a)  # A = f(Z)
        else:
            self._forward_kernel(z, a)  # the same, compiled
        self._z, self._a = z, a
        return a

    def backward(self, da, ws=None, need_dx=True):
        act = self.activation
        dz = buffer(ws, (self, "dx"), da.shape, da.dtype)
        if self._backward_kernel is not None:
            self._backward_kernel(self._a, da, dz)  # compiled: dZ = dA ⊙ f'(Z) from A
            return dz
        work = tuple(buffer(ws, (self, "work", i), da.shape, da.dtype) for i in range(act.n_work))
        return act.backward(self._z, self._a, da, out=dz, work=work)  # dZ = dA ⊙ f'(Z)

    def __repr__(self) -> str:
        return f"ActivationLayer({self.activation.name!r})"


class Dropout(Layer):
    """Inverted dropout with drop probability ``p`` (Srivastava et al. 2014)::

        training:   M_ij = 1[u_ij ≥ p] / (1 - p),  u ~ U[0, 1) from ``rng``;   Y = X ⊙ M
        inference:  Y = X  (no scaling needed: E[M] = 1)
        backward:   dX = dY ⊙ M

    The same ``rng`` state gives the same mask, which is how tests fix it.
    """

    def __init__(self, p: float) -> None:
        if not 0 <= p < 1:
            raise ValueError(f"dropout rate must be in [0, 1); got {p!r}")
        self.p = float(p)
        self._mask: np.ndarray | None = None

    def forward(self, x, ws=None, training=False, rng=None):
        if not training or self.p == 0:
            self._mask = None
            return x  # Y = X
        if rng is None:
            raise ValueError("Dropout in training mode needs rng, a numpy.random.Generator")
        mask = buffer(ws, (self, "mask"), x.shape, x.dtype)
        rng.random(dtype=mask.dtype, out=mask)  # u ~ U[0, 1)
        np.greater_equal(mask, self.p, out=mask)  # keep with probability 1 - p
        mask *= 1 / (1 - self.p)  # M = 1[u ≥ p] / (1 - p)
        y = buffer(ws, (self, "out"), x.shape, x.dtype)
        np.multiply(x, mask, out=y)  # Y = X ⊙ M
        self._mask = mask
        return y

    def backward(self, dy, ws=None, need_dx=True):
        if self._mask is None:
            return dy  # dX = dY
        dx = buffer(ws, (self, "dx"), dy.shape, dy.dtype)
        np.multiply(dy, self._mask, out=dx)  # dX = dY ⊙ M
        return dx

    def __repr__(self) -> str:
        return f"Dropout({self.p})"
