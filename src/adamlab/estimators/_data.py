"""Input plumbing: sparse rows for the trainer, the held-out split, the forward pass for predict."""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.model_selection import train_test_split

from adamlab.nn import Activation
from adamlab.nn.budget import rows_per_block

__all__ = ["SparseRows", "as_rows", "forward", "holdout"]

#: Rows per block when predicting, so that a large X needs memory for one block of activations
#: (fewer for a wide network: ``nn.budget.rows_per_block``).
CHUNK = 4096


class SparseRows:
    """The rows of a CSR matrix, densified block by block in ``dtype``.

    Supports what ``Trainer`` asks of an array (``shape``, ``dtype``, ``ndim``, ``len()``,
    ``rows[index array or slice]`` -> a dense array), so a sparse X is never densified whole.
    """

    def __init__(self, X: sp.spmatrix | sp.sparray, dtype: Any) -> None:
        self.X = X.tocsr()
        self.dtype = np.dtype(dtype)
        self.shape = self.X.shape
        self.ndim = 2

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, key: Any) -> np.ndarray:
        return self.X[key].toarray().astype(self.dtype, copy=False)


def as_rows(X: Any, dtype: Any) -> Any:
    """What the trainer reads X through: the array itself, or ``SparseRows`` for a sparse one."""
    return SparseRows(X, dtype) if sp.issparse(X) else X


def forward(
    X: Any,
    coefs: list[np.ndarray],
    intercepts: list[np.ndarray],
    activation: Activation,
    dtype: Any,
) -> np.ndarray:
    """The network's raw outputs (logits) for X, block by block: ``a ← f(a W_l + b_l)``.

    Unlike ``MLP.forward`` this touches no shared scratch memory, so predictions from several
    threads at once are safe (scikit-learn's ``_forward_pass_fast``).
    """
    n = X.shape[0]
    out = np.empty((n, coefs[-1].shape[1]), dtype=dtype)
    last = len(coefs) - 1
    chunk = min(CHUNK, rows_per_block([coefs[0].shape[0], *(W.shape[1] for W in coefs)], dtype))
    for start in range(0, n, chunk):
        a = X[start:start + chunk]
        a = a.toarray() if sp.issparse(a) else a
        a = np.asarray(a, dtype=dtype)
        for i, (W, b) in enumerate(zip(coefs, intercepts, strict=True)):
            a = a @ W  # Z_l = A_{l-1} W_l + b_l
            a += b
            if i < last and activation.name != "identity":
                a = activation.forward(a)  # A_l = f(Z_l)
        out[start:start + len(a)] = a
    return out


def holdout(n: int, fraction: float, rs: Any, stratify: np.ndarray | None):
    """(train rows, validation rows): scikit-learn's early-stopping split, ``train_test_split``
    with the estimator's RandomState, stratified by ``stratify`` (None: not stratified). A
    class too small to stratify is scikit-learn's ValueError ("The least populated classes in
    y have only 1 member ...")."""
    rows = np.arange(n)
    tr, va = train_test_split(rows, random_state=rs, test_size=fraction, stratify=stratify)
    if len(va) < 2:
        raise ValueError("The validation set is too small. Increase 'validation_fraction' "
                         "or the size of your dataset.")
    return tr, va
