"""The debiased EMA, checked by hand: ŝ_t = s_t/(1 − β^t), s_t = β·s_{t−1} + (1 − β)·x_t."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from adamlab.plot import debiased_ema
from adamlab.smoothing import auto_beta


def test_three_values_by_hand():
    # β = 0.5: s1 = 0.5          ŝ1 = 0.5/0.5   = 1
    #          s2 = 0.25 + 1     ŝ2 = 1.25/0.75 = 5/3
    #          s3 = 0.625 + 1.5  ŝ3 = 2.125/0.875 = 17/7
    np.testing.assert_allclose(debiased_ema([1, 2, 3], beta=0.5), [1, 5 / 3, 17 / 7], rtol=1e-15)


def test_first_value_is_kept_and_constants_stay_constant():
    out = debiased_ema([4.0] * 50, beta=0.98)
    np.testing.assert_allclose(out, 4.0, rtol=1e-12)  # the raw EMA would start at 0.08


def test_beta_zero_is_the_identity():
    x = [3.0, -1.0, 2.5]
    np.testing.assert_array_equal(debiased_ema(x, beta=0.0), x)


def test_missing_values_are_skipped_and_stay_missing():
    out = debiased_ema([1.0, None, math.nan, 3.0, math.inf], beta=0.5)
    assert out[0] == 1.0 and np.isnan(out[1]) and np.isnan(out[2]) and np.isnan(out[4])
    assert out[3] == pytest.approx((0.5 * 0.5 * 1 + 0.5 * 3) / (1 - 0.25))  # t = 2, not 4


@pytest.mark.parametrize("beta", [-0.1, 1.0, 1.5, "0.9", True])
def test_bad_beta(beta):
    with pytest.raises(ValueError, match="beta"):
        debiased_ema([1.0], beta=beta)


@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=40), st.floats(0, 0.99))
def test_is_a_weighted_mean_of_the_values_so_far(xs, beta):
    out = debiased_ema(xs, beta)
    for t in range(len(xs)):
        lo, hi = min(xs[: t + 1]), max(xs[: t + 1])
        tol = 1e-9 * (1 + abs(lo) + abs(hi))
        assert lo - tol <= out[t] <= hi + tol


def test_auto_beta():
    assert auto_beta(10) == 0.0 and auto_beta(400) == pytest.approx(0.95)
    assert auto_beta(10**6) == 0.98
