"""Adam's successors whose references are not torch.optim (Lion, AdaBelief, LAMB, LARS, ADOPT,
AdEMAMix, Schedule-Free AdamW, Prodigy), against trajectories recorded from their references
by scripts/make_family_golden.py (lion_pytorch, adabelief_pytorch, optax, schedulefree,
prodigyopt), plus hand-computed steps, exact state round trips, float32 and bad input.

No reference is imported here: the golden file holds the gradient stream and the parameters
after steps 1, 5, 10, ..., 200 of every case; replayed through adamlab they must agree to a
relative 1e-10.
"""

from __future__ import annotations

import inspect
import json
import math
from pathlib import Path

import numpy as np
import pytest

from adamlab import optim
from adamlab.nn import MLP

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
META = json.loads((FIXTURES / "family_golden.json").read_text())
ARRAYS = np.load(FIXTURES / "family_golden.npz", allow_pickle=False)
CASES = {c["name"]: c for c in META["cases"]}
CLASSES = sorted({c["class"] for c in META["cases"]})


def split(flat: np.ndarray, dtype=np.float64) -> list[np.ndarray]:
    out, i = [], 0
    for shape in META["shapes"]:
        n = int(np.prod(shape))
        out.append(flat[i : i + n].reshape(shape).astype(dtype))
        i += n
    return out


def kwargs_of(case: dict) -> dict:
    kw = dict(case["kwargs"])
    if "betas" in kw:
        kw["betas"] = tuple(kw["betas"])
    return kw


def build(case: dict, params: list[np.ndarray]) -> optim.Optimizer:
    return getattr(optim, case["class"])(params, **kwargs_of(case))


def gradients(case: dict, t: int, params: list[np.ndarray]) -> list[np.ndarray]:
    """Step t's gradients: the recorded stream, or (Prodigy: ``feedback``) the gradient of
    ½·Σκ(θ − c)² at the current iterate plus 0.3 × the stream, as the script computed it."""
    noise = split(ARRAYS["grads"][t - 1], params[0].dtype)
    if case["class"] not in META["feedback"]:
        return noise
    kappa = split(ARRAYS["kappa"], params[0].dtype)
    center = split(ARRAYS["center"], params[0].dtype)
    return [k * (p - c) + 0.3 * g for p, g, k, c in zip(params, noise, kappa, center,
                                                           strict=True)]


def replay(case: dict, opt: optim.Optimizer, params, steps=None, start=0, evals=None):
    """Feed the recorded gradients (steps start+1 .. steps); yield (t, flat params) when the
    golden file holds step t. Schedule-Free goes through eval()/train() at ``eval_at``, as the
    script did (each switch rounds)."""
    recorded = set(META["recorded_steps"])
    for t in range(start + 1, (steps or META["steps"]) + 1):
        opt.step(gradients(case, t, params))
        if case["class"] == "ScheduleFreeAdamW" and t in META["eval_at"]:
            opt.eval()  # the evaluation weights x, as the reference's eval() leaves them
            if evals is not None:
                evals.append(np.concatenate([p.ravel() for p in params]))
            opt.train()
        if t in recorded:
            yield t, np.concatenate([p.ravel() for p in params])


def golden(case: dict, t: int) -> np.ndarray:
    return ARRAYS[f"{case['name']}.params"][META["recorded_steps"].index(t)]


# ------------------------------------------------------------------------ golden trajectories
@pytest.mark.parametrize("name", list(CASES))
def test_matches_the_reference_step_for_step(name):
    case = CASES[name]
    params = split(ARRAYS["init"])
    opt = build(case, params)
    evals = []
    n = 0
    for t, got in replay(case, opt, params, evals=evals):
        np.testing.assert_allclose(got, golden(case, t), rtol=1e-10, atol=1e-13,
                                   err_msg=f"{name}: step {t}")
        if case["class"] == "Prodigy":  # the learning rate it found, step by step
            d = ARRAYS[f"{name}.d"][META["recorded_steps"].index(t)]
            np.testing.assert_allclose(opt.param_groups[0]["d"], d, rtol=1e-10,
                                       err_msg=f"{name}: d at step {t}")
        n += 1
    assert n == len(META["recorded_steps"]) and META["steps"] >= 200
    if evals:
        np.testing.assert_allclose(np.array(evals), ARRAYS[f"{name}.eval"], rtol=1e-10,
                                   atol=1e-13, err_msg=f"{name}: eval() weights")


