"""Losses computed from logits, each gradient written under its value, with their output heads.

A loss maps the network's logits ``z`` (shape ``(n, k)``) and targets ``y`` to one number,
and back to ``∂L/∂z``. All follow scikit-learn's MLP conventions: a per-sample loss ``ℓ_i``
(summed over the outputs for cross-entropies, averaged over them for squared error), then a
mean over the samples, or with ``sample_weight`` a *weighted mean normalised by the sum of the
weights*::

    L = Σ_i ω_i ℓ_i,    ω_i = 1/n  (no weights)   or   ω_i = w_i / Σ_j w_j
    ∂L/∂z_i = ω_i ∂ℓ_i/∂z_i

so ``L`` equals ``sklearn.metrics.log_loss`` / ``mean_squared_error / 2`` with the same
``sample_weight``. Every loss is stable for any finite logits (no overflow, no warning even
under ``np.errstate(all="raise")``) and keeps the dtype of the logits.

=========================  ==========  =====================================================
loss                       head        ``ℓ_i``
=========================  ==========  =====================================================
``binary_cross_entropy``   sigmoid     ``Σ_k softplus(z_ik) - y_ik z_ik``   (binary, multi-label)
``softmax_cross_entropy``  softmax     ``logsumexp(z_i) - z_i,y_i``         (labels 0..K-1)
``squared_error``          identity    ``Σ_k (z_ik - y_ik)² / (2k)``        (regression)
=========================  ==========  =====================================================

``HEADS`` maps an ``MLP``'s ``output=`` name to its loss, ``TASKS`` a task (``"binary"``,
``"multiclass"``, ``"regression"``) to the loss a run of that task trains (``TASKS[task].head``
is the output to build, ``model.loss_fn.task`` the task of a model, ``loss.classifies``
whether it has classes: accuracy, class weights, stratified splits); ``loss.link`` turns logits
into what ``predict_proba`` returns.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "Loss",
    "BinaryCrossEntropy",
    "SoftmaxCrossEntropy",
    "SquaredError",
    "LOSSES",
    "HEADS",
    "TASKS",
    "get_loss",
    "sigmoid",
    "softmax",
    "normalized_weights",
    "l2_penalty",
]


# ----------------------------------------------------------------------------- links
def sigmoid(z: np.ndarray) -> np.ndarray:
    """σ(z) = 1/(1+e^{-z}), accurate in *relative* terms at both ends (σ(-40) ≈ 4.2e-18)::

        e = exp(-|z|),   σ(z) = 1/(1+e) for z ≥ 0,   e/(1+e) for z < 0

    No overflow for any z; underflow of e (|z| > 745) is harmless and silenced.
    """
    z = np.asarray(z)
    with np.errstate(under="ignore"):
        e = np.exp(-np.abs(z))
        r = 1 / (1 + e)
        return np.where(z >= 0, r, e * r)


def softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise softmax ``p_ik = exp(z_ik - m_i) / Σ_j exp(z_ij - m_i)``, ``m_i = max_j z_ij``."""
    z = np.asarray(z)
    with np.errstate(under="ignore"):
        e = np.exp(z - z.max(axis=1, keepdims=True))
    e /= e.sum(axis=1, keepdims=True)
    return e


def normalized_weights(sample_weight: np.ndarray | None, n: int, dtype) -> np.ndarray | None:
    """``ω = w / Σw`` as ``dtype``, after checking ``w``; None stays None (meaning ω = 1/n)."""
    if sample_weight is None:
        return None
    w = np.asarray(sample_weight, dtype=dtype)
    if w.shape != (n,):
        raise ValueError(
            f"sample_weight must have shape ({n},), one weight per sample; got {w.shape}"
        )
    total = w.sum()
    if not np.isfinite(total) or w.min(initial=0) < 0:
        raise ValueError("sample_weight must be finite numbers >= 0")
    if total <= 0:
        raise ValueError("sample_weight sums to 0; give at least one sample a positive weight")
    return w / total


def l2_penalty(weights: np.ndarray, l2: float) -> float:
    """``½ λ Σ W²`` over ``weights``, the flat view of every weight matrix (no bias) that an
    objective ``L + ½ λ Σ_l ‖W_l‖²`` penalises; its gradient is ``λ W``."""
    if l2 == 0:
        return 0.0
    return 0.5 * float(l2) * float(np.dot(weights, weights))


