"""``MLP``: a multi-layer perceptron whose parameters live in one flat buffer.

Forward, for hidden layers ``l = 1..L-1`` and the output layer ``L``::

    A_0 = X
    Z_l = A_{l-1} W_l + b_l,    A_l = f(Z_l) ⊙ M_l     (M_l: dropout mask, training only)
    logits = Z_L                 loss L(logits, y) + ½ λ Σ_l ‖W_l‖²

Backward (manual, each step in the layer that did the forward; for ReLU networks on the
compiled kernels, the same steps in one flat sequence of calls, ``nn.fused``)::

    dZ_L = ∂L/∂logits                                     (the loss, see ``losses``)
    dW_l = A_{l-1}ᵀ dZ_l + λ W_l,   db_l = Σ_i dZ_l,i,   dA_{l-1} = dZ_l W_lᵀ
    dZ_{l-1} = dA_{l-1} ⊙ M_{l-1} ⊙ f'(Z_{l-1})

Memory layout: ``params`` is one C-contiguous 1-D array ``[W_1, …, W_L, b_1, …, b_L]``
(each ``W_l`` row-major, shape ``(fan_in, fan_out)``); ``named_parameters()`` gives named,
shaped views into it (``dense0.weight``, ``dense0.bias``, ...), and ``grads`` has the same
layout. An optimizer sees the shapes, yet an elementwise one steps all the weights (adjacent
views) in one pass; ``params[model.weight_slice]`` is every weight (no bias) in one view.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from itertools import pairwise
from numbers import Real
from typing import Any

import numpy as np

from adamlab import _jit
from adamlab.nn import budget
from adamlab.nn.activations import get_activation
from adamlab.nn.fused import build as build_fused_step
from adamlab.nn.init import INITIALIZERS, resolve_init
from adamlab.nn.layers import ActivationLayer, Dense, Dropout, Layer
from adamlab.nn.losses import HEADS, l2_penalty, normalized_weights
from adamlab.nn.parameters import ParameterBuffer
from adamlab.nn.workspace import Workspace

__all__ = ["MLP"]

_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
_CONFIG_KEYS = ("n_inputs", "hidden", "n_outputs", "activation", "output", "dropout", "init",
                "dtype")


def _positive_int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ValueError(f"{name} must be a positive integer; got {value!r}")
    return int(value)


def _as_generator(rng: Any) -> np.random.Generator:
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or (isinstance(rng, int | np.integer) and not isinstance(rng, bool)):
        return np.random.default_rng(rng)
    raise ValueError(f"rng must be a numpy.random.Generator, an int seed or None; got {rng!r:.60}")


class MLP:
    """A fully connected network with one output head and manual backpropagation.

    Args:
        n_inputs: number of input features.
        hidden: widths of the hidden layers; ``()`` gives logistic/softmax/linear regression.
        n_outputs: output units (1 for binary, K classes for softmax, targets for regression).
        activation: hidden units, a key of ``ACTIVATIONS``.
        output: the head, a key of ``HEADS``: ``"sigmoid"`` (binary / multi-label,
            binary cross-entropy), ``"softmax"`` (multi-class, cross-entropy on labels
            0..K-1), ``"identity"`` (regression, half squared error).
        dropout: inverted-dropout rate after every hidden activation, in [0, 1).
        dtype: float32 or float64; every buffer, activation and gradient stays in it.
        rng: draws the initial weights, and the dropout masks when ``loss_and_grad`` or
            ``forward(training=True)`` get no ``rng`` (an int seed or None also accepted).
        init: a key of ``INITIALIZERS`` or ``"auto"`` (the activation's default: He for the
            ReLU family and GELU, scikit-learn's Glorot otherwise).
        fused: how elementwise steps run, never what they compute: ``None`` (default) runs
            the compiled kernels of ``adamlab.nn._kernels`` (bias add, ReLU, binary
            cross-entropy) when numba is installed, NumPy otherwise; ``True`` requires numba;
            ``False`` is NumPy only. Both give the same numbers (binary cross-entropy in float32
            to the last bit or two: exp and log1p come from different libraries).

    The L2 penalty ``½ λ Σ W²`` covers the weight matrices only, not the biases, and is not
    divided by the batch size: scikit-learn's ``alpha`` equals ``λ · n_samples``.
    """

    def __init__(
        self,
        n_inputs: int,
        hidden: Sequence[int] | int = (),
        n_outputs: int = 1,
        activation: str = "relu",
        output: str = "sigmoid",
        dropout: float = 0.0,
        dtype: Any = np.float64,
        rng: np.random.Generator | int | None = None,
        init: str = "auto",
        fused: bool | None = None,
    ) -> None:
        self.n_inputs = _positive_int(n_inputs, "n_inputs")
        hidden = (hidden,) if isinstance(hidden, int | np.integer) else tuple(hidden)
        self.hidden = tuple(_positive_int(h, "each hidden layer width") for h in hidden)
        self.n_outputs = _positive_int(n_outputs, "n_outputs")
        act = get_activation(activation)
        self.activation = act.name
        key = str(output).strip().lower()
        if key not in HEADS:
            raise ValueError(f"unknown output {output!r}; choose one of: {', '.join(HEADS)}")
        self.output = key
        self.loss_fn = HEADS[key]
        if key == "softmax" and self.n_outputs < 2:
            raise ValueError(
                "output='softmax' needs n_outputs >= 2 classes; "
                "for two classes use output='sigmoid' with n_outputs=1"
            )
        if isinstance(dropout, bool) or not isinstance(dropout, Real) or not 0 <= dropout < 1:
            raise ValueError(f"dropout must be a rate in [0, 1); got {dropout!r}")
        self.dropout = float(dropout)
        self.dtype = np.dtype(dtype)
        if self.dtype not in _DTYPES:
            raise ValueError(f"dtype must be float32 or float64; got {self.dtype}")
        self.rng = _as_generator(rng)
        self.init = str(init).strip().lower()
        init_name = resolve_init(self.init, act)
        self.fused = fused
        #: ``adamlab.nn._kernels`` when the compiled kernels are in use, else None.
        self.kernels = _jit.load(fused, "MLP", "adamlab.nn._kernels")

        # One flat buffer for every parameter, one for every gradient; layers hold views.
        widths = (self.n_inputs, *self.hidden, self.n_outputs)
        budget.check_fits(widths, self.dtype)  # the figure now, not a MemoryError later
        #: Rows per block of ``forward``/``predict_proba``: activations within a memory budget.
        self.block_rows = budget.rows_per_block(widths, self.dtype)
        self._buffer = ParameterBuffer(list(pairwise(widths)), self.dtype)
        self._params, self._grads = self._buffer.params, self._buffer.grads
        self.weight_slice = self._buffer.weight_slice
        W, G = dict(self._buffer.named_params), dict(self._buffer.named_grads)
        self.dense: list[Dense] = []
        for k in range(len(self.hidden) + 1):
            w, b = f"dense{k}.weight", f"dense{k}.bias"
            self.dense.append(Dense(*W[w].shape, W[w], W[b], G[w], G[b], kernels=self.kernels))
        for layer in self.dense:  # W_1, b_1, W_2, b_2, ... in scikit-learn's order
            INITIALIZERS[init_name](layer.W, layer.b, self.rng, act)

        # Dense -> [activation] -> [dropout] -> ... -> Dense (logits)
        self.layers: list[Layer] = []
        for layer in self.dense[:-1]:
            self.layers.append(layer)
            if act.name != "identity":  # f(z) = z: nothing to do
                self.layers.append(ActivationLayer(act, self.kernels))
            if self.dropout > 0:
                self.layers.append(Dropout(self.dropout))
        self.layers.append(self.dense[-1])

        self.workspace = Workspace(self.dtype)
        #: The training step without the layers' calls, when it applies (``adamlab.nn.fused``).
        self._step = build_fused_step(self.layers, self.kernels, self.loss_fn, self.workspace)
        self._l2_work: np.ndarray | None = None
        #: Logits of the last ``loss_and_grad`` (a workspace view, valid until the next call).
        self.last_logits: np.ndarray | None = None

    # ------------------------------------------------------------ parameters
    @property
    def params(self) -> np.ndarray:
        """All parameters, one contiguous 1-D array; assigning copies *into* it."""
        return self._params

    @params.setter
    def params(self, values: np.ndarray) -> None:
        values = np.asarray(values)
        if values.shape != self._params.shape:
            raise ValueError(f"params must have shape {self._params.shape}; got {values.shape}")
        np.copyto(self._params, values)

    @property
    def grads(self) -> np.ndarray:
        """Gradients of the last ``loss_and_grad``, same layout and dtype as ``params``."""
        return self._grads

    def named_parameters(self) -> list[tuple[str, np.ndarray]]:
        """``(name, array)`` in layer order: ``("dense0.weight", W_1)`` of shape
        ``(fan_in, fan_out)``, ``("dense0.bias", b_1)``, ``("dense1.weight", W_2)``, ...

        Views into ``params`` (the same objects every call): stepping them steps the model."""
        return list(self._buffer.named_params)

    def named_gradients(self) -> list[tuple[str, np.ndarray]]:
        """Like ``named_parameters``, views into ``grads``."""
        return list(self._buffer.named_grads)

    def views(self, buffer: np.ndarray) -> dict[str, np.ndarray]:
        """Name -> shaped view of ``buffer``, any flat array laid out like ``params``."""
        return self._buffer.views(buffer)

    def views_like(self, params: Sequence[np.ndarray], buffer: np.ndarray
                   ) -> tuple[np.ndarray, ...]:
        """The views of ``buffer`` (laid out like ``params``) matching ``params`` (the model's
        parameter views, or the flat ``params``): e.g. an optimizer's state in this layout."""
        return self._buffer.like(params, buffer)

    def gradients_for(self, params: Sequence[np.ndarray]) -> tuple[np.ndarray, ...]:
        """The gradient views matching ``params`` (the model's parameter views, or the flat
        ``params`` itself), in that order: what an optimizer built over them steps with.
        Build it once and pass the same tuple every step (the optimizer merges adjacent views
        into one pass once, not every step)."""
        return self._buffer.gradients_for(params)

    @property
    def weights(self) -> list[np.ndarray]:
        return [layer.W for layer in self.dense]

    @property
    def biases(self) -> list[np.ndarray]:
        return [layer.b for layer in self.dense]

    @property
    def n_params(self) -> int:
        return self._params.size

    # --------------------------------------------------------------- forward
    def _check_X(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X, dtype=self.dtype)
        if X.ndim != 2 or X.shape[1] != self.n_inputs:
            raise ValueError(f"X must have shape (n_samples, {self.n_inputs}); got {X.shape}")
        return X

    def _check_y(self, X: np.ndarray, y: np.ndarray) -> None:
        if np.ndim(y) == 0 or np.shape(y)[0] != X.shape[0]:
            raise ValueError(f"X has {X.shape[0]} samples but y has shape {np.shape(y)}")

    def _forward(
        self, X: np.ndarray, training: bool, rng: np.random.Generator | None
    ) -> np.ndarray:
        if training and self.dropout > 0 and rng is None:
            rng = self.rng
        a = X
        for layer in self.layers:
            a = layer.forward(a, self.workspace, training, rng)
        return a  # logits, a workspace array

    def forward(
        self, X: np.ndarray, training: bool = False, rng: np.random.Generator | None = None
    ) -> np.ndarray:
        """Logits, shape ``(n, n_outputs)`` (a new array). ``training`` turns dropout on.
        Rows go through in blocks of ``block_rows`` (one block's activations in memory)."""
        return self._in_blocks(self._check_X(X),
                               lambda a: self._forward(a, training, rng).copy())

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """σ(logits) for sigmoid, softmax(logits) for softmax, the logits for identity (in
        blocks of ``block_rows``, as ``forward``)."""
        return self._in_blocks(self._check_X(X),
                               lambda a: self.loss_fn.link(self._forward(a, False, None)))

    def _in_blocks(self, X: np.ndarray, f: Any) -> np.ndarray:
        """``f`` (a new array of each block of ``block_rows`` rows of X), stacked."""
        n, rows = X.shape[0], self.block_rows
        if n <= rows:
            return f(X)
        out = np.empty((n, self.n_outputs), dtype=self.dtype)
        for start in range(0, n, rows):
            out[start:start + rows] = f(X[start:start + rows])
        return out

    # ------------------------------------------------------------------ loss
    def _penalty(self, l2: float, grad: bool) -> float:
        """``½ λ Σ W²`` over the weight matrices; with ``grad``, adds ``λ W`` to their grads."""
        if not (math.isfinite(l2) and l2 >= 0):
            raise ValueError(f"l2 must be a finite number >= 0; got {l2!r}")
        if l2 == 0:
            return 0.0
        w = self._params[self.weight_slice]
        if grad:
            if self._l2_work is None:
                self._l2_work = np.empty_like(w)
            np.multiply(w, l2, out=self._l2_work)
            self._grads[self.weight_slice] += self._l2_work  # dW += λ W
        return l2_penalty(w, l2)  # ½ λ Σ W²

    def loss(
        self,
        X: np.ndarray,
        y: np.ndarray,
        sample_weight: np.ndarray | None = None,
        l2: float = 0.0,
    ) -> float:
        """Inference-mode (no dropout) data loss plus the L2 penalty."""
        X = self._check_X(X)
        self._check_y(X, y)
        logits = self._forward(X, False, None)
        return self.loss_fn.value(logits, y, sample_weight) + self._penalty(l2, grad=False)

    def loss_and_grad(
        self,
        X: np.ndarray,
        y: np.ndarray,
        sample_weight: np.ndarray | None = None,
        l2: float = 0.0,
        rng: np.random.Generator | None = None,
    ) -> float:
        """Training-mode forward, then backward: overwrites ``grads``; returns loss + penalty.

        ``rng`` draws the dropout masks (default: the model's ``rng``).
        """
        X = self._check_X(X)
        self._check_y(X, y)
        t = self.loss_fn.targets(y, self.n_outputs, self.dtype)
        return self.loss_and_grad_targets(X, t, sample_weight, l2, rng)

    def loss_and_grad_targets(
        self,
        X: np.ndarray,
        t: np.ndarray,
        sample_weight: np.ndarray | None = None,
        l2: float = 0.0,
        rng: np.random.Generator | None = None,
    ) -> float:
        """``loss_and_grad`` for a training loop, which checks its data once, not per batch:
        ``X`` must be an ``(n, n_inputs)`` array of the model's dtype and ``t`` the converted
        targets ``loss_fn.targets(y, n_outputs, dtype)`` of the same ``n`` rows."""
        omega = None if sample_weight is None else normalized_weights(sample_weight, X.shape[0],
                                                                       self.dtype)
        if self._step is not None:  # the same numbers, without the layers' calls
            value, self.last_logits = self._step(X, t, omega)
            return value + self._penalty(l2, grad=True)
        logits = self._forward(X, True, rng)
        self.last_logits = logits
        dz = self.workspace.get((self, "dlogits"), logits.shape)
        value = self.loss_fn.value_and_grad_targets(logits, t, omega, dz, self.kernels)  # dZ_L
        d = dz
        for i in range(len(self.layers) - 1, -1, -1):
            d = self.layers[i].backward(d, self.workspace, need_dx=i > 0)
        return value + self._penalty(l2, grad=True)

    # ---------------------------------------------------------------- config
    def get_config(self) -> dict[str, Any]:
        """Everything needed to rebuild the architecture (JSON-able); not the weights."""
        return {
            "n_inputs": self.n_inputs,
            "hidden": list(self.hidden),
            "n_outputs": self.n_outputs,
            "activation": self.activation,
            "output": self.output,
            "dropout": self.dropout,
            "init": self.init,
            "dtype": self.dtype.name,
        }

    @classmethod
    def from_config(
        cls,
        config: Mapping[str, Any],
        dtype: Any = None,
        rng: np.random.Generator | int | None = None,
    ) -> MLP:
        """A freshly initialised model of the architecture ``config`` describes.

        ``dtype`` overrides the config's (default float64); copy saved weights in with
        ``model.params = saved``.
        """
        unknown = set(config) - set(_CONFIG_KEYS)
        if unknown:
            raise ValueError(
                f"unknown MLP config key(s) {sorted(unknown)}; known: {list(_CONFIG_KEYS)}"
            )
        if "n_inputs" not in config:
            raise ValueError("MLP config needs 'n_inputs'")
        kwargs = {k: v for k, v in config.items() if k != "dtype"}
        kwargs["dtype"] = dtype if dtype is not None else config.get("dtype", "float64")
        return cls(**kwargs, rng=rng)

    # Pickle and copy.deepcopy would turn the layers' views into independent arrays, so that
    # stepping ``params`` no longer moved the weights: rebuild the views instead.
    def __getstate__(self) -> dict[str, Any]:
        return {"config": self.get_config(), "params": self._params.copy(),
                "grads": self._grads.copy(), "rng": self.rng, "fused": self.fused}

    def __setstate__(self, state: Mapping[str, Any]) -> None:
        config = dict(state["config"])
        # the init draws are overwritten
        self.__init__(**config, rng=np.random.default_rng(0), fused=state.get("fused"))
        np.copyto(self._params, state["params"])
        np.copyto(self._grads, state["grads"])
        self.rng = state["rng"]

    def __repr__(self) -> str:
        return (
            f"MLP(n_inputs={self.n_inputs}, hidden={self.hidden}, n_outputs={self.n_outputs}, "
            f"activation={self.activation!r}, output={self.output!r}, dropout={self.dropout}, "
            f"dtype={self.dtype.name}, n_params={self.n_params})"
        )
