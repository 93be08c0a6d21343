"""``solver="lbfgs"``: full-batch L-BFGS-B (``scipy.optimize.minimize``) on the model's gradients.

As scikit-learn's ``_fit_lbfgs``: the objective is the data loss over the whole training set
plus ``alpha/(2·Σw)·ΣW²`` (Σw the total sample weight, n without weights), its gradient is the
model's backward pass (``MLP.loss_and_grad_targets``, exact, checked against finite
differences), the parameters are the model's flat buffer (all weights, then all biases: the
layout of scikit-learn's ``_pack``), and the options are scikit-learn's::

    maxiter = max_iter     maxfun = max_fun     gtol = tol     (ftol: scipy's default)

``n_iter_`` is ``min(nit, max_iter)``; a result that is not a success warns with
scikit-learn's ``ConvergenceWarning`` text ("lbfgs failed to converge after …").
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.optimize
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

from adamlab.estimators._warn import warn

__all__ = ["fit_lbfgs", "loss_and_grad"]


def loss_and_grad(theta: np.ndarray, model: Any, X: np.ndarray, t: np.ndarray,
                  sample_weight: np.ndarray | None, alpha: float) -> tuple[float, np.ndarray]:
    """``(L(θ), ∇L(θ))`` in float64 for scipy, with ``θ`` copied into the model first."""
    model.params[...] = theta
    total = X.shape[0] if sample_weight is None else float(np.sum(sample_weight))
    loss = model.loss_and_grad_targets(X, t, sample_weight, float(alpha) / total)
    return float(loss), model.grads.astype(np.float64)


def fit_lbfgs(model: Any, X: Any, t: np.ndarray, sample_weight: np.ndarray | None,
              alpha: float, max_iter: int, max_fun: int, tol: float,
              task: Any = None) -> tuple[int, float]:
    """Minimise from the model's current weights; leaves the result in the model and returns
    ``(n_iter, loss)``. ``task`` (``_skl_callbacks.FitTask``) sees one subtask per iteration,
    as scikit-learn's LogisticRegression reports its L-BFGS iterations."""
    X = X.toarray() if sp.issparse(X) else X
    X = np.ascontiguousarray(X, dtype=model.dtype)
    t = model.loss_fn.targets(t, model.n_outputs, model.dtype)  # as the trainer converts them
    bridge = _Iterations(task, model) if task is not None and task.active else None
    with np.errstate(over="ignore"):  # a line-search probe may overflow: scipy backs off
        result = scipy.optimize.minimize(
            loss_and_grad, model.params.astype(np.float64), method="L-BFGS-B", jac=True,
            args=(model, X, t, sample_weight, alpha), callback=bridge,
            options={"maxfun": int(max_fun), "maxiter": int(max_iter), "gtol": float(tol)},
        )
    model.params[...] = result.x
    if bridge is not None:
        bridge.close()
    n_iter = min(int(result.nit), int(max_iter))
    if result.status != 0:
        message = (f"lbfgs failed to converge after {n_iter} iteration(s) "
                   f"(status={result.status}):\n{result.message}\n")
        if n_iter == max_iter:
            message += ("\nIncrease the number of iterations to improve the convergence "
                        f"(max_iter={max_iter}).")
        message += ("\nYou might also want to scale the data as shown in:\n"
                    "    https://scikit-learn.org/stable/modules/preprocessing.html")
        warn(message, ConvergenceWarning)
    return n_iter, float(result.fun)


class _Iterations:
    """scipy's per-iteration ``callback(xk)`` -> one callback subtask per L-BFGS iteration."""

    def __init__(self, task: Any, model: Any) -> None:
        self.task, self.model = task, model
        self.sub = task.begin("lbfgs-iter", model.params)

    def __call__(self, xk: np.ndarray) -> None:
        self.model.params[...] = xk
        self.task.end(self.sub, self.model.params)
        self.sub = self.task.begin("lbfgs-iter", self.model.params)

    def close(self) -> None:
        self.task.end(self.sub, None)  # the iteration scipy opened but did not run
