"""The same training, written for each contender, with the same settings.

Every contender gets: the architecture (ReLU hidden layers, one logistic output), the batch
size, the number of epochs, Adam with the learning rate and β = (0.9, 0.999), shuffling every
epoch, no L2, no early stopping, no tolerance stop. Each ``fit_*`` returns a ``predict``
function (inputs -> 0/1 labels) so that accuracies can be compared.

* adamlab: ``adamlab.MLPClassifier`` (the public API; it trains in the dtype of X).
* scikit-learn: ``MLPClassifier(solver="adam", alpha=0, tol=0, n_iter_no_change=10**9,
  early_stopping=False, shuffle=True)``, in float64 as the issue asks.
* PyTorch: a plain loop — ``nn.Sequential``, ``BCEWithLogitsLoss``, ``torch.optim.Adam``,
  batches by indexing with a fresh ``randperm`` each epoch (no DataLoader).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np

Predict = Callable[[np.ndarray], np.ndarray]


def fit_adamlab(X: np.ndarray, y: np.ndarray, hidden: tuple[int, ...], batch_size: int,
                epochs: int, lr: float, seed: int = 0) -> Predict:
    """adamlab through its public estimator (Adam is its default optimizer)."""
    from adamlab import MLPClassifier

    clf = MLPClassifier(hidden_layer_sizes=hidden, batch_size=batch_size, learning_rate_init=lr,
                        max_iter=epochs, alpha=0.0, tol=0.0, n_iter_no_change=10**9,
                        early_stopping=False, shuffle=True, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning after max_iter epochs
        clf.fit(X, y)
    return clf.predict


def fit_sklearn(X: np.ndarray, y: np.ndarray, hidden: tuple[int, ...], batch_size: int,
                epochs: int, lr: float, seed: int = 0) -> Predict:
    from sklearn.neural_network import MLPClassifier

    clf = MLPClassifier(hidden_layer_sizes=hidden, solver="adam", batch_size=batch_size,
                        learning_rate_init=lr, max_iter=epochs, alpha=0.0, tol=0.0,
                        n_iter_no_change=10**9, early_stopping=False, shuffle=True,
                        random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning after max_iter epochs
        clf.fit(X, y)
    return clf.predict


def fit_torch(X: np.ndarray, y: np.ndarray, hidden: tuple[int, ...], batch_size: int,
              epochs: int, lr: float, seed: int = 0, fused: bool | None = None) -> Predict:
    """The plain PyTorch loop (float32 when X is float32)."""
    import torch

    torch.manual_seed(seed)
    dtype = torch.float32 if X.dtype == np.float32 else torch.float64
    Xt = torch.from_numpy(X)
    yt = torch.from_numpy(y.astype(X.dtype))
    sizes = (X.shape[1], *hidden)
    layers: list[torch.nn.Module] = []
    for a, b in zip(sizes[:-1], sizes[1:], strict=True):
        layers += [torch.nn.Linear(a, b, dtype=dtype), torch.nn.ReLU()]
    net = torch.nn.Sequential(*layers, torch.nn.Linear(sizes[-1], 1, dtype=dtype))
    opt = torch.optim.Adam(net.parameters(), lr=lr, fused=fused)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    n = len(Xt)
    for _ in range(epochs):
        perm = torch.randperm(n)
        for start in range(0, n, batch_size):
            idx = perm[start:start + batch_size]
            opt.zero_grad()
            loss = loss_fn(net(Xt[idx]).squeeze(1), yt[idx])
            loss.backward()
            opt.step()

    def predict(Xtest: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return (net(torch.from_numpy(Xtest))[:, 0] > 0).numpy().astype(int)

    return predict


def accuracy(predict: Predict, X: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean(predict(X) == y))
