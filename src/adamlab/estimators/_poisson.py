"""``MLPRegressor(loss="poisson")``: half the Poisson deviance on a log link (scikit-learn's).

With ``ŷ = exp(z)`` (scikit-learn's ``out_activation_ = "exp"``), per sample, summed over the
outputs as scikit-learn's ``poisson_loss`` sums them::

    ℓ_i        = Σ_k y_ik·log(y_ik/ŷ_ik) − y_ik + ŷ_ik        (0·log 0 = 0)
    ∂ℓ_i/∂z_ik = ŷ_ik − y_ik                                   (the canonical link's δ)

``adamlab.nn`` has no exp head yet, so the network is built with the identity head and this
loss is put in its place (``attach``) whenever the estimator builds or restores it.
"""

from __future__ import annotations

import numpy as np
from scipy.special import xlogy

from adamlab.nn import Loss
from adamlab.nn.losses import _float_targets

__all__ = ["PoissonDeviance", "POISSON", "attach"]


class PoissonDeviance(Loss):
    """Half Poisson deviance of ``exp(z)``; targets must be ≥ 0 and finite."""

    name = "poisson"
    head = "identity"

    def targets(self, y, n_outputs, dtype):
        t = _float_targets(y, n_outputs, dtype, "a Poisson regression output")
        if not np.all(np.isfinite(t)) or np.any(t < 0):
            raise ValueError("y for loss='poisson' must be finite numbers >= 0 (counts, rates)")
        return t

    def link(self, z):
        return np.exp(z)  # ŷ = exp(z)

    def _terms(self, z, t, grad):
        with np.errstate(over="ignore"):
            yhat = np.exp(z)
        ell = (xlogy(t, t) - t * z - t + yhat).sum(axis=1)  # Σ_k y log(y/ŷ) − y + ŷ
        if grad is not None:
            np.subtract(yhat, t, out=grad)  # ∂ℓ/∂z = ŷ − y
        return ell


POISSON = PoissonDeviance()


def attach(model, loss: str) -> None:
    """Give ``model`` (built with the identity head) the loss the estimator's ``loss`` names."""
    if loss == "poisson":
        model.loss_fn = POISSON
