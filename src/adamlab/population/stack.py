"""``StackedMLP``: K networks of one architecture as one computation over stacked weights.

Member k's parameters are row k of one ``(K, P)`` buffer laid out like ``MLP.params``
(``[W_1, …, W_L, b_1, …, b_L]``), so layer l's weights of every member are one
``(K, fan_in, fan_out)`` view and a forward pass is one batched product per layer::

    Z_l[k] = A_{l-1}[k] W_l[k] + b_l[k]        np.matmul over the stack (one GEMM per member)
    A_l    = f(Z_l)                              the activation's own NumPy code, elementwise

Backward, as ``nn.layers.Dense`` and ``ActivationLayer`` compute it, member by member::

    dW_l[k] = A_{l-1}[k]ᵀ dZ_l[k],   db_l[k] = 1ᵀ dZ_l[k],   dA_{l-1}[k] = dZ_l[k] W_l[k]ᵀ

Why the numbers are a single ``MLP``'s, bit for bit: ``np.matmul`` hands each member's 2-D
product to the same BLAS routine ``np.dot`` calls for one network (GEMM, or GEMV where a side
is a vector), with the same shapes, strides and transposition, so each member's sums are
blocked alike (a column by a row, which NumPy computes without BLAS, by the compiled twin of
its loop); the elementwise steps are the same ufuncs on contiguous arrays, or with numba
their compiled twins (``population._kernels``: the bias add, ReLU, tanh's ∂); every per-row
reduction (a softmax's sums, the loss's mean over a batch) runs over one member's rows in the
order the single network's does (``loss_terms``). tests/population checks it step by step.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from adamlab.nn import MLP

__all__ = ["StackedMLP", "Layout", "row_norms"]


class Layout:
    """Where each layer's weights and biases sit in a member's flat parameter row."""

    def __init__(self, model: MLP) -> None:
        base = model.params.__array_interface__["data"][0]
        item = model.params.itemsize
        named = dict(model.named_parameters())
        self.shapes = [(d.fan_in, d.fan_out) for d in model.dense]
        self.weights, self.biases = [], []  # (start, stop) per layer
        for k, _ in enumerate(self.shapes):
            for name, into in ((f"dense{k}.weight", self.weights), (f"dense{k}.bias", self.biases)):
                view = named[name]
                at = (view.__array_interface__["data"][0] - base) // item
                into.append((at, at + view.size))
        self.size = model.params.size
        self.n_weights = model.weight_slice.stop


class StackedMLP:
    """The forward and backward pass of K ``MLP``s of one architecture (no dropout).

    ``params`` / ``grads`` are ``(K, P)``; ``weights[l]`` / ``biases[l]`` are views of shape
    ``(K, fan_in, fan_out)`` / ``(K, fan_out)`` into them (``dweights``, ``dbiases`` into grads).
    ``kernels`` is ``adamlab.population._kernels`` when the members' models run the compiled
    kernels (then the loss is computed as theirs is), else None.
    """

    def __init__(self, like: MLP, params: np.ndarray, kernels: Any = None) -> None:
        self.layout = Layout(like)
        self.loss_fn, self.dtype = like.loss_fn, like.dtype
        self.n_inputs, self.n_outputs = like.n_inputs, like.n_outputs
        from adamlab.nn.activations import get_activation

        act = get_activation(like.activation)
        self.activation = None if act.name == "identity" else act
        self.kernels = kernels
        # the activation's compiled twins over (rows, units), where there are (ReLU, tanh's ∂)
        self._act_forward = getattr(kernels, f"{act.name}_forward", None)
        self._act_backward = getattr(kernels, f"{act.name}_backward", None)
        self.params = params
        self.grads = np.zeros_like(params)
        self._views()
        self._work: dict[tuple, np.ndarray] = {}

    def _views(self) -> None:
        K, lay = self.params.shape[0], self.layout
        def mats(buf):
            return [buf[:, a:b].reshape(K, fi, fo)
                    for (a, b), (fi, fo) in zip(lay.weights, lay.shapes, strict=True)]
        self.weights, self.dweights = mats(self.params), mats(self.grads)
        self.biases = [self.params[:, a:b] for a, b in lay.biases]
        self.dbiases = [self.grads[:, a:b] for a, b in lay.biases]

    def take(self, rows: np.ndarray) -> None:
        """Keep only the members ``rows`` (in that order)."""
        self.params = np.ascontiguousarray(self.params[rows])
        self.grads = np.zeros_like(self.params)
        self._views()
        self._work.clear()

    @property
    def size(self) -> int:
        return self.params.shape[0]

    def _buf(self, key: tuple, shape: tuple[int, ...]) -> np.ndarray:
        """The work array ``key`` of shape (members, *shape); each key names one shape (the
        layer and the number of rows are in it), and ``take`` clears them all."""
        a = self._work.get(key)
        if a is None:
            a = self._work[key] = np.empty((self.size, *shape), self.dtype)
        return a

    def _matmul(self, a: np.ndarray, b: np.ndarray, out: np.ndarray) -> None:
        """``np.matmul(a, b, out=out)`` over the stack. A column by a row (inner size 1) is no
        BLAS call there but NumPy's own loop, 0 + a·b per element, slow on small blocks: then
        the compiled twin of that loop, ``_kernels.outer_stack`` (the same numbers)."""
        if (self.kernels is not None and a.shape[2] == 1 and a.shape[1] > 1
                and b.shape[2] > 1):
            self.kernels.outer_stack(a, b, out)
        else:
            np.matmul(a, b, out=out)

    @staticmethod
    def _rows(x: np.ndarray) -> np.ndarray:
        """(K, n, k) as (K·n, k): the rows of every member, for an elementwise kernel."""
        return x.reshape(-1, x.shape[2])

    # ---------------------------------------------------------------- forward
    def forward(self, X: np.ndarray, tag: str = "train") -> np.ndarray:
        """Logits ``(K, n, n_outputs)`` of inputs ``(K, n, n_inputs)`` (a work array)."""
        n, a = X.shape[1], X
        self._acts = [X]
        self._zs = []
        last = len(self.weights) - 1
        for i, (W, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            Wc = self._buf(("W", i), W.shape[1:])
            np.copyto(Wc, W)  # each member's matrix, now back to back: BLAS reads it faster
            z = self._buf((tag, "z", i, n), (n, W.shape[2]))
            self._matmul(a, Wc, z)  # Z = X W
            if self.kernels is None:
                z += b[:, None, :]  # Z = X W + b
            else:
                self.kernels.add_bias_stack(z, b)  # the same, compiled
            self._zs.append(z)
            if i < last and self.activation is not None:
                a = self._buf((tag, "a", i, n), z.shape[1:])
                if self._act_forward is None:
                    self.activation.forward(z, out=a)  # A = f(Z)
                else:
                    self._act_forward(self._rows(z), self._rows(a))  # the same, compiled
            else:
                a = z
            self._acts.append(a)
        self.logits = a
        return a

    # --------------------------------------------------------------- backward
    def loss_and_grad(self, X: np.ndarray, t: np.ndarray) -> np.ndarray:
        """Each member's batch loss (K,), as its single model returns it; ``grads`` then holds
        their gradients."""
        z = self.forward(X)
        n = X.shape[1]
        dz = self._buf(("dz", n), z.shape[1:])
        loss = loss_terms(self.loss_fn, z, t, dz, self.kernels)
        self._backward(dz, n)
        return loss

    def _backward(self, d: np.ndarray, n: int) -> None:
        ones = self._work.get(("ones", n))
        if ones is None:
            ones = self._work[("ones", n)] = np.ones(n, self.dtype)
        for i in range(len(self.weights) - 1, -1, -1):
            x = self._acts[i]
            self._matmul(x.transpose(0, 2, 1), d, self.dweights[i])  # ∂L/∂W = Xᵀ dZ
            db = self._buf(("db", i), d.shape[2:])
            np.matmul(ones, d, out=db)  # ∂L/∂b = 1ᵀ dZ (as Dense: a BLAS product)
            np.copyto(self.dbiases[i], db)  # (into the strided rows directly: 40x slower)
            if i == 0:
                break
            dx = self._buf(("dx", i, n), x.shape[1:])
            self._matmul(d, self._work[("W", i)].transpose(0, 2, 1), dx)  # ∂L/∂X = dZ Wᵀ
            if self.activation is not None:
                dzi = self._buf(("dzh", i, n), x.shape[1:])
                if self._act_backward is not None:  # compiled, from A (as the single's)
                    self._act_backward(self._rows(x), self._rows(dx), self._rows(dzi))
                else:
                    work = tuple(self._buf(("work", i, n, j), x.shape[1:])
                                 for j in range(self.activation.n_work))
                    self.activation.backward(self._zs[i - 1], x, dx, out=dzi, work=work)
                d = dzi  # dZ = dA ⊙ f'(Z)
            else:
                d = dx

    def grad_norms(self) -> np.ndarray:
        """‖g_k‖ of each member's whole gradient, as the trainer computes it (float64 (K,))."""
        return row_norms(self.grads)

    def correct(self, z: np.ndarray, t: np.ndarray) -> np.ndarray:
        """Rows each member's head classifies right (K,), as ``Loss.correct`` counts them."""
        return correct_counts(self.loss_fn, z, t, self.kernels)

    def evaluate(self, X: np.ndarray, t: np.ndarray, chunk: int = 8192
                 ) -> tuple[np.ndarray, np.ndarray]:
        """Loss (float64 (K,)) and accuracy of every member on its own set ``(K, n, ·)``, as
        ``train.metrics.evaluate`` computes them (in chunks of ``chunk`` rows; no weights,
        no penalty)."""
        K, n = X.shape[:2]
        total, correct = np.zeros(K), np.zeros(K, dtype=np.int64)
        for s in range(0, n, chunk):
            z = self.forward(X[:, s:s + chunk], tag="eval")
            m = z.shape[1]
            value = loss_terms(self.loss_fn, z, t[:, s:s + chunk], None, None)
            total += value.astype(np.float64) * float(m)  # total += value·weight
            correct += correct_counts(self.loss_fn, z, t[:, s:s + chunk], self.kernels)
        loss = total / float(n)
        loss += 0.0  # the penalty of l2 = 0 (metrics.evaluate adds it)
        acc = correct / n if self.loss_fn.classifies else np.full(K, np.nan)
        return loss, acc


