"""The compiled elementwise kernels (numba) against the NumPy reference they replace.

Bias add and ReLU must agree bit for bit, NaN, ±0 and ±inf included; binary cross-entropy to
a few units in the last place (its exp and log1p come from libm there, from NumPy's own SIMD
code here). Whole models: ``MLP(fused=True)`` against ``MLP(fused=False)``.
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from adamlab import _jit
from adamlab.nn import MLP, ActivationLayer, Dense, get_activation
from adamlab.nn.losses import BinaryCrossEntropy

pytestmark = pytest.mark.skipif(not _jit.available(), reason="numba not installed")
DTYPES = [np.float32, np.float64]


@pytest.fixture(scope="module")
def K():
    from adamlab.nn import _kernels

    return _kernels


def awkward(shape, dtype, seed=0):
    """Values over many magnitudes, with exact zeros of both signs, NaN and infinities."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape) * 10.0 ** rng.uniform(-4, 4, shape)
    flat = x.reshape(-1)
    special = [0.0, -0.0, np.nan, np.inf, -np.inf, 1e-310]
    flat[:len(special)] = special[:flat.size]
    return x.astype(dtype)


def same_bits(a, b):
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(np.signbit(a), np.signbit(b))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(1, 1), (7, 3), (256, 64)])
def test_bias_and_relu_kernels_are_bit_identical(K, shape, dtype):
    z = awkward(shape, dtype)
    b = awkward(shape[1:], dtype, seed=1)
    ref = z.copy()
    ref += b
    got = z.copy()
    K.add_bias(got, b)
    same_bits(got, ref)

    a_ref = np.maximum(z, 0)
    a = np.empty_like(z)
    K.relu_forward(z, a)
    same_bits(a, a_ref)

    da = awkward(shape, dtype, seed=2)
    with np.errstate(invalid="ignore"):  # 0·inf in the reference, as in the kernel
        dz_ref = get_activation("relu").backward(z, a_ref, da)
    dz = np.empty_like(z)
    K.relu_backward(a_ref, da, dz)
    same_bits(dz, dz_ref)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("k", [1, 3])
def test_bce_kernel_matches_numpy_to_a_few_ulps(K, k, dtype):
    rng = np.random.default_rng(0)
    z = (rng.standard_normal((300, k)) * 10.0 ** rng.uniform(-3, 2.5, (300, k))).astype(dtype)
    z[:4, 0] = [0.0, -0.0, 800.0, -800.0]
    t = (rng.random((300, k)) > 0.5).astype(dtype)
    loss = BinaryCrossEntropy()
    grad_ref = np.empty_like(z)
    value_ref = loss.value_and_grad_targets(z, t, None, grad_ref)
    grad = np.empty_like(z)
    value = loss.value_and_grad_targets(z, t, None, grad, kernels=K)
    # σ(z) to a few ulps; σ(z) − t can cancel, so the error is a few ulps of 1, times 1/n
    eps = float(np.finfo(dtype).eps)
    np.testing.assert_allclose(grad, grad_ref, rtol=4 * eps, atol=4 * eps / len(z))
    assert value == pytest.approx(value_ref, rel=4 * eps)


@pytest.mark.parametrize("k", [1, 3])
def test_binary_correct_kernel_counts_like_numpy(K, k):
    rng = np.random.default_rng(0)
    z = rng.normal(size=(200, k))
    z[:3, 0] = [0.0, -0.0, np.nan]  # 0 and NaN are "not > 0", as in NumPy
    t = np.where(rng.random((200, k)) < 0.1, 0.5, (rng.random((200, k)) > 0.5).astype(float))
    loss = BinaryCrossEntropy()
    assert loss.correct(z, t, kernels=K) == loss.correct(z, t) > 0