def test_the_golden_data_covers_every_class_and_flag():
    assert set(CLASSES) == {"Lion", "AdaBelief", "LAMB", "LARS", "ADOPT", "AdEMAMix",
                            "ScheduleFreeAdamW", "Prodigy"}
    flags = {(c["class"], k) for c in META["cases"] for k, v in c["kwargs"].items()
             if k != "lr" and v != _default(c["class"], k)}
    want = {("Lion", "weight_decay"), ("Lion", "decoupled_weight_decay"),
            ("AdaBelief", "amsgrad"), ("AdaBelief", "rectify"), ("AdaBelief", "weight_decouple"),
            ("AdaBelief", "fixed_decay"), ("AdaBelief", "degenerated_to_sgd"),
            ("LAMB", "weight_decay"), ("LAMB", "eps_root"),
            ("LARS", "nesterov"), ("LARS", "momentum"), ("LARS", "trust_coefficient"),
            ("LARS", "weight_decay"), ("LARS", "eps"),
            ("ADOPT", "use_clipping"), ("ADOPT", "nesterov"), ("ADOPT", "weight_decay"),
            ("ADOPT", "decoupled_weight_decay"),
            ("AdEMAMix", "alpha"), ("AdEMAMix", "betas"), ("AdEMAMix", "weight_decay")}
    want |= {("ScheduleFreeAdamW", k) for k in ("warmup_steps", "weight_decay", "r",
                                              "weight_lr_power", "betas", "eps")}
    want |= {("Prodigy", k) for k in ("use_bias_correction", "safeguard_warmup", "weight_decay",
                                      "decouple", "d0", "betas", "beta3", "growth_rate",
                                      "d_coef", "slice_p")}
    assert want <= flags, want - flags
    assert META["optax_lion_vs_lion_pytorch"] < 1e-10  # optax.lion agrees with lion_pytorch


def _default(cls: str, arg: str):
    value = inspect.signature(getattr(optim, cls)).parameters[arg].default
    return list(value) if isinstance(value, tuple) else value


def test_the_weights_and_biases_in_two_groups_step_as_in_one():
    """The golden runs use one group; split into weight and bias groups, not a bit changes
    (Prodigy's d is the group's: next test)."""
    for case in (c for c in CASES.values() if c["class"] != "Prodigy"):
        a, b = split(ARRAYS["init"]), split(ARRAYS["init"])
        one = build(case, a)
        two = getattr(optim, case["class"])([{"params": [b[0]]}, {"params": [b[1]]}],
                                            **kwargs_of(case))
        for _ in zip(replay(case, one, a, steps=20), replay(case, two, b, steps=20),
                     strict=True):
            pass
        assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True)), case["name"]


def test_prodigy_estimates_d_per_group():
    """Each group is a Prodigy of its own (prodigyopt shares one d over all groups: see the
    class docstring); one group is the reference exactly (the golden runs)."""
    case = CASES["prodigy_decoupled"]
    a, b = split(ARRAYS["init"]), split(ARRAYS["init"])
    two = optim.Prodigy([{"params": [a[0]]}, {"params": [a[1]], "d0": 1e-3}],
                        **kwargs_of(case))
    alone = optim.Prodigy([b[1]], **{**kwargs_of(case), "d0": 1e-3})
    for t in range(1, 31):
        grads = gradients(case, t, a)
        two.step(grads)
        alone.step([gradients(case, t, [b[0], b[1]])[1]])
    assert np.array_equal(a[1], b[1])
    assert two.param_groups[1]["d"] == alone.param_groups[0]["d"]
    assert two.param_groups[0]["d"] != two.param_groups[1]["d"]


REGISTERED = {"lion": "Lion", "adabelief": "AdaBelief", "lamb": "LAMB", "lars": "LARS",
              "adopt": "ADOPT", "ademamix": "AdEMAMix", "schedulefree": "ScheduleFreeAdamW",
              "prodigy": "Prodigy"}