# ----------------------------------------------------------------------------- base
class Loss:
    """Base: subclasses set ``name``/``head``/``task``/``classifies`` and implement ``targets``,
    ``link`` and ``_terms``.

    ``_terms(z, t, grad)`` returns the per-sample losses ``ℓ`` (shape ``(n,)``) and, when
    ``grad`` is an array, writes the per-sample gradients ``∂ℓ_i/∂z_i`` into it. The base
    class applies the sample weighting ``ω`` — written once, shared by every loss.
    """

    name: str = ""
    head: str = ""
    #: The task a run with this loss solves, and whether its targets are classes.
    task: str = ""
    classifies: bool = False

    def targets(self, y: np.ndarray, n_outputs: int, dtype) -> np.ndarray:
        """``y`` checked and converted to the array ``_terms`` expects."""
        raise NotImplementedError  # pragma: no cover

    def link(self, z: np.ndarray) -> np.ndarray:
        """Logits -> predictions (probabilities for the cross-entropies)."""
        raise NotImplementedError  # pragma: no cover

    def _terms(self, z: np.ndarray, t: np.ndarray, grad: np.ndarray | None) -> np.ndarray:
        raise NotImplementedError  # pragma: no cover

    def value(
        self, logits: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None
    ) -> float:
        """``L = Σ_i ω_i ℓ_i``."""
        z = self._logits(logits)
        t = self.targets(y, z.shape[1], z.dtype)
        self._check_rows(z, t)
        omega = normalized_weights(sample_weight, z.shape[0], z.dtype)
        return self._reduce(self._terms(z, t, None), omega)

    def value_and_grad(
        self,
        logits: np.ndarray,
        y: np.ndarray,
        sample_weight: np.ndarray | None = None,
        out: np.ndarray | None = None,
    ) -> tuple[float, np.ndarray]:
        """``(L, ∂L/∂z)``; the gradient is written into ``out`` when given (same shape/dtype)."""
        z = self._logits(logits)
        t = self.targets(y, z.shape[1], z.dtype)
        self._check_rows(z, t)
        omega = normalized_weights(sample_weight, z.shape[0], z.dtype)
        if out is None:
            out = np.empty_like(z)
        return self.value_and_grad_targets(z, t, omega, out), out

    def value_and_grad_targets(
        self, z: np.ndarray, t: np.ndarray, omega: np.ndarray | None, out: np.ndarray,
        kernels=None,
    ) -> float:
        """``value_and_grad`` for a training loop, without the checks: ``z`` 2-D float logits,
        ``t = targets(y)`` (checked once for the whole training set), ``ω`` from
        ``normalized_weights`` (None: 1/n); writes ``∂L/∂z`` into ``out`` and returns ``L``.
        ``kernels`` (``adamlab.nn._kernels``) computes the loss compiled where it has a kernel
        for it (binary cross-entropy without sample weights)."""
        ell = self._terms(z, t, out)
        if omega is None:
            out *= 1 / z.shape[0]  # ∂L/∂z_i = (1/n) ∂ℓ_i/∂z_i
        else:
            out *= omega[:, None]  # ∂L/∂z_i = ω_i ∂ℓ_i/∂z_i
        return self._reduce(ell, omega)

    def row_losses(self, z: np.ndarray, t: np.ndarray) -> np.ndarray:
        """The per-row losses ``ℓ_i`` (shape ``(n,)``) of logits ``z`` for ``t = targets(y)``,
        unweighted (the divergence guard's chance level: ``adamlab.train.guard``)."""
        return self._terms(z, t, None)

    def correct(self, z: np.ndarray, t: np.ndarray, kernels=None) -> int:
        """How many rows the head classifies as their targets ``t = targets(y)`` say (sigmoid:
        every output on the right side of 0; softmax: the arg-max); 0 for regression."""
        return 0

    @staticmethod
    def _reduce(ell: np.ndarray, omega: np.ndarray | None) -> float:
        if omega is None:  # L = Σ ℓ_i / n, as ell.mean() computes it (without its overhead)
            return float(np.add.reduce(ell) / ell.shape[0])
        return float(np.dot(omega, ell))  # L = Σ ω_i ℓ_i

    @staticmethod
    def _logits(logits: np.ndarray) -> np.ndarray:
        z = np.asarray(logits)
        if z.ndim != 2 or z.dtype.kind != "f":
            raise ValueError(
                f"logits must be a 2-D float array (n, n_outputs); got {z.dtype} {z.shape}"
            )
        if z.shape[0] == 0:
            raise ValueError("the loss of 0 samples is undefined; pass at least one sample")
        return z

    @staticmethod
    def _check_rows(z: np.ndarray, t: np.ndarray) -> None:
        if t.shape[0] != z.shape[0]:
            raise ValueError(
                f"y has {t.shape[0]} samples but there are {z.shape[0]} rows of logits"
            )

    def __repr__(self) -> str:
        return f"<loss {self.name!r} (output={self.head!r})>"