def loss_terms(loss_fn: Any, z: np.ndarray, t: np.ndarray, grad: np.ndarray | None,
               kernels: Any) -> np.ndarray:
    """Each member's mean loss (K,) over its rows of ``z`` (K, n, k), and with ``grad`` its
    ``∂L/∂z``: ``Loss.value_and_grad_targets`` per member (``kernels``: the compiled
    binary cross-entropy, as a model with kernels computes it)."""
    K, n, k = z.shape
    if kernels is not None and loss_fn.name == "binary_cross_entropy" and grad is not None:
        out = np.empty(K)  # the kernel returns its float32 sum / n in float64
        kernels.bce_stack(z, t, grad, 1 / n, out)
        return out
    flat_t = t.reshape(K * n, *t.shape[2:])
    ell = loss_fn._terms(z.reshape(K * n, k), flat_t,
                         None if grad is None else grad.reshape(K * n, k))  # ℓ_i and ∂ℓ_i/∂z
    if grad is not None:
        grad *= 1 / n  # ∂L/∂z_i = (1/n) ∂ℓ_i/∂z_i
    return np.add.reduce(ell.reshape(K, n), axis=1) / n  # L = Σ ℓ_i / n, member by member


def row_norms(a: np.ndarray) -> np.ndarray:
    """‖a_k‖ of each row of ``a`` (K, P) as ``np.linalg.norm(a[k])`` gives it (√ of the BLAS
    dot ``a_k·a_k``, in a's dtype), as float64 (K,)."""
    sq = np.matmul(a[:, None, :], a[:, :, None])[:, 0, 0]  # one BLAS dot per member
    norms = np.sqrt(sq.astype(np.float64))
    if a.dtype == np.float32:
        norms = norms.astype(np.float32).astype(np.float64)  # the float32 norm
    return norms


def correct_counts(loss_fn: Any, z: np.ndarray, t: np.ndarray, kernels: Any = None
                   ) -> np.ndarray:
    """``Loss.correct`` per member: sigmoid rows with every output on its target's side of 0,
    softmax rows whose arg-max is the label; 0 for regression (``kernels``: the sigmoid's
    count compiled, the same)."""
    if loss_fn.name == "binary_cross_entropy" and kernels is not None:
        out = np.empty(z.shape[0], dtype=np.int64)
        kernels.binary_correct_stack(z, t, out)
        return out
    if loss_fn.name == "binary_cross_entropy":
        return np.count_nonzero(np.all(np.equal(z > 0, t > 0.5), axis=2), axis=1)
    if loss_fn.name == "softmax_cross_entropy":
        return np.count_nonzero(np.argmax(z, axis=2) == t, axis=1)
    return np.zeros(z.shape[0], dtype=np.int64)