@pytest.mark.parametrize("name", [*REGISTERED, "cautious-lion"])
def test_a_model_s_views_step_like_separate_arrays(name):
    """Over an MLP's parameter views (adjacent in one buffer: an elementwise optimizer steps
    them as one flat run) the numbers are those of separate copies stepped one by one; the
    per-tensor ones (LAMB, LARS, cautious Lion) are not merged, so each keeps its own norm."""
    kw = {"cautious": True} if name == "cautious-lion" else {}
    name = name.replace("cautious-", "")
    assert optim.OPTIMIZERS[name].cls.__name__ == REGISTERED[name]
    m = MLP(3, (5, 4), 2, activation="tanh", output="softmax", rng=0)
    opt = optim.build_optimizer(name, m.named_parameters(), decay_biases=True, **kw)
    apart = [p.copy() for p in opt.params]
    ref = optim.make_optimizer(name, apart, **kw)
    views = m.gradients_for(opt.params)
    rng = np.random.default_rng(3)
    for _ in range(25):
        m.grads[...] = rng.standard_normal(m.grads.shape)
        opt.step(views)
        ref.step([g.copy() for g in views])
    # merged: the views' state arrays are views of one buffer (adjacent parameters, one run)
    a, b = (next(v for v in st.values() if isinstance(v, np.ndarray)) for st in opt.state[:2])
    merged = a.base is not None and a.base is b.base
    assert merged == (name not in ("lamb", "lars") and not kw)
    if name == "schedulefree":
        opt.eval()
        ref.eval()
    for p, q in zip(opt.params, apart, strict=True):
        if name == "prodigy":  # d sums over the group: another order of the same terms
            np.testing.assert_allclose(p, q, rtol=1e-12, atol=1e-15)
        else:
            np.testing.assert_array_equal(p, q)


# --------------------------------------------------------------------- hand-computed steps
THETA = np.array([1.0, -2.0, 0.5, 3.0])
G1 = np.array([0.5, -1.0, 2.0, -0.25])
G2 = np.array([-1.0, 0.5, 1.0, 2.0])


def one_step(cls, g=G1, theta=THETA, **kw):
    p = theta.copy()
    cls([p], **kw).step([g])
    return p


def test_lion_first_step_is_a_sign_step_after_decay():
    # m_0 = 0: c_1 = (1 − β1)·g, sign(c_1) = sign(g); θ_1 = θ_0·(1 − α·λ) − α·sign(g)
    p = one_step(optim.Lion, lr=0.1, weight_decay=0.5)
    np.testing.assert_allclose(p, THETA * (1 - 0.1 * 0.5) - 0.1 * np.sign(G1), rtol=1e-15)
    # decoupled_weight_decay: λ/α₀ — with the built lr α₀ = 0.1, θ·(1 − λ)
    p = one_step(optim.Lion, lr=0.1, weight_decay=0.5, decoupled_weight_decay=True)
    np.testing.assert_allclose(p, THETA * 0.5 - 0.1 * np.sign(G1), rtol=1e-15)


def test_lion_second_step_interpolates_with_the_momentum():
    p = THETA.copy()
    opt = optim.Lion([p], lr=0.1, betas=(0.9, 0.99))
    opt.step([G1])
    opt.step([G2])
    m1 = 0.01 * G1  # m_1 = (1 − β2)·g_1
    c2 = 0.9 * m1 + 0.1 * G2  # c_2 = β1·m_1 + (1 − β1)·g_2
    np.testing.assert_allclose(p, THETA - 0.1 * np.sign(G1) - 0.1 * np.sign(c2), rtol=1e-15)
    np.testing.assert_allclose(opt.state[0]["exp_avg"], 0.99 * m1 + 0.01 * G2, rtol=1e-15)


def test_cautious_lion_masks_disagreeing_coordinates_by_the_papers_rule():
    """C-Lion (Liang et al. 2024): φ = 1[u ⊙ g > 0], u ← u ⊙ φ·n/(nnz + 1), per tensor."""
    p = THETA.copy()
    opt = optim.Lion([p], lr=0.1, betas=(0.5, 0.99), cautious=True)
    opt.step([G1])  # m_0 = 0: u = sign(g) agrees everywhere: nnz = 4, scale 4/5
    after1 = THETA - 0.1 * np.sign(G1) * 4 / 5
    np.testing.assert_allclose(p, after1, rtol=1e-15)
    p1 = p.copy()
    # m_1 = (1 − β2)·g_1 = [0.005, −0.01, 0.02, −0.0025];
    # coordinates 0 and 3: the momentum outweighs a small opposite gradient in c = ½m + ½g, so
    # u = sign(c) = [+, +, −, −] disagrees with g = [−, +, −, +] there: φ = [0, 1, 1, 0]
    g2 = np.array([-1e-4, 0.5, -1.0, 1e-4])
    u = np.array([1.0, 1.0, -1.0, -1.0])
    phi = np.array([0.0, 1.0, 1.0, 0.0])
    opt.step([g2])
    np.testing.assert_allclose(p, after1 - 0.1 * u * phi * 4 / (2 + 1), rtol=1e-15)
    np.testing.assert_array_equal(p[[0, 3]], p1[[0, 3]])  # the masked ones did not move