def _float_targets(y: np.ndarray, n_outputs: int, dtype, what: str) -> np.ndarray:
    """(n,) -> (n, 1) when there is one output; (n, k) must match ``n_outputs``."""
    t = np.asarray(y, dtype=dtype)
    if t.ndim == 1 and n_outputs == 1:
        t = t.reshape(-1, 1)
    if t.ndim != 2 or t.shape[1] != n_outputs:
        raise ValueError(
            f"y for {what} must have shape (n,) or (n, {n_outputs}) with {n_outputs} output(s); "
            f"got {np.shape(y)}"
        )
    return t


# ----------------------------------------------------------------------------- losses
class BinaryCrossEntropy(Loss):
    """Binary cross-entropy on sigmoid outputs, summed over the outputs (multi-label)::

        ℓ_i        = Σ_k -y log σ(z) - (1-y) log(1-σ(z)) = Σ_k softplus(z) - y z
        softplus z = max(z, 0) + log1p(e^{-|z|})         (stable for any z)
        ∂ℓ_i/∂z_ik = σ(z_ik) - y_ik

    Targets are 0/1 (or probabilities in [0, 1]), shape ``(n,)`` for one output or ``(n, k)``.
    """

    name = "binary_cross_entropy"
    head = "sigmoid"
    task, classifies = "binary", True  # also multi-label: one sigmoid per label

    def targets(self, y, n_outputs, dtype):
        t = _float_targets(y, n_outputs, dtype, "a sigmoid output")
        if t.size and not (t.min() >= 0 and t.max() <= 1):
            raise ValueError(
                "y for a sigmoid output must be 0/1 labels (or probabilities in [0, 1])"
            )
        return t

    def link(self, z):
        return sigmoid(z)

    def value_and_grad_targets(self, z, t, omega, out, kernels=None):
        if kernels is None or omega is not None:
            return super().value_and_grad_targets(z, t, omega, out)
        return float(kernels.bce(z, t, out, 1 / z.shape[0]))  # _terms, then ∂ *= 1/n

    def correct(self, z, t, kernels=None):
        if kernels is not None:
            return int(kernels.binary_correct(z, t))  # the same count, compiled
        hit = np.equal(z > 0, t > 0.5)
        return int(np.count_nonzero(hit if hit.shape[1] == 1 else np.all(hit, axis=1)))

    def _terms(self, z, t, grad):
        with np.errstate(under="ignore"):
            e = np.exp(-np.abs(z))  # e = e^{-|z|} ∈ (0, 1]
            ell = np.maximum(z, 0)
            ell -= t * z
            ell += np.log1p(e)  # softplus(z) - y z
            if grad is not None:
                r = 1 / (1 + e)
                np.copyto(grad, np.where(z >= 0, r, e * r))  # σ(z)
                grad -= t  # ∂ℓ/∂z = σ(z) - y
        return ell.sum(axis=1)


