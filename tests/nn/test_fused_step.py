"""``nn.fused``: the training step without the layers' calls gives the layers' numbers.

The reference is the layer-by-layer step: ``MLP(fused=False)`` (NumPy throughout) where the
loss has no kernel, and the same model with kernels through its layers for binary
cross-entropy (whose kernel agrees with NumPy to an ulp, tests/nn/test_kernels.py). The new
kernels against the NumPy lines they replace, with NaN, ±0, ±inf and subnormals.
"""

from __future__ import annotations

import numpy as np
import pytest

from adamlab import _jit
from adamlab.nn import MLP, get_activation
from adamlab.nn.fused import FusedStep

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
    special = [0.0, -0.0, np.nan, np.inf, -np.inf, 1e-310, -1e-310]
    flat[:len(special)] = special[:flat.size]
    return x.astype(dtype)


def same_bits(a, b):
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(np.signbit(a), np.signbit(b))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(1, 1), (7, 3), (256, 64)])
def test_in_place_relu_kernels_are_the_numpy_lines(K, shape, dtype):
    z, b = awkward(shape, dtype), awkward(shape[1:], dtype, seed=1)
    ref = np.maximum(z + b, 0)  # Z + b, then ReLU
    a = z.copy()
    K.bias_relu(a, b)
    same_bits(a, ref)

    da = awkward(shape, dtype, seed=2)
    with np.errstate(invalid="ignore"):  # 0·inf, in both
        dz_ref = get_activation("relu").backward(z, ref, da)
    d = da.copy()
    K.relu_backward_inplace(ref, d)
    same_bits(d, dz_ref)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", [2, 5, 256])
def test_outer_relu_backward_is_the_product_then_relu(K, n, dtype):
    """One output unit: dZ = 1[A > 0] ⊙ (d wᵀ), against np.dot (the BLAS) and the ReLU's
    NumPy backward; the products include 0·(−x), 0·inf and −tiny·tiny (−0 in plain
    arithmetic, +0 from the BLAS). (A one-row d is a scalar to np.dot: the step keeps the
    product then, see the step's test.)"""
    a = awkward((n, 9), dtype, seed=3)
    d = awkward((n, 1), dtype, seed=4)
    w = awkward((9, 1), dtype, seed=5)
    tiny = float(np.finfo(dtype).tiny) ** 0.5 / 1e10  # its square rounds to zero
    d[:2, 0] = [-tiny, 0.0]
    w[:3, 0] = [tiny, -3.0, np.inf]
    with np.errstate(invalid="ignore", under="ignore"):
        da = np.dot(d, w.T)
        ref = get_activation("relu").backward(a, np.maximum(a, 0), da)
    got = np.empty_like(a)
    K.outer_relu_backward(np.maximum(a, 0), d, w, got)
    same_bits(got, ref)


@pytest.mark.parametrize("size", [0, 3, 16, 17, 40])
def test_take_rows_with_prefetch_copies_every_row(K, size):
    """Fewer rows than the prefetch distance, as many, more (the existing test: 17)."""
    rng = np.random.default_rng(1)
    X, t = awkward((50, 3), np.float64), rng.integers(0, 3, 50)
    idx = rng.integers(0, 50, size)
    Xb, tb = np.empty((size, 3)), np.empty(size, t.dtype)
    K.take_rows(X, t, idx, Xb, tb)
    same_bits(Xb, X[idx])
    np.testing.assert_array_equal(tb, t[idx])


ARCHITECTURES = [  # hidden, outputs, head
    ((64, 64), 1, "sigmoid"), ((6,), 2, "sigmoid"), ((), 1, "sigmoid"),
    ((8, 7, 5), 3, "softmax"), ((4,), 2, "identity"), ((5, 3), 1, "identity"),
    ((3, 1), 1, "sigmoid"),  # a one-unit layer before the output: the product stays
]


def targets(rng, head, n, k):
    if head == "softmax":
        return rng.integers(0, k, n)
    if head == "identity":
        return rng.normal(size=(n, k))
    y = (rng.random((n, k)) > 0.5).astype(float)
    return y[:, 0] if k == 1 else y


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("hidden", "k", "head"), ARCHITECTURES)
def test_fused_step_gives_the_layers_numbers(hidden, k, head, dtype):
    rng = np.random.default_rng(0)
    X = awkward((40, 6), dtype)[:, :]  # includes NaN and infinities: those rows too
    X[:7] = rng.normal(size=(7, 6))
    X = np.where(np.isfinite(X), X, 0.5).astype(dtype) if head == "identity" else X
    y = targets(rng, head, 40, k)
    fast = MLP(6, hidden, k, output=head, dtype=dtype, rng=1)
    assert isinstance(fast._step, FusedStep)
    # the reference: NumPy's layers, or the kernels' layers for the kernel's loss (sigmoid)
    ref = MLP(6, hidden, k, output=head, dtype=dtype, rng=1, fused=None if head == "sigmoid"
              else False)
    ref._step = None
    sw = rng.uniform(0, 2, 40)
    with np.errstate(all="ignore"):
        for rows, weights, l2 in [(40, None, 0.0), (13, sw[:13], 0.01), (40, sw, 0.0),
                                  (13, None, 0.0), (1, None, 0.0), (2, sw[:2], 0.0)]:
            la = fast.loss_and_grad(X[:rows], y[:rows], sample_weight=weights, l2=l2)
            lb = ref.loss_and_grad(X[:rows], y[:rows], sample_weight=weights, l2=l2)
            assert la == lb or (np.isnan(la) and np.isnan(lb))
            same_bits(fast.grads, ref.grads)
            same_bits(fast.last_logits, ref.last_logits)


def test_fused_step_only_where_it_applies():
    assert MLP(3, (4,), fused=False)._step is None  # NumPy
    if _jit.available():
        assert isinstance(MLP(3, (4, 4))._step, FusedStep)
        assert MLP(3, (4,), activation="tanh")._step is None  # no kernel: the layers
        assert MLP(3, (4,), activation="identity")._step is None
        assert MLP(3, (4,), dropout=0.1)._step is None


def test_fused_step_arrays_are_the_workspace_s_and_follow_it():
    """A batch size the workspace forgot, or a cleared workspace: the step asks again."""
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(30, 3)), (rng.random(30) > 0.5).astype(int)
    model, ref = MLP(3, (5,), rng=0), MLP(3, (5,), rng=0)
    ref._step = None
    model.workspace.max_batch_sizes = ref.workspace.max_batch_sizes = 1
    before = model.workspace.nbytes
    for rows in (30, 10, 30, 10):  # each size evicts the other
        assert model.loss_and_grad(X[:rows], y[:rows]) == ref.loss_and_grad(X[:rows], y[:rows])
        np.testing.assert_array_equal(model.grads, ref.grads)
    assert model.workspace.nbytes > before  # its arrays are counted there
    model.workspace.clear()
    assert model.loss_and_grad(X, y) == ref.loss_and_grad(X, y)
    np.testing.assert_array_equal(model.grads, ref.grads)