def test_cautious_masks_each_tensor_by_its_own_count():
    w, b = np.ones((2, 2)), np.ones(3)
    opt = optim.Lion([w, b], lr=1.0, cautious=True)
    opt.step([np.array([[1.0, -1.0], [1.0, 1.0]]), np.ones(3)])
    # first step: u = sign(g) agrees everywhere; w: n = 4, nnz = 4 -> 4/5; b: 3/4
    np.testing.assert_allclose(w, 1 - np.array([[1.0, -1.0], [1.0, 1.0]]) * 4 / 5, rtol=1e-15)
    np.testing.assert_allclose(b, 1 - 3 / 4, rtol=1e-15)


def test_cautious_views_of_one_buffer_are_still_masked_tensor_by_tensor():
    """Adjacent views (an MLP's layout) are merged into one flat run only when elementwise:
    a cautious group is not, so each view keeps its own count."""
    buf = np.ones(7)
    w, b = buf[:4].reshape(2, 2), buf[4:]
    opt = optim.Lion([w, b], lr=1.0, cautious=True)
    gbuf = np.ones(7)
    opt.step([gbuf[:4].reshape(2, 2), gbuf[4:]])
    np.testing.assert_allclose(buf, [1 - 4 / 5] * 4 + [1 - 3 / 4] * 3, rtol=1e-15)


def test_adabelief_rectified_first_step_is_sgd_with_momentum():
    # ρ_1 = ρ_∞ − 2β2/(1 − β2) = 1 < 5: θ_1 = θ_0 − α/(1 − β1)·m_1 = θ_0 − α·g
    p = one_step(optim.AdaBelief, lr=0.1)
    np.testing.assert_allclose(p, THETA - 0.1 * G1, rtol=1e-14)
    p = one_step(optim.AdaBelief, lr=0.1, degenerated_to_sgd=False)
    np.testing.assert_array_equal(p, THETA)


def test_adabelief_plain_first_step_by_hand():
    lr, b1, b2, eps = 0.1, 0.9, 0.999, 1e-16
    p = one_step(optim.AdaBelief, lr=lr, rectify=False, weight_decay=0.5)
    m = (1 - b1) * G1
    s = (1 - b2) * (G1 - m) ** 2 + eps  # ε enters the state
    decayed = THETA * (1 - lr * 0.5)  # weight_decouple=True: θ·(1 − αλ) first
    expect = decayed - lr / (1 - b1) * m / (np.sqrt(s) / math.sqrt(1 - b2) + eps)
    np.testing.assert_allclose(p, expect, rtol=1e-14)


def test_adabelief_rectified_step_once_rho_reaches_5():
    """With β2 = 0.5, ρ_∞ = 3 < 5 never; with β2 = 0.9, ρ_t ≥ 5 from t = 6 (the rectified
    step with r_t, no √(1 − β2^t) in the denominator)."""
    lr, b1, b2 = 0.01, 0.9, 0.9
    p = THETA.copy()
    opt = optim.AdaBelief([p], lr=lr, betas=(b1, b2), eps=1e-8)
    m, s, theta = np.zeros(4), np.zeros(4), THETA.copy()
    rho_inf = 2 / (1 - b2) - 1
    for t in range(1, 9):
        g = G1 if t % 2 else G2
        opt.step([g])
        m = b1 * m + (1 - b1) * g
        s = b2 * s + (1 - b2) * (g - m) ** 2 + 1e-8
        rho = rho_inf - 2 * t * b2**t / (1 - b2**t)
        if rho >= 5:
            r = math.sqrt((1 - b2**t) * (rho - 4) / (rho_inf - 4) * (rho - 2) / rho * rho_inf
                          / (rho_inf - 2))
            theta = theta - lr * r / (1 - b1**t) * m / (np.sqrt(s) + 1e-8)
        else:
            theta = theta - lr / (1 - b1**t) * m
        np.testing.assert_allclose(p, theta, rtol=1e-12, err_msg=f"step {t}")
    assert rho_inf - 2 * 8 * b2**8 / (1 - b2**8) >= 5  # the rectified branch was reached


