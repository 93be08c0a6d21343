"""Activations: values against reference formulas, derivatives against finite differences."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from adamlab.nn import ACTIVATIONS, get_activation

NAMES = sorted(ACTIVATIONS)
KINKED = {"relu", "leaky_relu"}  # not differentiable at 0

REFERENCE = {
    "identity": lambda z: z,
    "relu": lambda z: np.maximum(z, 0),
    "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z),
    "tanh": np.tanh,
    "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
    "gelu": lambda z: 0.5 * z * (1 + np.tanh(np.sqrt(2 / np.pi) * (z + 0.044715 * z**3))),
}


def test_registry_names():
    assert set(ACTIVATIONS) == {"relu", "leaky_relu", "tanh", "sigmoid", "gelu", "identity"}
    for name, act in ACTIVATIONS.items():
        assert act.name == name
        assert get_activation(name.upper()) is act
    with pytest.raises(ValueError, match="unknown activation 'swish'.*relu"):
        get_activation("swish")


@pytest.mark.parametrize("name", NAMES)
def test_forward_matches_reference(name):
    z = np.linspace(-8, 8, 161)
    np.testing.assert_allclose(ACTIVATIONS[name](z), REFERENCE[name](z), rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=30, deadline=None, derandomize=True)
@given(data=st.data())
def test_backward_matches_finite_differences(name, data):
    act = ACTIVATIONS[name]
    shape = data.draw(st.tuples(st.integers(1, 6), st.integers(1, 5)), label="shape")
    z = data.draw(arrays(np.float64, shape, elements=st.floats(-6, 6)), label="z")
    if name in KINKED:
        z = np.where(np.abs(z) < 1e-3, 0.5, z)  # stay away from the kink
    da = np.random.default_rng(0).normal(size=shape)
    h = 1e-6
    fd = (act.forward(z + h) - act.forward(z - h)) / (2 * h) * da  # da ⊙ f'(z)
    got = act.backward(z, act.forward(z), da)
    np.testing.assert_allclose(got, fd, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name", NAMES)
def test_backward_into_given_buffers(name):
    act = ACTIVATIONS[name]
    z = np.random.default_rng(1).normal(size=(4, 3))
    a, da = act.forward(z), np.ones_like(z)
    out = np.empty_like(z)
    work = tuple(np.empty_like(z) for _ in range(act.n_work))
    z0, a0, da0 = z.copy(), a.copy(), da.copy()
    assert act.backward(z, a, da, out=out, work=work) is out
    np.testing.assert_array_equal(out, act.backward(z0, a0, da0))
    for arr, ref in ((z, z0), (a, a0), (da, da0)):  # inputs left untouched
        np.testing.assert_array_equal(arr, ref)


def test_relu_family_at_the_kink():
    z = np.array([-1.0, 0.0, 2.0])
    np.testing.assert_array_equal(
        ACTIVATIONS["relu"].backward(z, np.maximum(z, 0), np.ones(3)), [0, 0, 1]
    )
    leaky = ACTIVATIONS["leaky_relu"]
    np.testing.assert_array_equal(leaky.backward(z, leaky(z), np.ones(3)), [0.01, 0.01, 1])
    assert leaky(np.array([-3.0]))[0] == pytest.approx(-0.03)


def test_gelu_is_the_tanh_approximation_close_to_exact():
    """Documented: tanh-approximate GELU, within 5e-4 of the exact z·Φ(z)."""
    z = np.linspace(-6, 6, 241)
    exact = np.array([0.5 * v * (1 + math.erf(v / math.sqrt(2))) for v in z])
    err = np.max(np.abs(ACTIVATIONS["gelu"](z) - exact))
    assert 1e-5 < err < 5e-4


def test_gelu_matches_torch_tanh_approximation():
    torch = pytest.importorskip("torch")
    z = np.linspace(-8, 8, 321)
    zt = torch.tensor(z, requires_grad=True)
    yt = torch.nn.functional.gelu(zt, approximate="tanh")
    yt.sum().backward()
    act = ACTIVATIONS["gelu"]
    np.testing.assert_allclose(act(z), yt.detach().numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(
        act.backward(z, act(z), np.ones_like(z)), zt.grad.numpy(), rtol=1e-12, atol=1e-13
    )


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_huge_inputs_are_finite_and_silent(name, dtype):
    act = ACTIVATIONS[name]
    z = np.array([-1e4, -100.0, -1.0, 0.0, 1.0, 100.0, 1e4], dtype=dtype)
    with np.errstate(all="raise"):
        a = act.forward(z)
        dz = act.backward(z, a, np.ones_like(z))
    assert a.dtype == dtype and dz.dtype == dtype
    assert np.all(np.isfinite(a)) and np.all(np.isfinite(dz))


@pytest.mark.parametrize("name", NAMES)
def test_float32_stays_float32_and_agrees(name):
    act = ACTIVATIONS[name]
    z = np.random.default_rng(2).normal(size=(5, 4)) * 3
    z32 = z.astype(np.float32)
    a32 = act.forward(z32)
    dz32 = act.backward(z32, a32, np.ones_like(z32))
    assert a32.dtype == np.float32 and dz32.dtype == np.float32
    np.testing.assert_allclose(a32, act.forward(z), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(
        dz32, act.backward(z, act.forward(z), np.ones_like(z)), rtol=1e-5, atol=1e-6
    )


def test_default_inits_and_glorot_factor():
    assert {n for n, a in ACTIVATIONS.items() if a.default_init == "he"} == {
        "relu",
        "leaky_relu",
        "gelu",
    }
    assert ACTIVATIONS["sigmoid"].glorot_factor == 2.0 and ACTIVATIONS["tanh"].glorot_factor == 6.0
