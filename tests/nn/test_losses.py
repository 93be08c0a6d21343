"""Losses: gradients against finite differences, values against scikit-learn (and torch if
installed), stability at huge logits, sample weights, target checking."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import log_loss, mean_squared_error

from adamlab.nn import HEADS, LOSSES, get_loss, sigmoid, softmax

NAMES = sorted(LOSSES)


def make_case(name: str, n: int, k: int, seed: int = 0, scale: float = 2.0):
    """Random logits and valid targets for ``name`` (softmax: k ≥ 2 classes)."""
    rng = np.random.default_rng(seed)
    if name == "softmax_cross_entropy":
        k = max(k, 2)
    z = rng.normal(size=(n, k)) * scale
    y = {
        "binary_cross_entropy": rng.integers(0, 2, size=(n, k)).astype(float),
        "softmax_cross_entropy": rng.integers(0, k, size=n),
        "squared_error": rng.normal(size=(n, k)),
    }[name]
    return z, y


def test_registries():
    assert set(LOSSES) == {"binary_cross_entropy", "softmax_cross_entropy", "squared_error"}
    assert {h: loss.name for h, loss in HEADS.items()} == {
        "sigmoid": "binary_cross_entropy",
        "softmax": "softmax_cross_entropy",
        "identity": "squared_error",
    }
    assert get_loss("softmax") is LOSSES["softmax_cross_entropy"]
    with pytest.raises(ValueError, match="unknown loss 'hinge'"):
        get_loss("hinge")


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("weighted", [False, True])
@settings(max_examples=15, deadline=None, derandomize=True)
@given(n=st.integers(1, 7), k=st.integers(1, 4), seed=st.integers(0, 2**16))
def test_gradient_matches_finite_differences(name, weighted, n, k, seed, numgrad, relerr):
    loss = LOSSES[name]
    z, y = make_case(name, n, k, seed)
    sw = np.random.default_rng(seed + 1).uniform(0.1, 3, size=n) if weighted else None
    value, grad = loss.value_and_grad(z, y, sw)
    assert value == pytest.approx(loss.value(z, y, sw), rel=1e-15)
    fd = numgrad(lambda: loss.value(z, y, sw), z)
    assert relerr(grad, fd) < 1e-6


@pytest.mark.parametrize("k", [1, 3])
@pytest.mark.parametrize("weighted", [False, True])
def test_binary_cross_entropy_matches_sklearn(k, weighted):
    """Sum over outputs of sklearn's log_loss per output = mean over samples of the sum."""
    z, y = make_case("binary_cross_entropy", 40, k, seed=3)
    sw = np.random.default_rng(4).uniform(0, 2, size=40) if weighted else None
    p = 1 / (1 + np.exp(-z))
    ref = sum(log_loss(y[:, j], p[:, j], sample_weight=sw, labels=[0, 1]) for j in range(k))
    got = LOSSES["binary_cross_entropy"].value(z, y if k > 1 else y[:, 0], sw)
    assert got == pytest.approx(ref, rel=1e-12)


@pytest.mark.parametrize("weighted", [False, True])
def test_softmax_cross_entropy_matches_sklearn(weighted):
    z, y = make_case("softmax_cross_entropy", 50, 4, seed=5)
    sw = np.random.default_rng(6).uniform(0, 2, size=50) if weighted else None
    ref = log_loss(y, softmax(z), sample_weight=sw, labels=range(4))
    assert LOSSES["softmax_cross_entropy"].value(z, y, sw) == pytest.approx(ref, rel=1e-12)


@pytest.mark.parametrize("k", [1, 3])
@pytest.mark.parametrize("weighted", [False, True])
def test_squared_error_is_half_sklearn_mse(k, weighted):
    """scikit-learn's convention: ((y - ŷ)**2).mean() / 2 over all elements."""
    z, y = make_case("squared_error", 30, k, seed=7)
    sw = np.random.default_rng(8).uniform(0, 2, size=30) if weighted else None
    ref = mean_squared_error(y, z, sample_weight=sw) / 2
    got = LOSSES["squared_error"].value(z, y[:, 0] if k == 1 else y, sw)
    assert got == pytest.approx(ref, rel=1e-12)
    if not weighted:
        assert got == pytest.approx(((y - z) ** 2).mean() / 2, rel=1e-12)


def test_losses_match_torch():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    z, y = make_case("binary_cross_entropy", 20, 3, seed=9)
    zt = torch.tensor(z, requires_grad=True)
    ref = F.binary_cross_entropy_with_logits(zt, torch.tensor(y), reduction="none").sum(1).mean()
    ref.backward()
    value, grad = LOSSES["binary_cross_entropy"].value_and_grad(z, y)
    assert value == pytest.approx(ref.item(), rel=1e-13)
    np.testing.assert_allclose(grad, zt.grad.numpy(), rtol=1e-12, atol=1e-16)

    z, y = make_case("softmax_cross_entropy", 20, 5, seed=10)
    zt = torch.tensor(z, requires_grad=True)
    ref = F.cross_entropy(zt, torch.tensor(y))
    ref.backward()
    value, grad = LOSSES["softmax_cross_entropy"].value_and_grad(z, y)
    assert value == pytest.approx(ref.item(), rel=1e-13)
    np.testing.assert_allclose(grad, zt.grad.numpy(), rtol=1e-12, atol=1e-16)


