"""``StackedMLP``: each member's loss, gradients, gradient norm, correct count and evaluation
are its own ``MLP``'s, bit for bit (batched BLAS products, the same ufuncs, the same sums)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from adamlab.nn import MLP
from adamlab.population import _kernels as population_kernels
from adamlab.population.stack import StackedMLP
from adamlab.train import metrics

CASES = [((16, 16), 1, "sigmoid", "tanh"), ((8, 32, 4), 1, "sigmoid", "relu"),
         ((16,), 3, "softmax", "gelu"), ((), 1, "sigmoid", "tanh"), ((6,), 1, "identity", "relu")]


@pytest.mark.parametrize("fused", [None, False])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("hidden, n_out, head, act", CASES)
def test_members_compute_as_their_models(hidden, n_out, head, act, dtype, fused):
    K = 3
    ms = [MLP(2, hidden, n_out, activation=act, output=head, dtype=dtype, fused=fused,
              rng=np.random.default_rng([k, 0])) for k in range(K)]
    kernels = population_kernels if ms[0].kernels is not None else None
    stack = StackedMLP(ms[0], np.stack([m.params for m in ms]), kernels)
    for n in (16, 7, 1):
        rng = np.random.default_rng(n)
        X = rng.normal(size=(K, n, 2)).astype(dtype)
        y = (rng.normal(size=(K, n)) if head == "identity"
             else rng.integers(0, max(n_out, 2), size=(K, n)))
        t = np.stack([ms[0].loss_fn.targets(y[k], n_out, dtype) for k in range(K)])
        loss = stack.loss_and_grad(X, t)
        norms = stack.grad_norms()
        correct = stack.correct(stack.logits, t)
        val_loss, val_acc = stack.evaluate(X, t)
        for k, m in enumerate(ms):
            assert m.loss_and_grad_targets(X[k], t[k]) == float(loss[k])
            assert np.array_equal(m.grads, stack.grads[k])
            g = math.sqrt(float(np.dot(m.grads, m.grads)))
            assert (float(np.float32(g)) if dtype == np.float32 else g) == norms[k]
            assert m.loss_fn.correct(m.last_logits, t[k], m.kernels) == correct[k]
            e = metrics.evaluate(m, X[k], t[k], None, 0.0, False)
            assert e["loss"] == val_loss[k]
            assert e["accuracy"] == val_acc[k] or math.isnan(e["accuracy"]) and math.isnan(
                val_acc[k])


def test_take_keeps_the_chosen_members():
    ms = [MLP(2, (4,), 1, rng=np.random.default_rng(k)) for k in range(4)]
    stack = StackedMLP(ms[0], np.stack([m.params for m in ms]))
    stack.take(np.array([3, 1]))
    assert stack.size == 2
    assert np.array_equal(stack.params, np.stack([ms[3].params, ms[1].params]))
    assert np.shares_memory(stack.weights[0], stack.params)
