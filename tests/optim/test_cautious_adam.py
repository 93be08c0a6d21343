"""Cautious Adam/AdamW (Liang et al. 2024): hand-computed steps of the paper's rule, and older
saved states (before ``cautious`` existed) still load."""

from __future__ import annotations

import math

import numpy as np
import pytest

from adamlab.optim import Adam, AdamW

LR, B1, B2, EPS = 0.1, 0.9, 0.999, 1e-8


def test_two_hand_computed_steps():
    p = np.ones(4)
    opt = Adam([p], lr=LR, cautious=True)
    # step 1, g = 1 everywhere: m = 0.1, v = 0.001, every coordinate agrees: φ·n/(Σφ+1) = 4/5
    opt.step([np.ones(4)])
    step1 = LR / (1 - B1) * (0.1 * 0.8) / (math.sqrt(0.001) / math.sqrt(1 - B2) + EPS)
    np.testing.assert_allclose(p, 1 - step1, rtol=1e-14)
    # step 2: coordinates 1 and 3 get g = -0.05 while m stays positive: they do not move
    g2 = np.array([1.0, -0.05, 1.0, -0.05])
    opt.step([g2])
    m2 = B1 * 0.1 + (1 - B1) * g2  # 0.19, 0.085, 0.19, 0.085
    v2 = B2 * 0.001 + (1 - B2) * g2**2
    bc1, bc2 = 1 - B1**2, 1 - B2**2
    factor = 4 / (2 + 1)
    moved = LR / bc1 * (m2 * factor) / (np.sqrt(v2) / math.sqrt(bc2) + EPS)
    expect = np.where(m2 * g2 > 0, 1 - step1 - moved, 1 - step1)
    np.testing.assert_allclose(p, expect, rtol=1e-14)
    assert p[1] == p[3] and p[0] == p[2] < p[1]  # the disagreeing ones kept their step-1 value


def test_cautious_adamw_decays_every_coordinate_and_masks_the_step():
    p = np.full(3, 2.0)
    opt = AdamW([p], lr=LR, weight_decay=0.5, cautious=True)
    opt.step([np.array([1.0, 1.0, 1.0])])
    decayed = 2.0 * (1 - LR * 0.5)
    step = LR / (1 - B1) * (0.1 * 0.75) / (math.sqrt(0.001) / math.sqrt(1 - B2) + EPS)
    np.testing.assert_allclose(p, decayed - step, rtol=1e-14)


def test_cautious_groups_are_stepped_per_tensor_and_not_cautious_is_unchanged():
    buf = np.zeros(6)
    a, b = buf[:3], buf[3:]
    assert len(Adam([a, b], cautious=True)._plans[0].arrays) == 2  # Σφ is per tensor
    assert len(Adam([a, b])._plans[0].arrays) == 1
    x, y = np.ones(5), np.ones(5)
    o1, o2 = Adam([x]), Adam([y], cautious=False)
    for g in np.random.default_rng(0).standard_normal((20, 5)):
        o1.step([g])
        o2.step([g])
    np.testing.assert_array_equal(x, y)


def test_a_state_saved_before_cautious_existed_loads_as_not_cautious():
    opt = Adam([np.ones(2)], cautious=True)
    sd = opt.state_dict()
    del sd["param_groups"][0]["cautious"]
    opt.load_state_dict(sd)
    assert opt.param_groups[0]["cautious"] is False


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cautious_keeps_the_dtype(dtype):
    p = np.ones(3, dtype=dtype)
    Adam([p], cautious=True).step([np.ones(3, dtype=dtype)])
    assert p.dtype == dtype
