"""BLAS threads during training: one for small products, the BLAS's own setting otherwise."""

from __future__ import annotations

import numpy as np
import pytest

from adamlab.nn import MLP
from adamlab.train import Callback, Trainer
from adamlab.train.threads import SMALL_PRODUCT, blas_threads, limited

threadpoolctl = pytest.importorskip("threadpoolctl")


def blas_thread_counts() -> list[int]:
    """Threads of the BLAS libraries loaded when adamlab first limited them — numpy's among
    them (numpy loads its BLAS when imported); libraries loaded later are not limited."""
    from adamlab.train.threads import _controller

    ours = {lib.filepath for lib in _controller().lib_controllers}
    return [p["num_threads"] for p in threadpoolctl.threadpool_info()
            if p["user_api"] == "blas" and p["filepath"] in ours]


@pytest.mark.parametrize(("batch", "shapes", "expected"), [
    (256, [(20, 64), (64, 64), (64, 1)], 1),  # the tabular benchmark
    (1, [(2, 1)], 1),  # the article
    (128, [(784, 512), (512, 512), (512, 1)], None),  # the wide benchmark
    (SMALL_PRODUCT, [(1, 1)], None),  # the threshold itself
    (SMALL_PRODUCT - 1, [(1, 1)], 1),
])
def test_rule(batch, shapes, expected):
    assert blas_threads(batch, shapes) == expected


def test_limited_sets_and_restores():
    before = blas_thread_counts()
    with limited(1):
        assert set(blas_thread_counts()) <= {1}
    assert blas_thread_counts() == before
    with limited(None):
        assert blas_thread_counts() == before


def test_fit_trains_a_small_model_on_one_blas_thread():
    seen = []

    class Spy(Callback):
        def on_batch_end(self, step, logs):
            seen.append(blas_thread_counts())

    X = np.random.default_rng(0).normal(size=(64, 3))
    model = MLP(3, (8,), 1, rng=0)
    before = blas_thread_counts()
    Trainer(model, batch_size=16).fit(X, (X[:, 0] > 0).astype(int), epochs=1, callbacks=[Spy()])
    assert seen and all(set(counts) <= {1} for counts in seen)
    assert blas_thread_counts() == before
