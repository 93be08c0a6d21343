"""One step of every optimizer from a hand-set state, against the update written out by hand.

Each case puts the optimizer in a state it would reach mid-training (step count > 0, moments
set), applies one gradient, and compares the new parameters (and the new moments) with the
paper/PyTorch equations evaluated on plain Python floats, element by element. The expected
values are computed here from the equations, never taken from adamlab.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from adamlab import optim

RTOL = 1e-12

# Four entries of each: mixed signs and magnitudes, nothing that cancels to ~0 in the update.
P0 = [0.7, -1.3, 2.1, 0.05]
G = [0.5, -2.0, 1e-3, 3.0]
M0 = [0.2, -0.4, 0.01, -0.6]  # first moment / momentum buffer / centered mean
V0 = [0.3, 1.5, 2e-6, 0.9]  # second moment / square average (>= M0² where centered)
B0 = [0.1, -0.2, 0.05, 0.3]  # momentum buffer


def each(*columns):
    """Element by element over equally long lists."""
    return zip(*columns, strict=True)


def make(cls, state: dict, via: str = "load", **kwargs):
    """An optimizer over a copy of P0 with its state set by hand (via load_state_dict or .state)."""
    p = np.array(P0)
    opt = cls([p], **kwargs)
    if via == "load":
        sd = opt.state_dict()
        sd["state"][0] = {k: (np.array(v) if isinstance(v, list) else v) for k, v in state.items()}
        opt.load_state_dict(sd)
    else:
        assert set(state) == set(opt.state[0])
        for k, v in state.items():
            if isinstance(v, list):
                opt.state[0][k][...] = v
            else:
                opt.state[0][k] = v
    return p, opt


def check(p, opt, expected_p, expected_state: dict, step: int):
    opt.step([np.array(G)])
    np.testing.assert_allclose(p, expected_p, rtol=RTOL, atol=0)
    # the update is far larger than the tolerance: the test can tell a wrong formula
    assert np.all(np.abs(np.array(expected_p) - np.array(P0)) > 1e-6 * np.abs(P0))
    s = opt.state[0]
    assert s["step"] == step and type(s["step"]) is int
    for k, v in expected_state.items():
        np.testing.assert_allclose(s[k], v, rtol=RTOL, atol=0, err_msg=k)


# --------------------------------------------------------------------------------- SGD
def test_sgd_plain_with_weight_decay():
    lr, wd = 0.1, 0.01
    p, opt = make(optim.SGD, {"step": 7}, lr=lr, weight_decay=wd)
    exp = [th - lr * (g + wd * th) for th, g in each(P0, G)]  # θ − α(g + λθ)
    check(p, opt, exp, {}, step=8)


def test_sgd_momentum_dampening():
    lr, mu, tau, wd = 0.05, 0.9, 0.3, 0.02
    p, opt = make(optim.SGD, {"step": 3, "momentum_buffer": B0}, lr=lr, momentum=mu,
                  dampening=tau, weight_decay=wd)
    gs = [g + wd * th for th, g in each(P0, G)]
    buf = [mu * b + (1 - tau) * g for b, g in each(B0, gs)]  # b_t = μb + (1−τ)g
    exp = [th - lr * b for th, b in each(P0, buf)]
    check(p, opt, exp, {"momentum_buffer": buf}, step=4)


def test_sgd_momentum_first_step_copies_the_gradient():
    lr, mu, tau = 0.05, 0.9, 0.3
    p, opt = make(optim.SGD, {"step": 0, "momentum_buffer": [0.0] * 4}, lr=lr, momentum=mu,
                  dampening=tau)
    # b_1 = g_1 (no dampening on the first step, as in torch)
    check(p, opt, [th - lr * g for th, g in each(P0, G)], {"momentum_buffer": G}, step=1)


def test_sgd_nesterov():
    lr, mu = 0.05, 0.9
    p, opt = make(optim.SGD, {"step": 5, "momentum_buffer": B0}, via="state", lr=lr,
                  momentum=mu, nesterov=True)
    buf = [mu * b + g for b, g in each(B0, G)]
    exp = [th - lr * (g + mu * b) for th, g, b in each(P0, G, buf)]  # θ − α(g + μb_t)
    check(p, opt, exp, {"momentum_buffer": buf}, step=6)


def test_sgd_maximize_ascends():
    lr = 0.1
    p, opt = make(optim.SGD, {"step": 2}, lr=lr, maximize=True)
    check(p, opt, [th + lr * g for th, g in each(P0, G)], {}, step=3)


# ----------------------------------------------------------------------------- RMSprop
def test_rmsprop_plain():
    lr, a, eps = 0.01, 0.9, 1e-6
    p, opt = make(optim.RMSprop, {"step": 4, "square_avg": V0}, lr=lr, alpha=a, eps=eps)
    v = [a * v0 + (1 - a) * g * g for v0, g in each(V0, G)]
    exp = [th - lr * g / (math.sqrt(vv) + eps) for th, g, vv in each(P0, G, v)]
    check(p, opt, exp, {"square_avg": v}, step=5)


def test_rmsprop_centered():
    lr, a, eps = 0.01, 0.99, 1e-8
    gb0 = [0.2, -0.4, 1e-4, -0.6]  # ḡ² < v, as it is in a real run
    p, opt = make(optim.RMSprop, {"step": 9, "square_avg": V0, "grad_avg": gb0}, via="state",
                  lr=lr, alpha=a, eps=eps, centered=True)
    v = [a * v0 + (1 - a) * g * g for v0, g in each(V0, G)]
    gb = [a * m + (1 - a) * g for m, g in each(gb0, G)]
    d = [math.sqrt(vv - mm * mm) + eps for vv, mm in each(v, gb)]  # √(v − ḡ²) + ε
    exp = [th - lr * g / dd for th, g, dd in each(P0, G, d)]
    check(p, opt, exp, {"square_avg": v, "grad_avg": gb}, step=10)


def test_rmsprop_momentum_with_weight_decay():
    lr, a, eps, mu, wd = 0.01, 0.95, 1e-8, 0.8, 0.1
    p, opt = make(optim.RMSprop, {"step": 2, "square_avg": V0, "momentum_buffer": B0},
                  lr=lr, alpha=a, eps=eps, momentum=mu, weight_decay=wd)
    gs = [g + wd * th for th, g in each(P0, G)]
    v = [a * v0 + (1 - a) * g * g for v0, g in each(V0, gs)]
    # b_t = μb + g/d
    buf = [mu * b + g / (math.sqrt(vv) + eps) for b, g, vv in each(B0, gs, v)]
    exp = [th - lr * b for th, b in each(P0, buf)]
    check(p, opt, exp, {"square_avg": v, "momentum_buffer": buf}, step=3)


# ----------------------------------------------------------------------------- Adagrad
def test_adagrad_lr_decay():
    lr, eta, eps = 0.1, 0.05, 1e-10
    p, opt = make(optim.Adagrad, {"step": 5, "sum": V0}, lr=lr, lr_decay=eta, eps=eps)
    t = 6
    clr = lr / (1 + (t - 1) * eta)  # α_t = α/(1 + (t−1)η)
    s = [s0 + g * g for s0, g in each(V0, G)]
    exp = [th - clr * g / (math.sqrt(ss) + eps) for th, g, ss in each(P0, G, s)]
    check(p, opt, exp, {"sum": s}, step=6)


# -------------------------------------------------------------------------------- Adam
def adam_moments(b1, b2, gs=G):
    m = [b1 * m0 + (1 - b1) * g for m0, g in each(M0, gs)]
    v = [b2 * v0 + (1 - b2) * g * g for v0, g in each(V0, gs)]
    return m, v


def test_adam():
    lr, b1, b2, eps, t = 0.01, 0.9, 0.999, 1e-8, 4
    p, opt = make(optim.Adam, {"step": t - 1, "exp_avg": M0, "exp_avg_sq": V0}, lr=lr,
                  betas=(b1, b2), eps=eps)
    m, v = adam_moments(b1, b2)
    exp = [th - lr * (mm / (1 - b1**t)) / (math.sqrt(vv / (1 - b2**t)) + eps)  # α·m̂/(√v̂ + ε)
           for th, mm, vv in each(P0, m, v)]
    check(p, opt, exp, {"exp_avg": m, "exp_avg_sq": v}, step=t)


def test_adam_l2_weight_decay():
    lr, b1, b2, eps, wd, t = 0.01, 0.8, 0.99, 1e-3, 0.5, 11
    p, opt = make(optim.Adam, {"step": t - 1, "exp_avg": M0, "exp_avg_sq": V0}, lr=lr,
                  betas=(b1, b2), eps=eps, weight_decay=wd)
    gs = [g + wd * th for th, g in each(P0, G)]
    m, v = adam_moments(b1, b2, gs)
    exp = [th - lr * (mm / (1 - b1**t)) / (math.sqrt(vv / (1 - b2**t)) + eps)
           for th, mm, vv in each(P0, m, v)]
    check(p, opt, exp, {"exp_avg": m, "exp_avg_sq": v}, step=t)


def test_adam_amsgrad_uses_the_max_of_raw_v():
    lr, b1, b2, eps, t = 0.01, 0.9, 0.999, 1e-8, 3
    vmax0 = [0.1, 3.0, 1e-6, 1.0]  # above the new v in some entries, below in others
    p, opt = make(optim.Adam, {"step": t - 1, "exp_avg": M0, "exp_avg_sq": V0,
                               "max_exp_avg_sq": vmax0}, lr=lr, betas=(b1, b2), eps=eps,
                  amsgrad=True)
    m, v = adam_moments(b1, b2)
    vmax = [max(a, b) for a, b in each(vmax0, v)]
    assert any(a > b for a, b in each(vmax0, v))
    assert any(a < b for a, b in each(vmax0, v))
    exp = [th - lr * (mm / (1 - b1**t)) / (math.sqrt(vv / (1 - b2**t)) + eps)
           for th, mm, vv in each(P0, m, vmax)]
    check(p, opt, exp, {"exp_avg": m, "exp_avg_sq": v, "max_exp_avg_sq": vmax}, step=t)


def test_adam_eps_hat():
    # ε large enough that where it goes matters at this tolerance
    lr, b1, b2, eps, t = 0.01, 0.9, 0.999, 1e-2, 2
    p, opt = make(optim.Adam, {"step": t - 1, "exp_avg": M0, "exp_avg_sq": V0}, lr=lr,
                  betas=(b1, b2), eps=eps, eps_hat=True)
    m, v = adam_moments(b1, b2)
    lr_t = lr * math.sqrt(1 - b2**t) / (1 - b1**t)  # α_t = α√(1−β2^t)/(1−β1^t)
    exp = [th - lr_t * mm / (math.sqrt(vv) + eps) for th, mm, vv in each(P0, m, v)]
    torch_conv = [th - lr * (mm / (1 - b1**t)) / (math.sqrt(vv / (1 - b2**t)) + eps)
                  for th, mm, vv in each(P0, m, v)]
    assert not np.allclose(exp, torch_conv, rtol=1e-6)
    check(p, opt, exp, {"exp_avg": m, "exp_avg_sq": v}, step=t)


@pytest.mark.parametrize("cls", [optim.AdamW, "adam_flag"])
def test_adamw_decays_the_weights_before_the_step(cls):
    lr, b1, b2, eps, wd, t = 0.01, 0.9, 0.999, 1e-8, 0.3, 6
    state = {"step": t - 1, "exp_avg": M0, "exp_avg_sq": V0}
    kw = dict(lr=lr, betas=(b1, b2), eps=eps, weight_decay=wd)
    if cls == "adam_flag":
        p, opt = make(optim.Adam, state, decoupled_weight_decay=True, **kw)
    else:
        p, opt = make(cls, state, **kw)
    m, v = adam_moments(b1, b2)  # the gradient itself is not decayed
    exp = [th * (1 - lr * wd) - lr * (mm / (1 - b1**t)) / (math.sqrt(vv / (1 - b2**t)) + eps)
           for th, mm, vv in each(P0, m, v)]
    check(p, opt, exp, {"exp_avg": m, "exp_avg_sq": v}, step=t)


# ------------------------------------------------------------------------------- NAdam
def test_nadam():
    lr, b1, b2, eps, psi, k = 2e-3, 0.9, 0.999, 1e-8, 4e-3, 7

    def mu(i):
        return b1 * (1 - 0.5 * 0.96 ** (i * psi))  # μ_i = β1(1 − ½·0.96^(iψ))

    prod0 = math.prod(mu(i) for i in range(1, k + 1))  # the μ-product after k steps
    p, opt = make(optim.NAdam, {"step": k, "mu_product": prod0, "exp_avg": M0,
                                "exp_avg_sq": V0}, lr=lr, betas=(b1, b2), eps=eps,
                  momentum_decay=psi)
    t = k + 1
    prod = prod0 * mu(t)
    m, v = adam_moments(b1, b2)
    d = [math.sqrt(vv / (1 - b2**t)) + eps for vv in v]
    exp = [th - lr * (1 - mu(t)) / (1 - prod) * g / dd
           - lr * mu(t + 1) / (1 - prod * mu(t + 1)) * mm / dd
           for th, g, mm, dd in each(P0, G, m, d)]
    check(p, opt, exp, {"exp_avg": m, "exp_avg_sq": v}, step=t)
    assert opt.state[0]["mu_product"] == pytest.approx(prod, rel=RTOL)


# ------------------------------------------------------------------------------- RAdam
def rho(t, b2):
    rho_inf = 2 / (1 - b2) - 1
    return rho_inf, rho_inf - 2 * t * b2**t / (1 - b2**t)


def test_radam_threshold_is_first_passed_at_step_6():
    assert rho(5, 0.999)[1] <= 5 < rho(6, 0.999)[1]


@pytest.mark.parametrize("t", [1, 5, 6, 40])
def test_radam(t):
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
    p, opt = make(optim.RAdam, {"step": t - 1, "exp_avg": M0, "exp_avg_sq": V0}, lr=lr,
                  betas=(b1, b2), eps=eps)
    m, v = adam_moments(b1, b2)
    rho_inf, rho_t = rho(t, b2)
    mhat = [mm / (1 - b1**t) for mm in m]
    if rho_t > 5:
        r = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
        exp = [th - lr * mh * math.sqrt(1 - b2**t) / (math.sqrt(vv) + eps) * r
               for th, mh, vv in each(P0, mhat, v)]
    else:
        exp = [th - lr * mh for th, mh in each(P0, mhat)]  # un-adapted: momentum SGD
    check(p, opt, exp, {"exp_avg": m, "exp_avg_sq": v}, step=t)


# ------------------------------------------------------------------------------ Adamax
def test_adamax():
    lr, b1, b2, eps, t = 2e-3, 0.9, 0.99, 1e-8, 8
    u0 = [0.6, 1.0, 0.5, 2.0]  # β2·u0 wins in entries 0 and 2, |g| + ε in 1 and 3
    p, opt = make(optim.Adamax, {"step": t - 1, "exp_avg": M0, "exp_inf": u0}, lr=lr,
                  betas=(b1, b2), eps=eps)
    m = [b1 * m0 + (1 - b1) * g for m0, g in each(M0, G)]
    u = [max(b2 * uu, abs(g) + eps) for uu, g in each(u0, G)]  # u_t = max(β2u, |g| + ε)
    assert any(b2 * uu > abs(g) for uu, g in each(u0, G))
    assert any(b2 * uu < abs(g) for uu, g in each(u0, G))
    exp = [th - lr / (1 - b1**t) * mm / uu for th, mm, uu in each(P0, m, u)]
    check(p, opt, exp, {"exp_avg": m, "exp_inf": u}, step=t)