def test_lamb_first_step_by_hand():
    W = np.array([[1.0, -2.0], [0.5, 3.0]])
    g = np.array([[0.5, -1.0], [2.0, -0.25]])
    p = W.copy()
    optim.LAMB([p], lr=0.1, weight_decay=0.1).step([g])
    u = g / (np.abs(g) + 1e-6) + 0.1 * W  # m̂ = g, v̂ = g²: u = g/(|g| + ε) + λθ
    r = np.linalg.norm(W) / np.linalg.norm(u)  # per-tensor trust ratio
    np.testing.assert_allclose(p, W - 0.1 * r * u, rtol=1e-14)


def test_lars_first_steps_by_hand():
    p = THETA.copy()
    opt = optim.LARS([p], lr=2.0, momentum=0.5, trust_coefficient=0.01)
    opt.step([G1])
    u1 = -2.0 * 0.01 * np.linalg.norm(THETA) / np.linalg.norm(G1) * G1
    np.testing.assert_allclose(p, THETA + u1, rtol=1e-14)
    theta1 = p.copy()
    opt.step([G2])
    u2 = -2.0 * 0.01 * np.linalg.norm(theta1) / np.linalg.norm(G2) * G2
    np.testing.assert_allclose(p, theta1 + u2 + 0.5 * u1, rtol=1e-14)  # b_2 = u_2 + μ·b_1


def test_trust_ratio_is_one_at_a_zero_tensor():
    p = np.zeros(3)
    optim.LARS([p], lr=1.0, momentum=0.0).step([np.array([1.0, -2.0, 0.5])])
    np.testing.assert_allclose(p, [-1.0, 2.0, -0.5], rtol=1e-15)  # r = 1, not 0


def test_adopt_first_step_only_seeds_v_and_the_second_is_clipped():
    p = THETA.copy()
    opt = optim.ADOPT([p], lr=0.1)
    opt.step([G1])
    np.testing.assert_array_equal(p, THETA)
    np.testing.assert_array_equal(opt.state[0]["nu"], G1**2)
    g2 = np.array([-1.0, 0.5, 10.0, 2.0])
    opt.step([g2])
    x = np.clip(g2 / np.maximum(np.abs(G1), 1e-6), -1.0, 1.0)  # clip ±c^{1/4} = ±1 at c = 1
    np.testing.assert_allclose(p, THETA - 0.1 * (1 - 0.9) * x, rtol=1e-15)
    np.testing.assert_allclose(opt.state[0]["nu"], 0.0001 * g2**2 + 0.9999 * G1**2, rtol=1e-15)


def test_adopt_unclipped_and_nesterov_second_step():
    p = THETA.copy()
    opt = optim.ADOPT([p], lr=0.1, use_clipping=False, nesterov=True)
    opt.step([G1])
    opt.step([G2])
    x = G2 / np.abs(G1)
    m = 0.1 * x
    np.testing.assert_allclose(p, THETA - 0.1 * (0.1 * x + 0.9 * m), rtol=1e-15)


def test_ademamix_first_step_by_hand():
    lr, alpha, b3 = 0.1, 5.0, 0.9999
    p = one_step(optim.AdEMAMix, lr=lr, weight_decay=0.5)
    # m̂1 = g, m2 = (1 − β3)·g (not bias-corrected), ν̂ = g²
    u = (G1 + alpha * (1 - b3) * G1) / (np.abs(G1) + 1e-8) + 0.5 * THETA
    np.testing.assert_allclose(p, THETA - lr * u, rtol=1e-14)


def test_schedulefree_first_two_steps_and_the_average_x_by_hand():
    lr, b1, b2, eps = 0.1, 0.9, 0.999, 1e-8
    p = THETA.copy()
    opt = optim.ScheduleFreeAdamW([p], lr=lr)
    opt.step([G1])
    # k = 0: c = w/Σw = 1, so y ← z = θ₀, then y = z = θ₀ − α·g/(|g| + ε) (v̂ = g²)
    u1 = G1 / (np.abs(G1) + eps)
    np.testing.assert_allclose(p, THETA - lr * u1, rtol=1e-15)
    np.testing.assert_allclose(opt.state[0]["z"], THETA - lr * u1, rtol=1e-15)
    theta1 = p.copy()
    opt.step([G2])
    # k = 1: c = ½; v = β2·v + (1 − β2)·g², v̂ = v/(1 − β2²)
    v = b2 * (1 - b2) * G1**2 + (1 - b2) * G2**2
    u2 = G2 / (np.sqrt(v / (1 - b2**2)) + eps)
    np.testing.assert_allclose(p, theta1 + lr * (b1 / 2 - 1) * u2, rtol=1e-14)
    z2 = theta1 - lr * u2
    opt.eval()  # x is the average of the z's: (z₁ + z₂)/2
    np.testing.assert_allclose(p, (theta1 + z2) / 2, rtol=1e-14)
    assert opt.param_groups[0]["k"] == 2 and opt.param_groups[0]["weight_sum"] == 2 * lr**2
    with pytest.raises(ValueError, match=r"eval mode.*call train\(\) before step\(\)"):
        opt.step([G1])
    opt.train()
    np.testing.assert_allclose(p, theta1 + lr * (b1 / 2 - 1) * u2, rtol=1e-14)


