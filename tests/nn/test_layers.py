"""Layers: Dense, ActivationLayer and Dropout against finite differences; the workspace."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adamlab.nn import ACTIVATIONS, ActivationLayer, Dense, Dropout, Workspace


def probe(layer, x, g, **kw):
    """A scalar function of the layer's output, ``Σ g ⊙ layer(x)``, so that ∂/∂y = g."""
    return lambda: float(np.sum(g * layer.forward(x, **kw)))


@settings(max_examples=20, deadline=None, derandomize=True)
@given(
    n=st.integers(1, 6),
    fan_in=st.integers(1, 5),
    fan_out=st.integers(1, 5),
    seed=st.integers(0, 999),
)
def test_dense_gradients(n, fan_in, fan_out, seed, numgrad, relerr):
    rng = np.random.default_rng(seed)
    layer = Dense(fan_in, fan_out)
    layer.W[...] = rng.normal(size=layer.W.shape)
    layer.b[...] = rng.normal(size=layer.b.shape)
    x, g = rng.normal(size=(n, fan_in)), rng.normal(size=(n, fan_out))
    f = probe(layer, x, g)
    layer.forward(x)
    dx = layer.backward(g)
    assert relerr(layer.dW, numgrad(f, layer.W)) < 1e-6
    assert relerr(layer.db, numgrad(f, layer.b)) < 1e-6
    assert relerr(dx, numgrad(f, x)) < 1e-6


def test_dense_writes_into_the_given_views():
    params, grads = np.zeros(2 * 3 + 3), np.zeros(2 * 3 + 3)
    layer = Dense(2, 3, params[:6].reshape(2, 3), params[6:], grads[:6].reshape(2, 3), grads[6:])
    params[:] = np.arange(9.0)
    x = np.array([[1.0, 2.0]])
    np.testing.assert_array_equal(layer.forward(x), x @ params[:6].reshape(2, 3) + params[6:])
    assert layer.backward(np.ones((1, 3)), need_dx=False) is None
    np.testing.assert_array_equal(grads, [1, 1, 1, 2, 2, 2, 1, 1, 1])
    with pytest.raises(ValueError, match="W must be a C-contiguous array of shape"):
        Dense(2, 3, W=np.zeros((3, 2)))


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_layer_gradient(name, numgrad, relerr):
    rng = np.random.default_rng(1)
    layer = ActivationLayer(ACTIVATIONS[name])
    z, g = rng.normal(size=(4, 3)) + 0.05, rng.normal(size=(4, 3))
    ws = Workspace(np.float64)
    layer.forward(z, ws)
    dz = layer.backward(g, ws)
    assert relerr(dz, numgrad(probe(layer, z, g), z)) < 1e-6


@pytest.mark.parametrize("p", [0.1, 0.5, 0.9])
def test_dropout_gradient_with_a_fixed_mask(p, numgrad, relerr):
    """The same generator state gives the same mask, so the layer is a fixed linear map."""
    rng = np.random.default_rng(2)
    layer = Dropout(p)
    x, g = rng.normal(size=(6, 5)), rng.normal(size=(6, 5))

    def f():
        return float(np.sum(g * layer.forward(x, training=True, rng=np.random.default_rng(7))))

    y = layer.forward(x, training=True, rng=np.random.default_rng(7))
    mask = layer._mask.copy()
    dx = layer.backward(g)
    assert set(np.unique(mask)) <= {0.0, 1 / (1 - p)}
    np.testing.assert_allclose(y, x * mask)
    np.testing.assert_allclose(dx, g * mask)
    assert relerr(dx, numgrad(f, x)) < 1e-6


def test_dropout_keeps_the_expected_fraction_and_the_mean():
    x = np.ones((400, 250))
    y = Dropout(0.3).forward(x, training=True, rng=np.random.default_rng(3))
    assert np.mean(y > 0) == pytest.approx(0.7, abs=0.01)
    assert np.mean(y) == pytest.approx(1.0, abs=0.015)  # inverted dropout: E[Y] = X


def test_dropout_is_the_identity_at_inference_and_needs_rng_in_training():
    layer = Dropout(0.5)
    x = np.ones((3, 2))
    assert layer.forward(x) is x
    assert layer.forward(x, training=False, rng=np.random.default_rng(0)) is x
    g = np.ones((3, 2))
    assert layer.backward(g) is g
    with pytest.raises(ValueError, match="needs rng"):
        layer.forward(x, training=True)
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        Dropout(1.0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dropout_keeps_dtype(dtype):
    x = np.ones((4, 3), dtype=dtype)
    layer = Dropout(0.5)
    assert layer.forward(x, training=True, rng=np.random.default_rng(0)).dtype == dtype
    assert layer.backward(x).dtype == dtype


def test_workspace_reuses_arrays_and_forgets_old_batch_sizes():
    ws = Workspace(np.float32, max_batch_sizes=2)
    a = ws.get("k", (5, 3))
    assert ws.get("k", (5, 3)) is a and a.dtype == np.float32 and a.flags.c_contiguous
    assert ws.get("other", (5, 3)) is not a
    ws.get("k", (7, 3))
    assert ws.get("k", (5, 3)) is a  # 5 is now the most recent batch size
    ws.get("k", (9, 3))  # evicts 7
    assert ws.get("k", (5, 3)) is a
    assert ws.nbytes == 4 * (3 * 5 * 2 + 9 * 3)
    ws.clear()
    assert ws.nbytes == 0 and ws.get("k", (5, 3)) is not a
