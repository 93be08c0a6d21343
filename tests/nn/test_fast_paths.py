"""The training loop's entry points give exactly what the checked public ones give.

``MLP.loss_and_grad_targets`` and ``Loss.value_and_grad_targets`` skip the per-batch checks
(the trainer converts and checks the targets once per epoch); they must not change a bit.
"""

from __future__ import annotations

import numpy as np
import pytest

from adamlab.nn import MLP, Workspace
from adamlab.nn.losses import normalized_weights

HEADS = [
    ("sigmoid", 1, lambda rng, n: (rng.random(n) > 0.5).astype(int)),
    ("sigmoid", 3, lambda rng, n: (rng.random((n, 3)) > 0.5).astype(float)),
    ("softmax", 4, lambda rng, n: rng.integers(0, 4, n)),
    ("identity", 2, lambda rng, n: rng.normal(size=(n, 2))),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize(("output", "k", "make_y"), HEADS, ids=[f"{h[0]}{h[1]}" for h in HEADS])
def test_loss_and_grad_targets_is_loss_and_grad(output, k, make_y, weighted, dtype):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(33, 5)).astype(dtype)
    y = make_y(rng, 33)
    sw = rng.uniform(0, 2, 33) if weighted else None
    a, b = (MLP(5, (7, 6), k, activation="gelu", output=output, dropout=0.2, dtype=dtype, rng=1)
            for _ in range(2))
    la = a.loss_and_grad(X, y, sample_weight=sw, l2=0.01, rng=np.random.default_rng(5))
    t = b.loss_fn.targets(y, k, dtype)
    lb = b.loss_and_grad_targets(X, t, sw, 0.01, np.random.default_rng(5))
    assert la == lb
    np.testing.assert_array_equal(a.grads, b.grads)
    np.testing.assert_array_equal(a.last_logits, b.last_logits)
    z = a.forward(X)
    value, grad = a.loss_fn.value_and_grad(z, y, sw)
    out = np.empty_like(z)
    omega = normalized_weights(sw, len(y), dtype)
    assert a.loss_fn.value_and_grad_targets(z, t, omega, out) == value
    np.testing.assert_array_equal(out, grad)


def test_workspace_ones_are_ones_and_kept_with_their_batch_size():
    ws = Workspace(np.float32, max_batch_sizes=2)
    first = ws.ones(5)
    assert first.dtype == np.float32 and np.all(first == 1)
    assert ws.ones(5) is first
    ws.get("k", (7, 3))[...] = 0.5  # other arrays of other batch sizes do not touch it
    assert ws.ones(5) is first and np.all(first == 1)
    ws.clear()
    assert np.all(ws.ones(5) == 1)