def test_schedulefree_warmup_scales_the_first_steps():
    p = one_step(optim.ScheduleFreeAdamW, lr=0.1, warmup_steps=4)
    np.testing.assert_allclose(p, THETA - 0.1 / 4 * G1 / (np.abs(G1) + 1e-8), rtol=1e-15)


def test_eval_and_train_before_the_first_step_leave_the_parameters():
    p = THETA.copy()
    opt = optim.ScheduleFreeAdamW([p])
    opt.eval()
    opt.train()
    np.testing.assert_array_equal(p, THETA)


def test_prodigy_first_two_steps_and_its_estimate_by_hand():
    d0, b1, b2, eps = 1e-6, 0.9, 0.999, 1e-8
    b3 = math.sqrt(b2)
    p = THETA.copy()
    opt = optim.Prodigy([p])
    opt.step([G1])
    # k = 0: θ₀ − θ = 0, so r = 0, d̂ = 0 and d stays d₀; γ = d₀
    m1, v1, s1 = d0 * (1 - b1) * G1, d0**2 * (1 - b2) * G1**2, d0 * G1
    np.testing.assert_allclose(p, THETA - d0 * m1 / (np.sqrt(v1) + d0 * eps), rtol=1e-14)
    assert opt.param_groups[0]["d"] == d0
    theta1 = p.copy()
    g2 = G1 * np.array([1.0, 2.0, 0.5, 1.0])  # along g₁: the first step went downhill
    opt.step([g2])
    r = d0 * g2 @ (THETA - theta1)  # (d/d₀)·γ·⟨g, θ₀ − θ⟩
    s2 = b3 * s1 + d0 * g2
    d_hat = r / np.sum(np.abs(s2))
    d = max(d0, d_hat)
    np.testing.assert_allclose(opt.param_groups[0]["d_hat"], d_hat, rtol=1e-12)
    np.testing.assert_allclose(opt.param_groups[0]["d"], d, rtol=1e-12)
    assert d > 1.5 * d0  # the estimate grew (d̂ > d₀)
    m2 = b1 * m1 + d0 * (1 - b1) * g2  # the moments took the step's d (d₀)
    v2 = b2 * v1 + d0**2 * (1 - b2) * g2**2
    np.testing.assert_allclose(p, theta1 - d0 * m2 / (np.sqrt(v2) + d * eps), rtol=1e-12)


def test_prodigy_growth_rate_inf_is_none_no_limit():
    a, b = THETA.copy(), THETA.copy()
    inf = optim.Prodigy([a], growth_rate=math.inf)
    none = optim.Prodigy([{"params": [b], "growth_rate": math.inf}])
    assert inf.param_groups[0]["growth_rate"] is None is none.param_groups[0]["growth_rate"]
    for g in (G1, G1, G2, G1):
        inf.step([g])
        none.step([g])
    assert np.array_equal(a, b) and inf.param_groups[0]["d"] > 1e-6


def test_prodigy_waits_while_every_gradient_is_zero():
    p = THETA.copy()
    opt = optim.Prodigy([p])
    opt.step([np.zeros(4)])
    np.testing.assert_array_equal(p, THETA)
    assert opt.state[0]["step"] == 0 and opt.param_groups[0]["k"] == 0  # as prodigyopt returns


