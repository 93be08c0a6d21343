"""Each optimizer's declared internals against an independent computation: a hand count from
the recorded gradients and steps, the optimizer's own state or eval(), np.linalg.svd of the
update, the paper's formula, the factors rebuilt from the row and column state."""

import copy
import math

import numpy as np
import pytest

from adamlab.optim import Adafactor, AdEMAMix, Lion, Muon, Prodigy, ScheduleFreeAdamW

SHAPES = [(5, 7), (7,)]


def run(opt_cls, steps=30, seed=0, shapes=SHAPES, **kw):
    """Step ``opt_cls`` over noisy gradients of a drifting quadratic; after every step yield
    (optimizer, grads, previous params, internals), ``memory`` kept across steps."""
    rng = np.random.default_rng(seed)
    params = [rng.normal(size=s) for s in shapes]
    opt = opt_cls(params, **kw)
    memory = {}
    for _ in range(steps):
        grads = [p + 0.5 * rng.normal(size=p.shape) for p in params]
        previous = [p.copy() for p in params]
        opt.step(grads)
        yield opt, grads, previous, opt.internals(grads, previous, memory)


def test_lion_agreement_is_a_hand_count_of_the_recorded_signs():
    lr = 1e-2
    for opt, grads, previous, got in run(Lion, lr=lr):
        steps = [p - q for p, q in zip(opt.params, previous, strict=True)]  # Δθ = −α·u
        agree = sum(int(np.sum(np.sign(-d) == np.sign(g))) for d, g in zip(steps, grads,
                                                                           strict=True))
        n = sum(g.size for g in grads)
        assert got["agreement"] == agree / n
        assert got["nonzero"] == 1.0
        for u, d in zip(got["update"], steps, strict=True):
            np.testing.assert_array_equal(u, np.sign(-d))


def test_lion_update_with_weight_decay_is_still_the_sign():
    for opt, _, previous, got in run(Lion, lr=1e-2, weight_decay=0.5):
        for u, p, q in zip(got["update"], opt.params, previous, strict=True):
            decayed = q * (1 - 1e-2 * 0.5)
            np.testing.assert_allclose(decayed - 1e-2 * u, p, rtol=0, atol=1e-15)
            assert set(np.unique(np.abs(u))) <= {1.0}


@pytest.mark.parametrize("kw", [{}, {"use_bias_correction": True}])
def test_prodigy_d_is_the_optimizers_own(kw):
    beta1, beta2 = 0.9, 0.999
    for opt, _, _, got in run(Prodigy, steps=40, **kw):
        g0 = opt.param_groups[0]
        assert got["d"] == g0["d"]
        assert got["d_hat"] == g0["d_hat"]
        k = g0["k"]
        rho = math.sqrt(1 - beta2 ** (k + 1)) / (1 - beta1 ** (k + 1)) if kw else 1.0
        assert got["d_lr"] == pytest.approx(g0["d"] * 1.0 * rho, rel=1e-15)
    assert got["d"] > 1e-6  # it grew from d0


def test_muon_singular_values_after_newton_schulz_are_those_of_the_update():
    """With no weight decay the step is −α'·O_t, α' = α·√max(1, A/B) for an (A, B) matrix;
    the matrix traced is the one with the most singular values (here the second)."""
    lr, shape = 0.02, (6, 4)
    for opt, _, previous, got in run(Muon, shapes=[(2, 5), shape], lr=lr, weight_decay=0.0):
        update = (previous[1] - opt.params[1]) / (lr * math.sqrt(max(1, shape[0] / shape[1])))
        sv = np.linalg.svd(update, compute_uv=False)
        np.testing.assert_allclose(got["sv_after"], sv[:len(got["sv_after"])], rtol=1e-9)
        assert len(got["sv_after"]) == min(shape)
        assert np.all(got["sv_before"] <= 1 + 1e-12)  # σ of M/‖M‖_F
        assert np.all((got["sv_after"] > 0.5) & (got["sv_after"] < 1.3))  # pushed near 1
    assert np.min(got["sv_before"]) < 0.5  # ... from values well below 1


def test_muon_before_values_are_those_of_the_normalised_momentum():
    mu = 0.95
    rng = np.random.default_rng(3)
    w = rng.normal(size=(5, 3))
    opt = Muon([w], nesterov=False, momentum=mu)
    buf = np.zeros_like(w)
    for _ in range(5):
        g = rng.normal(size=w.shape)
        previous = [w.copy()]
        opt.step([g])
        buf = mu * buf + (1 - mu) * g  # B_t = μ·B + (1 − μ)·g; M_t = B_t without nesterov
        got = opt.internals([g], previous, {})
        np.testing.assert_allclose(got["sv_before"], np.linalg.svd(
            buf / np.linalg.norm(buf), compute_uv=False), rtol=1e-12)


