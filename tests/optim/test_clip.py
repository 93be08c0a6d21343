"""Gradient clipping against torch.nn.utils.clip_grad_norm_'s recorded results, and by hand."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from adamlab.optim import clip_grad_norm_, clip_grad_value_, global_norm

DATA = Path(__file__).resolve().parent.parent / "fixtures"
CASES = json.loads((DATA / "torch_optim_golden.json").read_text())["clip_grad_norm"]


def norm_type(case):
    return math.inf if case["norm_type"] == "inf" else float(case["norm_type"])


@pytest.mark.parametrize("case", CASES, ids=[f"{c['norm_type']}-{c['max_norm']}" for c in CASES])
def test_clip_grad_norm_matches_torch(case):
    grads = [np.array(g) for g in case["grads"]]
    total = clip_grad_norm_(grads, case["max_norm"], norm_type=norm_type(case))
    assert isinstance(total, float)
    assert total == pytest.approx(case["total"], rel=1e-12)
    for got, expected in zip(grads, case["clipped"], strict=True):
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=0)


def test_recorded_cases_clip_and_do_not_clip():
    clipped = [c["total"] > c["max_norm"] for c in CASES]
    assert any(clipped) and not all(clipped)
    assert {c["norm_type"] for c in CASES} >= {1.0, 2.0, "inf"}


def test_norm_below_max_leaves_gradients_bit_for_bit():
    g = [np.array([0.3, -0.4]), np.array([[1e-3]])]
    before = [x.copy() for x in g]
    assert clip_grad_norm_(g, 1.0) == pytest.approx(math.sqrt(0.09 + 0.16 + 1e-6), rel=1e-15)
    assert all(np.array_equal(a, b) for a, b in zip(g, before, strict=True))


def test_global_norm_by_hand():
    g = [np.array([3.0, -4.0]), np.array([[12.0]]), np.zeros(0)]
    assert global_norm(g) == 13.0  # √(9 + 16 + 144)
    assert global_norm(g, 1.0) == 19.0
    assert global_norm(g, math.inf) == 12.0
    assert global_norm(g, 3.0) == pytest.approx((27 + 64 + 1728) ** (1 / 3), rel=1e-15)


def test_clip_grad_norm_by_hand():
    g = [np.array([3.0, -4.0])]  # norm 5
    total = clip_grad_norm_(g, 1.0)
    coef = 1.0 / (5.0 + 1e-6)  # torch's max_norm/(‖g‖ + 1e-6)
    assert total == 5.0
    np.testing.assert_allclose(g[0], [3.0 * coef, -4.0 * coef], rtol=1e-15)


def test_non_finite_norm_is_returned_and_gradients_left_alone():
    g = [np.array([np.inf, 1.0]), np.array([2.0])]
    assert clip_grad_norm_(g, 1.0) == math.inf
    np.testing.assert_array_equal(g[1], [2.0])
    g = [np.array([np.nan, 1.0])]
    assert math.isnan(clip_grad_norm_(g, 1.0))
    assert g[0][1] == 1.0


@given(hnp.arrays(np.float64, st.integers(1, 20), elements=st.floats(-1e3, 1e3)),
       st.floats(1e-3, 1e3))
def test_clipped_norm_never_exceeds_max_norm_and_direction_is_kept(g, max_norm):
    original = g.copy()
    total = clip_grad_norm_([g], max_norm)
    assert global_norm([g]) <= max_norm * (1 + 1e-12)
    # a non-negative multiple of the original
    scale = min(1.0, max_norm / (total + 1e-6))
    np.testing.assert_allclose(g, original * scale, rtol=1e-14, atol=0)


def test_clip_grad_value_by_hand():
    g = [np.array([-3.0, -0.5, 0.0, 0.5, 3.0]), np.array([[1.0, -1.0000001]])]
    clip_grad_value_(g, 1.0)
    assert g[0].tolist() == [-1.0, -0.5, 0.0, 0.5, 1.0]
    assert g[1].tolist() == [[1.0, -1.0]]
    single = np.array([10.0, -0.25])
    clip_grad_value_(single, 0.5)  # one array is accepted too
    assert single.tolist() == [0.5, -0.25]


@pytest.mark.parametrize("call, match", [
    (lambda g: clip_grad_norm_(g, 0.0), r"max_norm must be a finite number > 0"),
    (lambda g: clip_grad_norm_(g, -1.0), r"max_norm"),
    (lambda g: clip_grad_norm_(g, math.inf), r"max_norm"),
    (lambda g: clip_grad_norm_(g, math.nan), r"max_norm"),
    (lambda g: clip_grad_value_(g, 0.0), r"clip_value must be a finite number > 0"),
    (lambda g: clip_grad_value_(g, math.nan), r"clip_value"),
])
def test_bad_clip_arguments_raise(call, match):
    g = [np.array([5.0, -5.0])]
    with pytest.raises(ValueError, match=match):
        call(g)
    assert g[0].tolist() == [5.0, -5.0]