class SoftmaxCrossEntropy(Loss):
    """Multi-class cross-entropy on softmax outputs, integer labels ``y_i ∈ {0..K-1}``::

        ℓ_i        = -log softmax(z_i)_{y_i} = log Σ_j exp(z_ij - m_i) - (z_i,y_i - m_i)
        ∂ℓ_i/∂z_ij = softmax(z_i)_j - 1[j = y_i]

    with ``m_i = max_j z_ij``, so that no exponential overflows.
    """

    name = "softmax_cross_entropy"
    head = "softmax"
    task, classifies = "multiclass", True

    def targets(self, y, n_outputs, dtype):
        y = np.asarray(y)
        if y.ndim != 1:
            raise ValueError(
                f"y for a softmax output must be class labels 0..{n_outputs - 1} of shape (n,); "
                f"got shape {y.shape}"
            )
        if y.dtype.kind not in "iub":
            if y.dtype.kind != "f" or not np.all(np.mod(y, 1) == 0):
                raise ValueError(
                    f"y for a softmax output must be integer class labels; got {y.dtype}"
                )
        labels = y.astype(np.intp, copy=False)
        if labels.size and (labels.min() < 0 or labels.max() >= n_outputs):
            raise ValueError(
                f"y for a softmax output with {n_outputs} classes must be in 0..{n_outputs - 1}; "
                f"got values from {labels.min()} to {labels.max()}"
            )
        return labels

    def link(self, z):
        return softmax(z)

    def correct(self, z, t, kernels=None):
        return int(np.count_nonzero(np.argmax(z, axis=1) == t))

    def _terms(self, z, t, grad):
        rows = np.arange(z.shape[0])
        m = z.max(axis=1, keepdims=True)
        s = z - m  # s ≤ 0: exp cannot overflow
        with np.errstate(under="ignore"):
            e = np.exp(s)
        total = e.sum(axis=1)  # ≥ 1
        ell = np.log(total) - s[rows, t]  # ℓ = logsumexp(s) - s_y
        if grad is not None:
            np.divide(e, total[:, None], out=grad)  # softmax(z)
            grad[rows, t] -= 1  # ∂ℓ/∂z = softmax(z) - onehot(y)
        return ell


class SquaredError(Loss):
    """Half squared error, averaged over the outputs (scikit-learn's ``squared_loss``,
    ``((y - ŷ)**2).mean() / 2`` without weights)::

        ℓ_i        = Σ_k (z_ik - y_ik)² / (2k)
        ∂ℓ_i/∂z_ik = (z_ik - y_ik) / k

    So ``L = mean_squared_error(y, ŷ) / 2`` for any number of outputs. (scikit-learn's MLP
    reports this value but back-propagates ``Σ_k`` instead of the mean for ``k > 1``; here
    value and gradient always agree.)
    """

    name = "squared_error"
    head = "identity"
    task, classifies = "regression", False

    def targets(self, y, n_outputs, dtype):
        t = _float_targets(y, n_outputs, dtype, "an identity (regression) output")
        if not np.all(np.isfinite(t)):
            raise ValueError("y for regression must be finite numbers (no NaN or inf)")
        return t

    def link(self, z):
        return np.array(z, copy=True)

    def _terms(self, z, t, grad):
        k = z.shape[1]
        r = z - t  # residual ŷ - y
        ell = np.einsum("ij,ij->i", r, r)
        ell *= 1 / (2 * k)  # ℓ = Σ r² / (2k)
        if grad is not None:
            np.multiply(r, 1 / k, out=grad)  # ∂ℓ/∂z = r / k
        return ell


LOSSES: dict[str, Loss] = {
    loss.name: loss for loss in (BinaryCrossEntropy(), SoftmaxCrossEntropy(), SquaredError())
}

#: ``MLP(output=...)`` name -> the loss that goes with that output head.
HEADS: dict[str, Loss] = {loss.head: loss for loss in LOSSES.values()}

#: Task (``Dataset.task``) -> the loss a run of that task trains; ``.head`` is its output.
TASKS: dict[str, Loss] = {loss.task: loss for loss in LOSSES.values()}


def get_loss(name: str) -> Loss:
    """A loss by its name or by its head's name (``"sigmoid"`` -> binary cross-entropy)."""
    key = str(name).strip().lower()
    if key in LOSSES:
        return LOSSES[key]
    if key in HEADS:
        return HEADS[key]
    raise ValueError(
        f"unknown loss {name!r}; choose one of: {', '.join(LOSSES)} "
        f"(or an output head: {', '.join(HEADS)})"
    )