def test_schedule_free_averaging_weight_follows_its_formula_and_the_distances_its_eval():
    """c_k = w_k/Σ w_i, w_k = (k + 1)^r·α_max^p; with r = 0, p = 2 and a linear warm-up of
    W steps, α_k = lr·min(1, (k + 1)/W), so c_k = α_k²/Σ_{i≤k} α_i²."""
    lr, warm = 0.01, 5
    alphas = []
    for opt, _, _, got in run(ScheduleFreeAdamW, lr=lr, warmup_steps=warm, steps=12):
        alphas.append(lr * min(1.0, (len(alphas) + 1) / warm))
        expected = alphas[-1] ** 2 / sum(a**2 for a in alphas)
        assert got["c"] == pytest.approx(expected, rel=1e-12)
        assert got["scheduled_lr"] == pytest.approx(alphas[-1], rel=1e-15)
        x_opt = copy.deepcopy(opt)
        x_opt.eval()  # the reference's own way to the average x
        xs = x_opt.params
        zs = [s["z"] for s in opt.state]
        ys = opt.params
        xz = math.sqrt(sum(float(np.sum((x - z) ** 2)) for x, z in zip(xs, zs, strict=True)))
        yx = math.sqrt(sum(float(np.sum((y - x) ** 2)) for y, x in zip(ys, xs, strict=True)))
        assert got["x_minus_z"] == pytest.approx(xz, rel=1e-9)
        assert got["y_minus_x"] == pytest.approx(yx, rel=1e-9)
    assert got["c"] == pytest.approx(1 / (12 - warm + sum((k / warm) ** 2
                                                          for k in range(1, warm + 1))))


def test_adafactor_factored_estimate_from_its_row_and_column_state():
    """V̂ = R·C/mean(R) rebuilt from the state; the full second moment kept by the test,
    V_t = β̂_t·V + (1 − β̂_t)·g², β̂_t = 1 − t^(−0.8)."""
    full = [np.zeros(s) for s in SHAPES]
    for t, (opt, grads, _, got) in enumerate(run(Adafactor), start=1):
        w = t**-0.8
        full = [v * (1 - w) + w * g**2 for v, g in zip(full, grads, strict=True)]
        s = opt.state[0]
        r, c = s["row_var"], s["col_var"]
        np.testing.assert_allclose(got["v_factored"][0], r @ c / r.mean(), rtol=1e-12)
        np.testing.assert_allclose(got["v_factored"][1], opt.state[1]["variance"], rtol=0)
        for mine, theirs in zip(full, got["v_full"], strict=True):
            np.testing.assert_allclose(theirs, mine, rtol=1e-12)
        err = np.linalg.norm(r @ c / r.mean() - full[0]) / np.linalg.norm(full[0])
        assert got["relative_error"] == pytest.approx(err, rel=1e-9)
        np.testing.assert_array_equal(got["row_factor"], r.ravel()[:8])
        np.testing.assert_array_equal(got["col_factor"], c.ravel()[:8])
    assert 0 < got["relative_error"] < 1  # these gradients are not rank 1


def test_ademamix_traces_both_emas_and_its_warmed_up_alpha_and_beta3():
    """The paper's warm-ups by hand, at c = t − 1: α·min(1, c/T) and β3 linear in half-life
    f(β) = ln ½/ln(β + 1e-8) − 1 from β1 (the golden data check them against optax)."""
    def f(b):
        return math.log(0.5) / math.log(b + 1e-8) - 1

    for t, (opt, _, _, got) in enumerate(run(AdEMAMix, steps=14, alpha_warmup=10,
                                             beta3_warmup=8), start=1):
        c = t - 1
        assert got["alpha"] == pytest.approx(5.0 * min(1.0, c / 10), rel=1e-15, abs=0)
        a = min(1.0, c / 8)
        beta3 = 0.5 ** (1 / ((1 - a) * f(0.9) + a * f(0.9999) + 1)) if c < 8 else 0.9999
        assert got["beta3"] == pytest.approx(beta3, rel=1e-15)
        for key in ("m1", "m2", "nu"):
            for mine, state in zip(got[key], opt.state, strict=True):
                np.testing.assert_array_equal(mine, state[key])


@pytest.mark.parametrize("bad", [0, -3, 2.5, True])
def test_ademamix_refuses_a_warmup_that_is_not_a_number_of_steps(bad):
    with pytest.raises(ValueError, match="alpha_warmup must be None"):
        AdEMAMix([np.zeros(3)], alpha_warmup=bad)


def test_ademamix_takes_a_whole_float_warmup_as_the_cli_gives_it():
    a, b = [np.ones(3)], [np.ones(3)]
    opt_a, opt_b = AdEMAMix(a, alpha_warmup=20.0), AdEMAMix(b, alpha_warmup=20)
    for _ in range(3):
        opt_a.step([np.full(3, 0.5)])
        opt_b.step([np.full(3, 0.5)])
    np.testing.assert_array_equal(a[0], b[0])
