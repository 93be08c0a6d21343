"""The compiled Adam step (``fused=True``, numba) against the NumPy reference (``fused=False``).

The kernel repeats NumPy's floating-point operations in order, so both paths must give the
same parameters and moments bit for bit, for every flag combination of the Adam family and
both dtypes. (tests/optim/test_torch_golden.py also runs both paths against PyTorch.)
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from adamlab import _jit
from adamlab.optim import Adam, AdamW, make_optimizer

needs_numba = pytest.mark.skipif(not _jit.available(), reason="numba not installed")

FLAGS = list(itertools.product(
    [False, True],  # amsgrad
    [False, True],  # maximize
    [0.0, 0.1],  # weight_decay
    [False, True],  # decoupled_weight_decay
    [False, True],  # eps_hat
    [0.9, 0.3],  # beta1: 1 − β1 below ½ and above (torch's two lerp formulas)
))


def flag_id(f):
    ams, maxi, wd, dec, eh, b1 = f
    return f"ams{int(ams)}-max{int(maxi)}-wd{wd}-dec{int(dec)}-epshat{int(eh)}-b1{b1}"


def gradients(shape, dtype, steps, seed=0):
    """Gradients over many orders of magnitude (tiny ones make ε matter), with exact zeros."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(steps):
        g = np.asarray(rng.standard_normal(shape) * 10.0 ** rng.uniform(-9, 2, size=shape))
        g[rng.random(shape) < 0.05] = 0.0
        out.append(g.astype(dtype))
    return out


def run_both(kwargs, shape, dtype, steps=40, **fused_kwargs):
    p0 = np.asarray(np.random.default_rng(1).standard_normal(shape)).astype(dtype)
    runs = []
    for fused in (False, True):
        p = p0.copy()
        opt = Adam([p], fused=fused, **kwargs, **fused_kwargs)
        for g in gradients(shape, dtype, steps):
            opt.step([g])
        runs.append((p, opt))
    return runs


def assert_same(runs):
    (p_ref, o_ref), (p_fast, o_fast) = runs
    np.testing.assert_array_equal(p_fast, p_ref)
    assert o_fast.state[0].keys() == o_ref.state[0].keys()
    for k, v in o_ref.state[0].items():
        np.testing.assert_array_equal(o_fast.state[0][k], v, err_msg=k)
    start = np.asarray(np.random.default_rng(1).standard_normal(p_ref.shape)).astype(p_ref.dtype)
    assert not np.array_equal(p_ref, start)  # the parameters did move


@needs_numba
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("flags", FLAGS, ids=[flag_id(f) for f in FLAGS])
def test_fused_step_is_bit_identical_to_numpy(flags, dtype):
    ams, maxi, wd, dec, eh, b1 = flags
    kwargs = dict(lr=0.01, betas=(b1, 0.999), weight_decay=wd, amsgrad=ams, maximize=maxi,
                  decoupled_weight_decay=dec, eps_hat=eh)
    assert_same(run_both(kwargs, (13, 7), dtype))


@needs_numba
def test_adamw_and_registry_take_the_fused_path_by_default():
    for opt in (AdamW([np.zeros(3)]), make_optimizer("amsgrad", [np.zeros(3)])):
        assert opt.fused is None and opt._kernel is not None
    assert Adam([np.zeros(3)], fused=False)._kernel is None


@needs_numba
def test_arrays_the_kernel_cannot_take_use_numpy_with_the_same_result():
    # a non-contiguous parameter, and float64 gradients for float32 parameters
    base = np.random.default_rng(0).standard_normal((6, 8))
    grads = gradients((6, 4), np.float64, 10)
    results = []
    for fused in (False, True):
        p = base.copy()[:, ::2]  # a strided view
        q = base[:, :4].astype(np.float32)
        opt = Adam([p, q], lr=0.01, fused=fused)
        for g in grads:
            opt.step([g, g])
        results.append((p.copy(), q.copy()))
    for a, b in zip(*results, strict=True):
        np.testing.assert_array_equal(a, b)


@needs_numba
def test_fused_state_dict_round_trip_continues_identically():
    p = np.linspace(-1, 1, 10)
    grads = gradients((10,), np.float64, 20)
    opt = Adam([p], lr=0.01, amsgrad=True, fused=True)
    for g in grads[:10]:
        opt.step([g])
    q = p.copy()
    other = Adam([q], fused=False)
    other.load_state_dict(opt.state_dict())
    for g in grads[10:]:
        opt.step([g])
        other.step([g])
    np.testing.assert_array_equal(p, q)


@needs_numba
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_step_count_past_int64_is_fine_and_identical(dtype):
    """The largest step load_state_dict accepts is 2**63 − 1: the next ones (2**63, …) do not fit
    numba's int64, so the kernel takes t as a float, which Python's beta**t does too."""
    p0 = np.linspace(-1, 1, 10).astype(dtype)
    runs = []
    for fused in (False, True):
        p = p0.copy()
        opt = Adam([p], lr=0.01, fused=fused)
        sd = opt.state_dict()
        sd["state"][0]["step"] = 2**63 - 1
        opt.load_state_dict(sd)
        for g in gradients((10,), dtype, 3):
            opt.step([g])
        assert opt.state[0]["step"] == 2**63 + 2
        runs.append((p, opt))
    assert_same(runs)


def test_fused_true_without_numba_says_how_to_get_it(monkeypatch):
    monkeypatch.setattr(_jit, "numba_module", lambda: None)
    with pytest.raises(ValueError, match=r"fused=True.*numba.*adamlab\[fast\]"):
        Adam([np.zeros(3)], fused=True)
    assert Adam([np.zeros(3)])._kernel is None  # automatic: falls back to NumPy


def test_fused_must_be_a_bool_or_none():
    with pytest.raises(ValueError, match="fused must be True, False or None"):
        Adam([np.zeros(3)], fused="yes")


@needs_numba
@pytest.mark.parametrize("shape", [(), (1,), (2, 3, 4)])
def test_fused_step_takes_any_shape(shape):
    assert_same(run_both(dict(lr=0.01, amsgrad=True), shape, np.float32, steps=5))


@pytest.mark.parametrize("fused", [False, pytest.param(True, marks=needs_numba)])
@pytest.mark.parametrize("amsgrad", [False, True])
def test_step_keeps_the_previous_parameters_when_asked(fused, amsgrad):
    grads = gradients((40,), np.float32, 3)
    p = np.linspace(-1, 1, 40, dtype=np.float32)
    q = p.copy()
    keep = np.full_like(p, np.nan)
    opt = Adam([p], lr=0.01, amsgrad=amsgrad, fused=fused)
    ref = Adam([q], lr=0.01, amsgrad=amsgrad, fused=False)
    for g in grads:
        before = p.copy()
        opt.step([g], previous=[keep])
        ref.step([g])
        np.testing.assert_array_equal(keep, before)
        np.testing.assert_array_equal(p, q)  # keeping changes nothing else
    with pytest.raises(ValueError, match="one array per parameter"):
        opt.step([grads[0]], previous=[])