HUGE = {
    # name: (logits, targets, expected loss)
    "binary_cross_entropy": (
        np.array([[1e4], [-1e4], [1e4], [-1e4]]),
        np.array([0.0, 1.0, 1.0, 0.0]),
        (1e4 + 1e4 + 0 + 0) / 4,
    ),
    "softmax_cross_entropy": (
        np.array([[1e4, -1e4, 0.0], [1e4, -1e4, 0.0], [-1e4, -1e4, -1e4]]),
        np.array([0, 1, 2]),
        (0 + 2e4 + np.log(3)) / 3,
    ),
    "squared_error": (np.array([[1e4], [-1e4]]), np.array([0.0, 1.0]), (1e8 + (1e4 + 1) ** 2) / 4),
}


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_huge_logits_are_finite_exact_and_silent(name, dtype):
    z, y, expected = HUGE[name]
    z = z.astype(dtype)
    loss = LOSSES[name]
    with np.errstate(all="raise"):
        value, grad = loss.value_and_grad(z, y)
        proba = loss.link(z)
    assert np.isfinite(value) and np.all(np.isfinite(grad)) and np.all(np.isfinite(proba))
    assert grad.dtype == dtype and proba.dtype == dtype
    assert value == pytest.approx(expected, rel=1e-6)


def test_huge_logit_gradients_are_exact():
    with np.errstate(all="raise"):
        _, g = LOSSES["binary_cross_entropy"].value_and_grad(np.array([[1e4], [-1e4]]), [0.0, 0.0])
        _, g2 = LOSSES["softmax_cross_entropy"].value_and_grad(np.array([[1e4, -1e4]]), [1])
    np.testing.assert_array_equal(g.ravel(), [0.5, 0.0])  # (σ - y)/n
    np.testing.assert_array_equal(g2, [[1.0, -1.0]])


def test_sigmoid_is_relatively_accurate():
    z = np.array([-1e4, -745.0, -40.0, 0.0, 40.0, 1e4])
    with np.errstate(all="raise"):
        p = sigmoid(z)
    assert p[2] == pytest.approx(np.exp(-40.0), rel=1e-14)
    np.testing.assert_array_equal(p[[0, 3, 4, 5]], [0.0, 0.5, 1.0, 1.0])


@pytest.mark.parametrize("name", NAMES)
def test_integer_weights_equal_repeated_samples(name):
    z, y = make_case(name, 6, 2, seed=11)
    w = np.array([1, 3, 0, 2, 1, 1])
    rep = np.repeat(np.arange(6), w)
    loss = LOSSES[name]
    value, grad = loss.value_and_grad(z, y, sample_weight=w)
    assert value == pytest.approx(loss.value(z[rep], y[rep]), rel=1e-13)
    # the gradient of sample i collects the gradients of its copies
    _, grad_rep = loss.value_and_grad(z[rep], y[rep])
    np.testing.assert_allclose(
        grad,
        np.add.reduceat(grad_rep, np.r_[0, np.cumsum(w)[:-1]]) * (w > 0)[:, None],
        rtol=1e-12,
        atol=1e-16,
    )
    assert loss.value(z, y, sample_weight=7.5 * w) == pytest.approx(value, rel=1e-13)


@pytest.mark.parametrize("name", NAMES)
def test_float32_in_float32_out(name):
    z, y = make_case(name, 5, 3, seed=12)
    value, grad = LOSSES[name].value_and_grad(z.astype(np.float32), y, np.ones(5))
    assert grad.dtype == np.float32 and isinstance(value, float)
    assert value == pytest.approx(LOSSES[name].value(z, y), rel=1e-5)


def test_gradient_written_into_out():
    z, y = make_case("squared_error", 4, 2)
    out = np.full_like(z, np.nan)
    _, grad = LOSSES["squared_error"].value_and_grad(z, y, out=out)
    assert grad is out
    np.testing.assert_allclose(out, (z - y) / (4 * 2))


@pytest.mark.parametrize(
    "name, y, match",
    [
        ("binary_cross_entropy", np.array([0.0, 2.0, 1.0]), r"0/1 labels"),
        ("binary_cross_entropy", np.zeros((3, 2)), r"shape \(n,\) or \(n, 1\)"),
        ("softmax_cross_entropy", np.array([0, 1, 3]), r"in 0\.\.2"),
        ("softmax_cross_entropy", np.array([0, 1.5, 2]), r"integer class labels"),
        ("softmax_cross_entropy", np.zeros((3, 3)), r"shape \(n,\)"),
        ("squared_error", np.array([0.0, np.nan, 1.0]), r"finite"),
        ("squared_error", np.zeros(4), r"y has 4 samples but there are 3 rows"),
    ],
)
def test_bad_targets_are_named(name, y, match):
    k = 3 if name == "softmax_cross_entropy" else 1
    with pytest.raises(ValueError, match=match):
        LOSSES[name].value(np.zeros((3, k)), y)


@pytest.mark.parametrize(
    "sw, match",
    [
        (np.ones(2), r"shape \(3,\)"),
        (np.array([1.0, -1.0, 1.0]), r">= 0"),
        (np.array([1.0, np.inf, 1.0]), r"finite"),
        (np.zeros(3), r"sums to 0"),
    ],
)
def test_bad_sample_weight_is_named(sw, match):
    with pytest.raises(ValueError, match=match):
        LOSSES["squared_error"].value(np.zeros((3, 1)), np.zeros(3), sample_weight=sw)


def test_softmax_accepts_integral_float_labels():
    z, y = make_case("softmax_cross_entropy", 8, 3, seed=13)
    loss = LOSSES["softmax_cross_entropy"]
    assert loss.value(z, y.astype(float)) == loss.value(z, y)
