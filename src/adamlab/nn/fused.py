"""An MLP's training step in one flat sequence of calls, for ReLU networks on compiled kernels.

``MLP.loss_and_grad_targets`` goes through its layers: each ``Dense`` and ``ActivationLayer``
takes its arrays from the workspace and calls its product or kernel, some forty Python calls
and twenty workspace look-ups a step, with the bias add and the ReLU in two passes. When the
model runs the compiled kernels (``adamlab.nn._kernels``), has no dropout and every hidden
layer is a ReLU, ``FusedStep`` computes the same step with the arrays of a batch size looked
up once, two arrays per hidden layer, and fewer passes::

    A_0 = X
    A_l = max(A_{l-1} W_l + b_l, 0)         np.dot into A_l, then bias_relu (in place)
    Z_L = A_{L-1} W_L + b_L                 np.dot, then add_bias
    L, dZ_L = loss(Z_L, t)                  the head's value_and_grad_targets
    dW_l = A_{l-1}ᵀ dZ_l,  db_l = 1ᵀ dZ_l    np.dot, as Dense.backward
    dZ_{l-1} = 1[A_{l-1} > 0] ⊙ dZ_l W_lᵀ    np.dot, then relu_backward_inplace; with one
                                            output unit the last layer's product has no
                                            sum, and outer_relu_backward does both at once

Every product is the ``np.dot`` call ``Dense`` makes, on arrays of the same shapes and
layouts, so every number is the layers' (tests/nn/test_fused_step.py checks it bit for bit).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from adamlab.nn.layers import ActivationLayer, Dense
from adamlab.nn.workspace import Workspace

__all__ = ["FusedStep", "build"]


def build(layers: list[Any], kernels: Any, loss_fn: Any, workspace: Workspace
          ) -> FusedStep | None:
    """The fused step of ``layers`` (Dense, ReLU, ..., Dense), or None when they are another
    sequence (dropout, another activation) or there are no kernels: the layers then run."""
    if kernels is None:
        return None
    dense = layers[0::2]
    hidden = layers[1::2]
    if (len(layers) % 2 != 1 or not all(isinstance(d, Dense) for d in dense)
            or not all(isinstance(h, ActivationLayer) and h.activation.name == "relu"
                       for h in hidden)):
        return None
    return FusedStep(dense, kernels, loss_fn, workspace)


class FusedStep:
    """``step = FusedStep(...)``; ``step(X, t, omega) -> (L, logits)`` writes every ``dW``,
    ``db`` of ``dense``."""

    def __init__(self, dense: list[Dense], kernels: Any, loss_fn: Any,
                 workspace: Workspace) -> None:
        self.dense, self.kernels, self.loss_fn, self.workspace = dense, kernels, loss_fn, workspace
        self._W = [d.W for d in dense]
        self._WT = [d.W.T for d in dense]
        self._b = [d.b for d in dense]
        self._dW = [d.dW for d in dense]
        self._db = [d.db for d in dense]
        # One output unit: the last layer's dA = dZ_L W_Lᵀ has no sum. np.dot takes a (1, 1)
        # operand for a scalar (BLAS axpy, which skips a zero factor: 0·inf gives 0 there), so
        # a one-unit layer, or a one-row batch (see __call__), keeps the product.
        self._outer = dense[-1].fan_out == 1 and len(dense) > 1 and dense[-1].fan_in > 1
        self._rows: int | None = None
        self._generation = -1
        self._arrays: tuple = ()

    def _arrays_for(self, n: int) -> tuple:
        """(A, Aᵀ, D, Z, dZ, ones) for batches of ``n`` rows: A_l and D_l (dA_l, then dZ_l in
        place) per hidden layer, the logits and their gradient; the workspace's arrays."""
        ws = self.workspace
        if n != self._rows or ws.generation != self._generation:
            widths = [d.fan_out for d in self.dense]
            A = [ws.get((self, "a", i), (n, w)) for i, w in enumerate(widths[:-1])]
            D = [ws.get((self, "d", i), (n, w)) for i, w in enumerate(widths[:-1])]
            Z = ws.get((self, "z"), (n, widths[-1]))
            dZ = ws.get((self, "dz"), (n, widths[-1]))
            self._arrays = (A, [a.T for a in A], D, Z, dZ, ws.ones(n))
            self._rows, self._generation = n, ws.generation
        return self._arrays

    def __call__(self, X: np.ndarray, t: np.ndarray, omega: np.ndarray | None
                 ) -> tuple[float, np.ndarray]:
        A, AT, D, Z, dZ, ones = self._arrays_for(X.shape[0])
        k, dot = self.kernels, np.dot
        W, b, last = self._W, self._b, len(self._W) - 1
        a = X
        for i in range(last):  # A_l = max(A_{l-1} W_l + b_l, 0)
            dot(a, W[i], out=A[i])
            k.bias_relu(A[i], b[i])
            a = A[i]
        dot(a, W[last], out=Z)  # Z_L = A_{L-1} W_L + b_L
        k.add_bias(Z, b[last])
        value = self.loss_fn.value_and_grad_targets(Z, t, omega, dZ, k)  # L, dZ_L

        WT, dW, db = self._WT, self._dW, self._db
        d = dZ
        for i in range(last, -1, -1):
            dot(AT[i - 1] if i else X.T, d, out=dW[i])  # ∂L/∂W = Aᵀ dZ
            dot(ones, d, out=db[i])  # ∂L/∂b = 1ᵀ dZ
            if i == 0:
                break
            if i == last and self._outer and d.shape[0] > 1:  # dZ = 1[A > 0] ⊙ dZ_L W_Lᵀ
                k.outer_relu_backward(A[i - 1], d, W[i], D[i - 1])
            else:
                dot(d, WT[i], out=D[i - 1])  # dA = dZ Wᵀ
                k.relu_backward_inplace(A[i - 1], D[i - 1])  # dZ = 1[A > 0] ⊙ dA
            d = D[i - 1]
        return value, Z
