"""Small data and models shared by the trainer tests."""
import numpy as np

from adamlab.nn import MLP


def make_blobs(n=120, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int)
    return X.astype(dtype), y


def make_model(seed=0, hidden=(8,), dtype=np.float64, n_inputs=2, **kw):
    return MLP(n_inputs, hidden, 1, activation="tanh", output="sigmoid", dtype=dtype,
               rng=np.random.default_rng(seed), **kw)
