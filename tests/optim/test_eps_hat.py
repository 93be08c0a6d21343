"""``Adam(eps_hat=True)`` is scikit-learn's Adam (the paper's "efficient" form), step for step.

scikit-learn's ``AdamOptimizer`` (used by ``MLPClassifier(solver="adam")``) adds ε to √v before
the bias correction: α_t = α·√(1 − β2^t)/(1 − β1^t), θ ← θ − α_t·m/(√v + ε). PyTorch adds ε to
√v̂ after it. The two agree when ε ≪ √v and part when gradients are as small as ε, which is
asserted too.
"""

from __future__ import annotations

import numpy as np
import pytest

from adamlab.optim import Adam

sk_opt = pytest.importorskip("sklearn.neural_network._stochastic_optimizers")

SHAPES = [(4, 3), (3,)]
STEPS = 250


def gradients(scale, steps=STEPS, seed=0):
    rng = np.random.default_rng(seed)
    # a drifting mean plus noise, so that m and v both move
    return [[scale * (0.3 * np.sin(t / 17) + rng.normal(size=s)) for s in SHAPES]
            for t in range(steps)]


def initial():
    rng = np.random.default_rng(42)
    return [rng.normal(size=s) for s in SHAPES]


@pytest.mark.parametrize("scale", [1.0, 1e-3, 1e-6, 1e-8, 1e-10])
@pytest.mark.parametrize("hyper", [
    dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8),
    dict(lr=0.05, betas=(0.8, 0.99), eps=1e-6),
], ids=["defaults", "other"])
def test_matches_sklearn_step_for_step(scale, hyper):
    ours, theirs = initial(), initial()
    opt = Adam(ours, eps_hat=True, **hyper)
    b1, b2 = hyper["betas"]
    ref = sk_opt.AdamOptimizer(theirs, learning_rate_init=hyper["lr"], beta_1=b1, beta_2=b2,
                               epsilon=hyper["eps"])
    for t, g in enumerate(gradients(scale)):
        opt.step(g)
        ref.update_params(theirs, [x.copy() for x in g])
        for a, b in zip(ours, theirs, strict=True):
            # parameters are O(1); atol (~50 ulps of 1) only matters for an entry crossing 0
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14, err_msg=f"step {t + 1}")
    assert ref.t == opt.state[0]["step"] == STEPS


def displacement(eps_hat, scale):
    params = initial()
    start = [p.copy() for p in params]
    opt = Adam(params, eps_hat=eps_hat)
    for g in gradients(scale):
        opt.step(g)
    return np.concatenate([(p - s).ravel() for p, s in zip(params, start, strict=True)])


def rel_diff(a, b):
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


def test_the_conventions_differ_when_gradients_are_as_small_as_eps():
    # |g| ~ 1e-6: early on the effective ε of the eps_hat form, ε/√(1 − β2^t), is ~3e-7 —
    # comparable to √v̂ — so its steps are measurably shorter than PyTorch's.
    torch_conv, sklearn_conv = displacement(False, 1e-6), displacement(True, 1e-6)
    assert rel_diff(sklearn_conv, torch_conv) > 1e-2
    # |g| ~ ε: the trajectories are far apart
    torch_conv, sklearn_conv = displacement(False, 1e-8), displacement(True, 1e-8)
    assert rel_diff(sklearn_conv, torch_conv) > 0.3


def test_the_conventions_agree_when_eps_is_negligible():
    torch_conv, sklearn_conv = displacement(False, 1.0), displacement(True, 1.0)
    assert rel_diff(sklearn_conv, torch_conv) < 1e-5


def test_first_step_by_hand_at_small_gradient():
    # t = 1 with g = 1e-6: m = 0.1g, v = 0.001g². PyTorch: α·g/(|g| + ε) (m̂ = g, √v̂ = |g|);
    # eps_hat: α·√0.001/0.1·0.1g/(√0.001·|g| + ε) = α·g/(|g| + ε/√0.001).
    g, lr, eps = 1e-6, 1e-3, 1e-8
    for eps_hat, step in [(False, lr * g / (g + eps)), (True, lr * g / (g + eps / 0.001**0.5))]:
        p = np.zeros(1)
        Adam([p], lr=lr, eps=eps, eps_hat=eps_hat).step([np.array([g])])
        assert p[0] == pytest.approx(-step, rel=1e-12)