def test_layers_pick_their_kernels(K):
    dense = Dense(3, 2, kernels=K)
    assert dense._add_bias is K.add_bias and Dense(3, 2)._add_bias is None
    relu = ActivationLayer(get_activation("relu"), K)
    tanh = ActivationLayer(get_activation("tanh"), K)
    assert relu._forward_kernel is K.relu_forward and relu._backward_kernel is K.relu_backward
    assert tanh._forward_kernel is None and tanh._backward_kernel is None  # NumPy for the rest


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("output", "k", "activation"), [
    ("identity", 2, "relu"), ("softmax", 3, "relu"), ("sigmoid", 1, "relu"), ("sigmoid", 2, "tanh"),
])
def test_fused_model_equals_numpy_model(output, k, activation, dtype):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 4)).astype(dtype)
    y = {"identity": rng.normal(size=(50, 2)), "softmax": rng.integers(0, 3, 50),
         "sigmoid": (rng.random((50, k)) > 0.5).astype(float)}[output]
    y = y[:, 0] if output == "sigmoid" and k == 1 else y
    models = [MLP(4, (16, 8), k, activation=activation, output=output, dtype=dtype, rng=2,
                  fused=fused) for fused in (False, True)]
    losses = [m.loss_and_grad(X, y, l2=1e-3) for m in models]
    ref, fast = models
    np.testing.assert_array_equal(fast.last_logits, ref.last_logits)  # forward: bit for bit
    if output == "sigmoid":  # the loss's exp/log1p: a few ulps, carried into the gradients
        eps = float(np.finfo(dtype).eps)
        assert losses[1] == pytest.approx(losses[0], rel=8 * eps)
        np.testing.assert_allclose(fast.grads, ref.grads, rtol=64 * eps, atol=8 * eps)
    else:
        assert losses[1] == losses[0]
        np.testing.assert_array_equal(fast.grads, ref.grads)


def test_fused_setting_survives_pickle():
    m = MLP(2, (3,), fused=False)
    assert pickle.loads(pickle.dumps(m)).fused is False
    assert pickle.loads(pickle.dumps(MLP(2, (3,)))).fused is None


def test_fused_true_without_numba_says_how_to_get_it(monkeypatch):
    monkeypatch.setattr(_jit, "numba_module", lambda: None)
    with pytest.raises(ValueError, match=r"MLP\(fused=True\).*adamlab\[fast\]"):
        MLP(2, (3,), fused=True)
    assert MLP(2, (3,)).kernels is None  # automatic: NumPy


@pytest.mark.parametrize("dtype", DTYPES)
def test_training_with_kernels_follows_training_without(dtype):
    from adamlab.optim import Adam
    from adamlab.train import Trainer

    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 5)).astype(dtype)
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    runs = []
    for fused in (False, True):
        model = MLP(5, (32, 16), 1, dtype=dtype, rng=0, fused=fused)
        Trainer(model, Adam([model.params], lr=1e-2, fused=fused), batch_size=16,
                seed=0).fit(X, y, epochs=3)
        runs.append(model.params)
    # 57 steps; only the loss's exp/log1p can differ, by an ulp or two per step
    tol = 1e-4 if dtype == np.float32 else 1e-10
    np.testing.assert_allclose(runs[1], runs[0], rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", DTYPES)
def test_take_rows_is_two_takes(K, dtype, tmp_path):
    rng = np.random.default_rng(0)
    idx = rng.permutation(60)[:17]
    np.save(tmp_path / "X.npy", rng.normal(size=(60, 5)).astype(dtype))
    sources = [awkward((60, 5), dtype), awkward((60, 10), dtype)[:, ::2],  # strided
               np.load(tmp_path / "X.npy", mmap_mode="r")]  # a read-only memory map
    for X in sources:
        for t in (awkward((60, 2), dtype), rng.integers(0, 4, 60)):  # targets, class labels
            Xb, tb = np.empty((17, 5), dtype), np.empty((17, *t.shape[1:]), t.dtype)
            K.take_rows(X, t, idx, Xb, tb)
            same_bits(Xb, X.take(idx, axis=0))
            np.testing.assert_array_equal(tb, t.take(idx, axis=0))