# ------------------------------------------------------------------- state, dtypes, inputs
@pytest.mark.parametrize("name", list(CASES))
def test_state_dict_round_trip_is_bit_for_bit(name):
    case = CASES[name]
    straight = split(ARRAYS["init"])
    opt = build(case, straight)
    for _ in replay(case, opt, straight, steps=30):
        pass
    first = split(ARRAYS["init"])
    opt1 = build(case, first)
    for _ in replay(case, opt1, first, steps=13):
        pass
    saved = opt1.state_dict()
    resumed = [p.copy() for p in first]
    opt2 = build(case, resumed)
    opt2.load_state_dict(saved)
    for _ in replay(case, opt2, resumed, steps=30, start=13):
        pass
    for a, b in zip(straight, resumed, strict=True):
        assert np.array_equal(a, b)


@pytest.mark.parametrize("name", list(CASES))
def test_float32_keeps_its_dtype_and_follows_float64(name):
    case = CASES[name]
    p32 = split(ARRAYS["init"], np.float32)
    opt = build(case, p32)
    for _ in replay(case, opt, p32, steps=40):
        pass
    for p, s in zip(p32, opt.state, strict=True):
        assert p.dtype == np.float32
        assert all(v.dtype == np.float32 for v in s.values() if isinstance(v, np.ndarray))
    # against float64 from the same (float32) start: 40 steps of float32 rounding
    p64 = split(ARRAYS["init"].astype(np.float32).astype(np.float64))
    opt64 = build(case, p64)
    for _ in replay(case, opt64, p64, steps=40):
        pass
    if case["class"] == "Prodigy":
        # while d ≈ d₀ the steps are ~1e-6 and θ₀ − θ cancels in float32: its estimate of d
        # takes another path (prodigyopt in float32 alike); d and θ agree to a few %
        d32, d64 = opt.param_groups[0]["d"], opt64.param_groups[0]["d"]
        assert abs(d32 - d64) < 0.05 * d64
        for a, b in zip(p32, p64, strict=True):
            np.testing.assert_allclose(a, b, rtol=0.1, atol=0.1)
        return
    for a, b in zip(p32, p64, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


# f(θ) = ½·Σ κ_i·(θ_i − c_i)², κ from 1 to 20: each optimizer at its own rate (linearly decayed
# to 0 for the fixed-length steps of Lion, LAMB and LARS), to 1e-3 of the minimum.
KAPPA = np.array([[1.0, 5.0, 20.0], [2.0, 10.0, 3.0]])
CENTER = np.array([[0.5, -1.0, 2.0], [1.5, -0.5, 1.0]])
# AdEMAMix's slow momentum (β3 = 0.9999) remembers the start for ~10⁴ steps: β3 = 0.99 here.
CONVERGE = {"Lion": (0.05, 2000, True, {}), "AdaBelief": (0.05, 1000, False, {}),
            "LAMB": (0.05, 1000, True, {}), "LARS": (2.0, 1000, True, {}),
            "ADOPT": (0.05, 1000, False, {}),
            "AdEMAMix": (0.05, 1000, False, {"betas": (0.9, 0.999, 0.99)}),
            "ScheduleFreeAdamW": (0.1, 1000, False, {}), "Prodigy": (1.0, 500, False, {})}


@pytest.mark.parametrize("cls", CLASSES)
def test_converges_on_a_small_quadratic(cls):
    lr, steps, decayed, kwargs = CONVERGE[cls]
    p = np.full((2, 3), 3.0)
    opt = getattr(optim, cls)([p], lr=lr, **kwargs)
    for t in range(steps):
        if decayed:
            opt.param_groups[0]["lr"] = lr * (1 - t / steps)
        opt.step([KAPPA * (p - CENTER)])
    opt.eval()  # Schedule-Free: the average x is what converges
    assert np.max(np.abs(p - CENTER)) < 1e-3, cls


@pytest.mark.parametrize("cls", CLASSES)
def test_maximize_is_descent_on_the_negated_gradient(cls):
    a, b = split(ARRAYS["init"]), split(ARRAYS["init"])
    up = getattr(optim, cls)(a, maximize=True, weight_decay=0.01)
    down = getattr(optim, cls)(b, weight_decay=0.01)
    for t in range(1, 21):
        g = split(ARRAYS["grads"][t - 1])
        up.step(g)
        down.step([-x for x in g])
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


@pytest.mark.parametrize("cls", CLASSES)
def test_previous_receives_the_parameters_before_the_step(cls):
    params = split(ARRAYS["init"])
    opt = getattr(optim, cls)(params)
    for t in (1, 2, 3):
        before = [p.copy() for p in params]
        previous = [np.full_like(p, np.nan) for p in params]
        opt.step(split(ARRAYS["grads"][t - 1]), previous)
        assert all(np.array_equal(x, y) for x, y in zip(previous, before, strict=True))
    zero = [np.zeros_like(p) for p in params]
    previous = [np.full_like(p, np.nan) for p in params]
    optim.Prodigy(params).step(zero, previous)  # its early return (no gradient yet) as well
    assert all(np.array_equal(x, y) for x, y in zip(previous, params, strict=True))


BAD = [
    (optim.Lion, {"lr": -1.0}, r"lr must be a finite number >= 0"),
    (optim.Lion, {"betas": (0.9, 1.0)}, r"betas\[1\] must be a finite number in \[0.0, 1.0\)"),
    (optim.Lion, {"weight_decay": math.nan}, r"weight_decay must be a finite number"),
    (optim.Lion, {"lr": 0.0, "weight_decay": 0.1, "decoupled_weight_decay": True},
     r"lr must be a finite number > 0.*divides weight_decay by the initial lr"),
    (optim.AdaBelief, {"eps": 0.0}, r"eps must be a finite number > 0"),
    (optim.AdaBelief, {"betas": (math.inf, 0.9)}, r"betas\[0\]"),
    (optim.LAMB, {"eps_root": -1e-3}, r"eps_root must be a finite number >= 0"),
    (optim.LARS, {"trust_coefficient": 0.0}, r"trust_coefficient must be a finite number > 0"),
    (optim.LARS, {"momentum": 1.0}, r"momentum must be a finite number in \[0.0, 1.0\)"),
    (optim.LARS, {"eps": -1.0}, r"eps must be a finite number >= 0"),
    (optim.ADOPT, {"betas": (0.9, -0.1)}, r"betas\[1\]"),
    (optim.AdEMAMix, {"betas": (0.9, 0.999)}, r"betas must be a triple \(beta1, beta2, beta3\)"),
    (optim.AdEMAMix, {"betas": (0.9, 0.999, 1.0)}, r"betas\[2\] must be a finite number in"),
    (optim.AdEMAMix, {"alpha": -1.0}, r"alpha must be a finite number >= 0"),
    (optim.AdEMAMix, {"alpha": math.inf}, r"alpha must be a finite number"),
    (optim.ScheduleFreeAdamW, {"warmup_steps": -1}, r"warmup_steps must be an integer >= 0"),
    (optim.ScheduleFreeAdamW, {"warmup_steps": 2.5}, r"warmup_steps must be an integer"),
    (optim.ScheduleFreeAdamW, {"r": math.nan}, r"r must be a finite number"),
    (optim.ScheduleFreeAdamW, {"weight_lr_power": -1.0}, r"weight_lr_power must be a finite"),
    (optim.ScheduleFreeAdamW, {"betas": (0.0, 0.999)}, r"betas\[0\] must be > 0"),
    (optim.Prodigy, {"d0": 0.0}, r"d0 must be a finite number > 0"),
    (optim.Prodigy, {"d_coef": math.inf}, r"d_coef must be a finite number > 0"),
    (optim.Prodigy, {"beta3": 1.0}, r"beta3 must be a finite number in \[0.0, 1.0\).*None"),
    (optim.Prodigy, {"growth_rate": math.nan}, r"growth_rate must be a finite number > 0"),
    (optim.Prodigy, {"growth_rate": 0.0}, r"growth_rate must be a finite number > 0.*None"),
    (optim.Prodigy, {"slice_p": 0}, r"slice_p must be an integer >= 1"),
    (optim.Prodigy, {"lr": -1.0}, r"lr must be a finite number >= 0"),
]


@pytest.mark.parametrize("cls, kwargs, match", BAD,
                         ids=[f"{c.__name__}-{next(iter(k))}" for c, k, _ in BAD])
def test_bad_hyperparameters_raise_naming_the_parameter(cls, kwargs, match):
    with pytest.raises(ValueError, match=match):
        cls([np.zeros(3)], **kwargs)


def test_a_bad_group_hyperparameter_names_its_group():
    with pytest.raises(ValueError, match=r"LARS \(group 1\): momentum must be"):
        optim.LARS([{"params": [np.zeros(2)]}, {"params": [np.zeros(2)], "momentum": 2.0}])


def test_lars_accepts_eps_zero_and_alpha_above_one_is_ademamix_s_default():
    optim.LARS([np.zeros(2)], eps=0.0).step([np.zeros(2)])
    assert optim.AdEMAMix([np.zeros(2)]).defaults["alpha"] == 5.0
