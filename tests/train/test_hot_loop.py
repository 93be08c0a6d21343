"""``Trainer.fit``'s inner loop against the same training written plainly with the public API.

The trainer gathers batches into reused buffers, converts the targets once per epoch, calls
``MLP.loss_and_grad_targets`` and steps the optimizer. The reference below slices the arrays,
calls the checked ``MLP.loss_and_grad`` and a NumPy-path optimizer: every weight and every
logged number must be the same, bit for bit, with the model's and the trainer's optimizer's
compiled kernels off (``fused=False``) and on (``fused=True``, when numba is installed).
"""

from __future__ import annotations

import numpy as np
import pytest

from adamlab import _jit
from adamlab.nn import MLP
from adamlab.optim import Adam, clip_grad_norm_
from adamlab.train import Trainer


def reference_fit(model, X, y, epochs, batch_size, seed, sw=None, l2=0.0, clip=None, **adam):
    """Plain mini-batch training, with the trainer's generators ([seed, 2] shuffles, [seed, 3]
    draws dropout masks)."""
    opt = Adam([model.params], fused=False, **adam)
    shuffle_rng = np.random.default_rng([seed, 2])
    dropout_rng = np.random.default_rng([seed, 3])
    n, losses, accuracies = len(y), [], []
    for _ in range(epochs):
        perm = shuffle_rng.permutation(n)
        total, correct, batches = 0.0, 0, 0
        for s in range(0, n, batch_size):
            idx = perm[s:s + batch_size]
            swb = None if sw is None else sw[idx]
            total += model.loss_and_grad(X[idx], y[idx], sample_weight=swb, l2=l2, rng=dropout_rng)
            logits = model.last_logits
            if model.output == "softmax":
                correct += int(np.sum(np.argmax(logits, axis=1) == y[idx]))
            elif model.output == "sigmoid":
                correct += int(np.sum((logits[:, 0] > 0) == (y[idx] > 0.5)))
            batches += 1
            if clip is not None:
                clip_grad_norm_([model.grads], clip)
            opt.step([model.grads])
        losses.append(total / batches)
        accuracies.append(correct / n)
    return losses, accuracies


CASES = [
    ("sigmoid", 1, {}),
    ("sigmoid", 1, {"dropout": 0.3, "l2": 1e-3}),
    ("softmax", 3, {"sample_weight": True, "clip": 0.5}),
    ("identity", 1, {"l2": 1e-2}),
]


@pytest.mark.parametrize("fused", [False, pytest.param(True, marks=pytest.mark.skipif(
    not _jit.available(), reason="numba not installed"))])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("output", "k", "extra"), CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_trainer_equals_the_plain_loop(output, k, extra, dtype, fused):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(203, 4)).astype(dtype)  # 203: a short last batch
    y = {"sigmoid": (X[:, 0] - X[:, 1] > 0).astype(int), "softmax": rng.integers(0, 3, 203),
         "identity": X[:, 0] * 2 - X[:, 2]}[output]
    sw = rng.uniform(0.1, 2, 203) if extra.get("sample_weight") else None
    l2, clip, dropout = extra.get("l2", 0.0), extra.get("clip"), extra.get("dropout", 0.0)
    make = lambda: MLP(4, (9, 5), k, activation="relu", output=output, dropout=dropout,  # noqa: E731
                       dtype=dtype, rng=3, fused=fused)
    ref = make()
    losses, accuracies = reference_fit(ref, X, y, epochs=3, batch_size=32, seed=7, sw=sw, l2=l2,
                                       clip=clip, lr=0.01, amsgrad=True)
    model = make()
    trainer = Trainer(model, Adam([model.params], lr=0.01, amsgrad=True, fused=fused),
                      batch_size=32, seed=7, l2=l2, clip_norm=clip)
    history = trainer.fit(X, y, epochs=3, sample_weight=sw)
    np.testing.assert_array_equal(model.params, ref.params)
    assert history["loss"] == losses
    if output != "identity":
        assert history["accuracy"] == accuracies
