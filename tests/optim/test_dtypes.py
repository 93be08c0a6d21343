"""Parameters keep their float dtype (and so does the state); anything else is refused."""

from __future__ import annotations

import numpy as np
import pytest

from adamlab.optim import OPTIMIZERS
from adamlab.optim import make_optimizer as _make_optimizer

# a matrix-only row (Muon) refuses these vectors: tests/optim/test_torch_family.py has its own
NAMES = [n for n, s in OPTIMIZERS.items() if not s.matrices]
SHAPES = [(5, 3), (3,)]
STEPS = 100


def make_optimizer(name, params, **kwargs):
    """The registry's optimizer, without weight_decay where the row has none (Rprop)."""
    if OPTIMIZERS[name].decay == "none":
        kwargs.pop("weight_decay", None)
    return _make_optimizer(name, params, **kwargs)


def init(dtype):
    rng = np.random.default_rng(0)
    return [rng.normal(size=s).astype(dtype) for s in SHAPES]


def grad_seq(dtype, n=STEPS):
    rng = np.random.default_rng(1)
    return [[rng.normal(size=s).astype(dtype) for s in SHAPES] for _ in range(n)]


def run(name, dtype, grad_dtype):
    params = init(dtype)
    # a rate that is a multiplier (default 1: LARS's trust-ratio-scaled steps) runs at its default
    lr = max(0.01, OPTIMIZERS[name].default_lr())
    opt = make_optimizer(name, params, lr=lr, weight_decay=0.01)
    for g in grad_seq(grad_dtype):
        opt.step(g)
    return params, opt


@pytest.mark.parametrize("grad_dtype", [np.float32, np.float64])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", NAMES)
def test_params_and_state_keep_their_dtype(name, dtype, grad_dtype):
    params, opt = run(name, dtype, grad_dtype)
    for p, s in zip(params, opt.state, strict=True):
        assert p.dtype == dtype
        arrays = [v for v in s.values() if isinstance(v, np.ndarray)]
        assert all(a.dtype == dtype for a in arrays)
        assert all(a.dtype == dtype for a in opt.state_dict()["state"][0].values()
                   if isinstance(a, np.ndarray))
        assert type(s["step"]) is int
        assert np.all(np.isfinite(p))


# Prodigy: while d ≈ d₀ its steps are ~1e-6 and θ₀ − θ cancels in float32, so its estimate of d
# takes another path (prodigyopt in float32 alike); tests/optim/test_family.py bounds the gap.
PATH_DEPENDENT = {"prodigy"}


@pytest.mark.parametrize("name", [n for n in NAMES if n not in PATH_DEPENDENT])
def test_float32_run_follows_the_float64_run(name):
    p32, _ = run(name, np.float32, np.float32)
    p64, _ = run(name, np.float64, np.float32)  # the same (float32-representable) gradients
    moved = [np.max(np.abs(a - b)) for a, b in zip(p64, init(np.float64), strict=True)]
    assert min(moved) > 1e-3  # the comparison is not between two unmoved arrays
    for a, b in zip(p32, p64, strict=True):
        # 100 steps of float32 rounding (ε₃₂ ≈ 1.2e-7) on O(1) parameters
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
        assert not np.array_equal(a.astype(np.float64), b)  # float32 really was float32


def read_only():
    a = np.zeros(3)
    a.flags.writeable = False
    return a


REFUSED = [
    ("int array", lambda: np.zeros(3, dtype=np.int64), r"params\[0\] must be a float NumPy array"),
    ("bool array", lambda: np.zeros(3, dtype=bool), r"params\[0\] must be a float NumPy array"),
    ("complex array", lambda: np.zeros(3, dtype=complex), r"params\[0\] must be a float"),
    ("list", lambda: [0.0, 1.0], r"params\[0\] must be a float NumPy array.*got list"),
    ("python float", lambda: 1.0, r"params\[0\] must be a float NumPy array.*got float"),
    ("read-only", read_only, r"params\[0\] is read-only"),
    ("broadcast view", lambda: np.broadcast_to(np.zeros(1), (3,)), r"params\[0\] is read-only"),
]


@pytest.mark.parametrize("name", ["sgd", "adam"])
@pytest.mark.parametrize("make, match", [(m, r) for _, m, r in REFUSED],
                         ids=[i for i, _, _ in REFUSED])
def test_non_float_or_read_only_params_are_refused(name, make, match):
    with pytest.raises(ValueError, match=match):
        make_optimizer(name, [make()])


def test_refused_param_is_named_by_its_flat_index():
    with pytest.raises(ValueError, match=r"params\[2\] must be a float NumPy array"):
        make_optimizer("adam", [{"params": [np.zeros(2)]},
                                {"params": [np.zeros(2), np.zeros(2, dtype=np.int32)]}])
