"""The stack's compiled loops (``population._kernels``) give the NumPy operations they replace
bit for bit, on values chosen to tell roundings and zeros apart (signed zeros, ±inf, NaN,
magnitudes over decades), in float32 and float64."""

from __future__ import annotations

import numpy as np
import pytest

from adamlab import _jit
from adamlab.nn.activations import get_activation

pytestmark = [pytest.mark.skipif(not _jit.available(), reason="needs numba (ADAMLAB_JIT != 0)"),
              pytest.mark.filterwarnings("ignore::RuntimeWarning")]  # inf·0, inf − inf: NaN


def _values(rng, shape, dtype):
    x = rng.normal(size=shape) * np.exp(rng.normal(scale=4.0, size=shape))
    flat = x.reshape(-1)
    special = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1.0, -1.0])
    at = rng.choice(flat.size, size=min(flat.size, 3 * special.size), replace=False)
    flat[at] = np.resize(special, at.size)
    return x.astype(dtype)


def _same(a, b):
    """Equal bit patterns (so −0 ≠ +0; any NaN equals any NaN)."""
    both_nan = np.isnan(a) & np.isnan(b)
    return bool(np.all(both_nan | (a == b) & (np.signbit(a) == np.signbit(b))))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_outer_stack_is_numpys_column_by_row_matmul(dtype):
    from adamlab.population._kernels import outer_stack

    rng = np.random.default_rng(0)
    for K, m, p in ((3, 16, 16), (5, 7, 3), (1, 2, 9)):
        a = _values(rng, (K, m, 1), dtype)
        W = _values(rng, (K, p, 1), dtype)  # a last layer's (fan_in, 1) weights
        b = W.transpose(0, 2, 1)  # Wᵀ, a strided view, as the backward pass passes it
        want, got = np.matmul(a, b), np.full((K, m, p), np.nan, dtype)
        outer_stack(a, b, got)
        assert _same(want, got)
    assert _same(np.matmul(np.array([[[-1.0]]] * 2), np.zeros((2, 1, 2))),
                 np.zeros((2, 2, 2)))  # (−1)·0 is −0, and the loop's 0 + (−0) is +0


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_add_bias_stack_is_the_broadcast_add(dtype):
    from adamlab.population._kernels import add_bias_stack

    rng = np.random.default_rng(1)
    params = _values(rng, (4, 40), dtype)
    b = params[:, 10:16]  # rows of the stack: strided
    z = _values(rng, (4, 9, 6), dtype)
    want = z + b[:, None, :]
    add_bias_stack(z, b)
    assert _same(want, z)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_tanh_backward_is_the_activations_backward(dtype):
    from adamlab.population._kernels import tanh_backward

    rng = np.random.default_rng(2)
    z = _values(rng, (30, 16), dtype)
    a, da = np.tanh(z), _values(rng, (30, 16), dtype)
    want, got = np.empty_like(a), np.empty_like(a)
    get_activation("tanh").backward(z, a, da, out=want)
    tanh_backward(a, da, got)
    assert _same(want, got)
