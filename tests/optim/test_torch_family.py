"""Adadelta, Rprop, ASGD, Adafactor and Muon against torch.optim 2.13, and by hand.

Golden data: scripts/make_torch_family_golden.py (run with torch installed) records, for every
flag that changes the math, 200 float64 steps of torch from one fixed gradient stream, stored
with it; the tests replay that stream with NumPy only. Muon's golden runs do the Newton–Schulz
iteration in float64 (torch patched: torch itself uses bfloat16); one stock-torch run is
compared to bfloat16's accuracy.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adamlab import optim
from adamlab.optim import ASGD, Adadelta, Adafactor, Muon, Rprop
from adamlab.optim.muon import NS_COEFFICIENTS, newton_schulz

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
META = json.loads((FIXTURES / "torch_family_golden.json").read_text())
ARRAYS = np.load(FIXTURES / "torch_family_golden.npz", allow_pickle=False)
SHAPES = [tuple(s) for s in META["shapes"]]
FLOAT64 = [c for c in META["cases"] if "newton_schulz" not in c]
CLASSES = {"Adadelta": Adadelta, "Rprop": Rprop, "ASGD": ASGD, "Adafactor": Adafactor,
           "Muon": Muon}


def split(flat: np.ndarray, which: list[int]) -> list[np.ndarray]:
    """The arrays of ``which`` (indices into SHAPES) from a flat record of all of them."""
    out, i = [], 0
    for k, shape in enumerate(SHAPES):
        n = math.prod(shape)
        if k in which:
            out.append(flat[i:i + n].reshape(shape).copy())
        i += n
    return out


def build(case: dict) -> tuple[list[np.ndarray], optim.Optimizer]:
    kwargs = {k: tuple(v) if isinstance(v, list) else v for k, v in case["kwargs"].items()}
    params = split(ARRAYS["init"], case["params"])
    return params, CLASSES[case["class"]](params, **kwargs)


def flat(arrays) -> np.ndarray:
    return np.concatenate([a.ravel() for a in arrays])


def replay(case: dict):
    """Yield (step, params, optimizer) after each recorded step of ``case``'s gradient stream."""
    params, opt = build(case)
    for t in range(1, META["steps"] + 1):
        opt.step(split(ARRAYS["grads"][t - 1], case["params"]))
        if t in META["recorded_steps"]:
            yield t, params, opt


@pytest.mark.parametrize("case", FLOAT64, ids=[c["name"] for c in FLOAT64])
def test_matches_torch_for_200_steps(case):
    name = case["name"]
    expected = ARRAYS[f"{name}.params"]
    assert META["steps"] >= 200 and len(expected) == len(META["recorded_steps"])
    for k, (t, params, opt) in enumerate(replay(case)):
        np.testing.assert_allclose(flat(params), expected[k], rtol=1e-10, atol=1e-13,
                                   err_msg=f"{name}: step {t}")
        if case["class"] == "ASGD":  # the averaged parameters and the scalars torch keeps
            np.testing.assert_allclose(flat(s["ax"] for s in opt.state), ARRAYS[f"{name}.ax"][k],
                                       rtol=1e-10, atol=1e-13, err_msg=f"{name}: ax, step {t}")
            for s in opt.state:
                assert s["eta"] == pytest.approx(ARRAYS[f"{name}.eta"][k], rel=1e-14)
                assert s["mu"] == pytest.approx(ARRAYS[f"{name}.mu"][k], rel=1e-14)
    assert not np.allclose(flat(params), ARRAYS["init"][:flat(params).size], atol=1e-3)


def test_golden_data_covers_every_class_and_flag():
    assert {c["class"] for c in FLOAT64} == set(CLASSES)
    flags = {(c["class"], k) for c in FLOAT64 for k in c["kwargs"]}
    for cls, names in {"Adadelta": ["lr", "rho", "eps", "weight_decay", "maximize"],
                       "Rprop": ["lr", "etas", "step_sizes", "maximize"],
                       "ASGD": ["lr", "lambd", "alpha", "t0", "weight_decay", "maximize"],
                       "Adafactor": ["lr", "beta2_decay", "eps", "d", "weight_decay", "maximize"],
                       "Muon": ["lr", "weight_decay", "momentum", "nesterov", "ns_coefficients",
                                "eps", "ns_steps", "adjust_lr_fn", "maximize"]}.items():
        assert {(cls, n) for n in names} <= flags, cls
    # Adafactor saw a tall matrix, a wide one, a vector and a 3-D array; Muon the matrices only
    assert {len(SHAPES[i]) for c in FLOAT64 if c["class"] == "Adafactor" for i in c["params"]} \
        == {1, 2, 3}
    assert all(c["params"] == [0, 1] for c in META["cases"] if c["class"] == "Muon")


# ------------------------------------------------------- Muon against stock torch (bfloat16)
BF16 = next(c for c in META["cases"] if c["name"] == "muon_bf16")
#: bfloat16 keeps 8 significant bits: a rounding moves a value by at most u = 2^-8 of it.
U_BF16 = 2.0**-8


def test_muon_matches_stock_torch_to_bfloat16_accuracy():
    """torch casts M_t to bfloat16 and iterates there: 1 rounding of the input, 1 of X_0,
    then 3 per Newton–Schulz step (X·Xᵀ, B, the new X), 17 in all at 5 steps. To first order
    each adds at most u relative error, so one update is within about 17u ≈ 6.6% of the exact
    one (observed: at most 4–5%). The momentum buffers only see the (fixed) gradients, so both
    runs orthogonalise the very same M_t at every step and the updates compare directly; and
    the update is the only difference: stock torch's parameters are adamlab's step applied to
    torch's recorded bfloat16 updates, to 1e-10."""
    params, opt = build(BF16)
    lr, wd = 0.02, 0.1  # the case's lr; torch's default weight decay
    replayed = [p.copy() for p in params]
    errors, drift = [], np.zeros(len(params))
    for t in range(1, META["steps"] + 1):
        grads = split(ARRAYS["grads"][t - 1], BF16["params"])
        opt.step(grads)
        for i, s in enumerate(opt.state):
            g, buf, mu = grads[i], s["momentum_buffer"], 0.95
            exact = newton_schulz(g + mu * (buf - g), NS_COEFFICIENTS, 5, 1e-7)  # nesterov M_t
            torch_bf16 = ARRAYS[f"muon_bf16.updates{i}"][t - 1]
            errors.append(np.linalg.norm(exact - torch_bf16) / np.linalg.norm(exact))
            scale = lr * math.sqrt(max(1, params[i].shape[0] / params[i].shape[1]))
            replayed[i] *= 1 - lr * wd  # θ ← θ·(1 − α·λ), then θ − α'·O_t with torch's O_t
            replayed[i] += -scale * torch_bf16
            # the two runs part by Σ α'·(1 − αλ)^(T−t)·(O_t − Õ_t): its norm is at most
            drift[i] = drift[i] * (1 - lr * wd) + scale * np.linalg.norm(exact - torch_bf16)
    assert max(errors) < 17 * U_BF16
    assert np.mean(errors) > U_BF16 / 4  # it really was bfloat16 (float64 would give ~1e-15)
    expected = split(ARRAYS["muon_bf16.params"][-1], [0, 1])
    for p, q, e, bound in zip(params, replayed, expected, drift, strict=True):
        np.testing.assert_allclose(q, e, rtol=1e-10, atol=1e-12)
        assert 0 < np.linalg.norm(p - e) <= bound


# ---------------------------------------------------------------- single steps by hand
def test_adadelta_first_two_steps_by_hand():
    theta, g1, g2 = np.array([1.0, -2.0, 0.5]), np.array([0.3, -1.0, 0.0]), np.array([2.0, 1, 1])
    p = theta.copy()
    opt = Adadelta([p], lr=0.5, rho=0.9, eps=1e-6)
    opt.step([g1])
    v = 0.1 * g1**2
    d1 = np.sqrt(1e-6) / np.sqrt(v + 1e-6) * g1
    np.testing.assert_allclose(p, theta - 0.5 * d1, rtol=1e-14)
    opt.step([g2])
    u = 0.1 * d1**2
    v = 0.9 * v + 0.1 * g2**2
    d2 = np.sqrt(u + 1e-6) / np.sqrt(v + 1e-6) * g2
    np.testing.assert_allclose(p, theta - 0.5 * d1 - 0.5 * d2, rtol=1e-14)


def test_rprop_grows_shrinks_and_skips_by_hand():
    p = np.zeros(4)
    opt = Rprop([p], lr=0.1, etas=(0.5, 1.2), step_sizes=(0.01, 0.13))
    opt.step([np.array([1.0, -1.0, 2.0, 0.0])])  # first step: s = lr, θ −= sign(g)·s
    np.testing.assert_array_equal(p, [-0.1, 0.1, -0.1, 0.0])
    opt.step([np.array([3.0, 1.0, 1.0, 5.0])])  # same sign, flipped, same (capped), after 0
    np.testing.assert_allclose(opt.state[0]["step_size"], [0.12, 0.05, 0.12, 0.1], rtol=1e-15)
    np.testing.assert_allclose(p, [-0.22, 0.1, -0.22, -0.1], rtol=1e-15)  # the flip: no move
    opt.step([np.array([1.0, 1.0, 1.0, 1.0])])  # after a flip the sign product is 0: s kept
    np.testing.assert_allclose(opt.state[0]["step_size"], [0.13, 0.05, 0.13, 0.12], rtol=1e-15)


def test_asgd_first_steps_by_hand():
    theta, g = np.array([1.0, -2.0]), np.array([0.5, 0.25])
    p = theta.copy()
    lr, lambd, alpha, t0 = 0.1, 0.01, 0.75, 1
    opt = ASGD([p], lr=lr, lambd=lambd, alpha=alpha, t0=t0)
    opt.step([g])
    theta1 = theta * (1 - lambd * lr) - lr * g
    np.testing.assert_allclose(p, theta1, rtol=1e-15)
    s = opt.state[0]
    np.testing.assert_array_equal(s["ax"], p)  # μ_0 = 1: the average is the iterate
    eta1 = lr / (1 + lambd * lr * 1) ** alpha
    assert s["eta"] == pytest.approx(eta1, rel=1e-15) and s["mu"] == 1.0
    for _ in range(2):
        opt.step([g])
    eta2 = lr / (1 + lambd * lr * 2) ** alpha
    theta2 = theta1 * (1 - lambd * eta1) - eta1 * g
    theta3 = theta2 * (1 - lambd * eta2) - eta2 * g
    # t = 2: μ_1 = 1/max(1, 1 − t0) = 1, copies θ_2; t = 3: μ_2 = 1/(2 − 1) = 1 again
    np.testing.assert_allclose(s["ax"], theta3, rtol=1e-14)
    assert s["mu"] == 0.5  # μ_3 = 1/(3 − 1): the next step averages


def test_adafactor_first_step_of_a_matrix_and_a_vector_by_hand():
    rng = np.random.default_rng(3)
    W, b = rng.normal(size=(4, 3)), rng.normal(size=3)
    gW, gb = rng.normal(size=(4, 3)), rng.normal(size=3)
    w, v = W.copy(), b.copy()
    Adafactor([w, v], lr=0.05, d=1.0, weight_decay=0.1).step([gW, gb])
    # t = 1: 1 − β̂ = 1, so the factors are this step's means; ρ = min(0.05, 1) = 0.05
    R, C = (gW**2).mean(axis=1, keepdims=True), (gW**2).mean(axis=0, keepdims=True)
    V = R * C / R.mean()
    for x0, U, x in ((W, gW / np.sqrt(V), w), (b, gb / np.abs(gb), v)):
        a = max(1e-3, np.sqrt(np.mean(x0**2))) * 0.05
        rms = np.sqrt(np.mean(U**2))
        np.testing.assert_allclose(x, x0 * (1 - 0.05 * 0.1) - a * U / max(1.0, rms), rtol=1e-13)
    s = Adafactor([W.copy()]).state[0]
    assert s["row_var"].shape == (4, 1) and s["col_var"].shape == (1, 3) and "variance" not in s


def test_newton_schulz_acts_on_the_singular_values_by_hand():
    """NS(M) = U·p⁵(S/‖M‖_F)·Vᵀ with p(σ) = aσ + bσ³ + cσ⁵, for a tall and a wide matrix."""
    rng = np.random.default_rng(4)
    a, b, c = NS_COEFFICIENTS
    for shape in ((5, 3), (2, 4)):
        m = rng.normal(size=shape)
        u, sv, vt = np.linalg.svd(m, full_matrices=False)
        s = sv / np.linalg.norm(m)
        for _ in range(5):
            s = a * s + b * s**3 + c * s**5
        np.testing.assert_allclose(newton_schulz(m, NS_COEFFICIENTS, 5, 1e-7),
                                   u @ np.diag(s) @ vt, rtol=1e-12, atol=1e-13)
        assert np.all((0.6 < s) & (s < 1.25))  # near-orthogonal, not exactly (Jordan's point)


@pytest.mark.parametrize("nesterov", [True, False])
def test_muon_first_step_by_hand(nesterov):
    rng = np.random.default_rng(5)
    W, g = rng.normal(size=(6, 2)), rng.normal(size=(6, 2))
    w = W.copy()
    Muon([w], lr=0.02, momentum=0.9, nesterov=nesterov, weight_decay=0.1, ns_steps=0).step([g])
    buf = 0.1 * g  # B_1 = (1 − μ)·g
    m = 0.1 * g + 0.9 * buf if nesterov else buf
    o = m / np.linalg.norm(m)  # 0 Newton–Schulz steps: the normalised M
    np.testing.assert_allclose(w, W * (1 - 0.02 * 0.1) - 0.02 * math.sqrt(6 / 2) * o,
                               rtol=1e-14)
    w = W.copy()
    Muon([w], lr=0.02, weight_decay=0.0, adjust_lr_fn="match_rms_adamw", ns_steps=0).step([g])
    np.testing.assert_allclose(w, W - 0.02 * 0.2 * math.sqrt(6) * g / np.linalg.norm(g),
                               rtol=1e-13)


# ---------------------------------------------------------- state, dtypes, convergence
SETUPS = {
    "adadelta": lambda ps: Adadelta(ps, lr=0.5, weight_decay=0.01),
    "rprop": lambda ps: Rprop(ps, lr=0.01),
    "asgd": lambda ps: ASGD(ps, lr=0.01, lambd=1e-2, t0=30, weight_decay=0.01),
    "adafactor": lambda ps: Adafactor(ps, lr=0.05, weight_decay=0.01),
    "muon": lambda ps: Muon(ps, lr=0.02),
}


def params_for(name: str, dtype=np.float64) -> list[np.ndarray]:
    rng = np.random.default_rng(6)
    shapes = [(5, 3), (2, 4)] if name == "muon" else [(5, 3), (3,)]
    return [rng.normal(size=s).astype(dtype) for s in shapes]


def stream(params, n, seed=7):
    rng = np.random.default_rng(seed)
    return [[rng.normal(size=p.shape).astype(p.dtype) for p in params] for _ in range(n)]


@pytest.mark.parametrize("name", list(SETUPS))
def test_state_dict_round_trip_is_bit_for_bit(name):
    grads = stream(params_for(name), 200)
    straight = params_for(name)
    opt = SETUPS[name](straight)
    for g in grads:
        opt.step(g)
    first = params_for(name)
    opt1 = SETUPS[name](first)
    for g in grads[:100]:
        opt1.step(g)
    resumed = [p.copy() for p in first]
    opt2 = type(opt1)(resumed)  # fresh, with the class's defaults: loading restores the rest
    opt2.load_state_dict(opt1.state_dict())
    for g in grads[100:]:
        opt1.step(g)
        opt2.step(g)
    for a, b, c in zip(straight, first, resumed, strict=True):
        assert np.array_equal(a, b) and np.array_equal(b, c)
    for s1, s2 in zip(opt1.state, opt2.state, strict=True):
        assert s1.keys() == s2.keys()
        for k in s1:
            assert np.array_equal(s1[k], s2[k]), (name, k)


@pytest.mark.parametrize("name", list(SETUPS))
def test_float32_keeps_its_dtype_and_follows_float64(name):
    p32 = params_for(name, np.float32)
    p64 = [p.astype(np.float64) for p in p32]
    o32, o64 = SETUPS[name](p32), SETUPS[name](p64)
    for g in stream(p32, 50):
        o32.step(g)
        o64.step([a.astype(np.float64) for a in g])
    for a, b in zip(p32, p64, strict=True):
        assert a.dtype == np.float32
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)
    for s in o32.state:
        assert all(v.dtype == np.float32 for v in s.values() if isinstance(v, np.ndarray))


@pytest.mark.parametrize("nesterov", [True, False])
def test_muon_minimises_a_matrix_quadratic(nesterov):
    """f(W) = ½‖A·W − Y‖²_F with a well-conditioned A: Muon's steps have fixed size α·√(A/B),
    so it closes in on the minimum to about lr, and is stopped there by a falling lr."""
    rng = np.random.default_rng(8)
    A = np.eye(6) + 0.1 * rng.normal(size=(6, 6))
    target = rng.normal(size=(6, 3))
    w = np.zeros((6, 3))
    opt = Muon([w], lr=0.05, weight_decay=0.0, nesterov=nesterov)
    start = np.linalg.norm(w - target)
    for t in range(400):
        opt.param_groups[0]["lr"] = 0.05 * (1 - t / 400)
        opt.step([A.T @ (A @ w - A @ target)])
    assert np.linalg.norm(w - target) < 1e-2 * start


# ----------------------------------------------------------------------------- bad input
BAD = [
    (Adadelta, {"rho": 1.5}, r"rho must be a finite number in \[0.0, 1.0\]"),
    (Adadelta, {"lr": math.nan}, r"\blr must be"),
    (Adadelta, {"eps": 0.0}, r"\beps must be a finite number > 0"),
    (Rprop, {"etas": (1.5, 1.2)}, r"etas\[0\] must be a finite number in \(0.0, 1.0\)"),
    (Rprop, {"etas": (0.5, 0.9)}, r"etas\[1\] must be a finite number > 1.0"),
    (Rprop, {"etas": 0.5}, r"etas must be a pair \(etaminus, etaplus\)"),
    (Rprop, {"step_sizes": (1.0, 0.1)}, r"step_sizes\[1\] must be a finite number >= 1.0"),
    (Rprop, {"step_sizes": (0.0, 0.0)}, r"step_sizes\[1\] must be a finite number > 0"),
    (Rprop, {"step_sizes": (math.nan, 1.0)}, r"step_sizes\[0\] must be"),
    (ASGD, {"alpha": -1.0}, r"alpha must be a finite number >= 0"),
    (ASGD, {"t0": math.inf}, r"t0 must be"),
    (ASGD, {"lambd": -1e-4}, r"lambd must be"),
    (Adafactor, {"beta2_decay": 0.5}, r"beta2_decay must be a finite number in \[-inf, 0.0\]"),
    (Adafactor, {"d": 0.5}, r"\bd must be a finite number >= 1.0"),
    (Adafactor, {"eps": (0.0, 1e-3)}, r"eps\[0\] must be a finite number > 0.*None"),
    (Adafactor, {"eps": (None, -1.0)}, r"eps\[1\] must be"),
    (Adafactor, {"eps": 1e-3}, r"eps must be a pair \(eps1 or None, eps2\)"),
    (Adafactor, {"eps": (1e-30, 1e-3)}, None),  # fine in float64; float32: below
    (Muon, {"momentum": 1.0}, r"momentum must be a finite number in \[0.0, 1.0\).*0.95"),
    (Muon, {"ns_steps": 100}, r"ns_steps must be an integer in \[0, 100\)"),
    (Muon, {"ns_steps": 2.5}, r"ns_steps must be an integer"),
    (Muon, {"ns_coefficients": (1.0, 2.0)}, r"ns_coefficients must be three numbers"),
    (Muon, {"ns_coefficients": (1.0, math.nan, 2.0)}, r"ns_coefficients\[1\] must be"),
    (Muon, {"adjust_lr_fn": "rms"}, r"adjust_lr_fn must be one of"),
    (Muon, {"lr": -1.0}, r"\blr must be"),
]


@pytest.mark.parametrize("cls, kwargs, match", BAD,
                         ids=[f"{c.__name__}-{k}" for c, k, _ in BAD])
def test_bad_hyperparameters_name_themselves(cls, kwargs, match):
    if match is None:
        cls([np.zeros((2, 3))], **kwargs)
        return
    with pytest.raises(ValueError, match=match):
        cls([np.zeros((2, 3))], **kwargs)
    with pytest.raises(ValueError, match=r"\(group 1\): .*" + match):
        cls([{"params": [np.zeros((2, 3))]}, {"params": [np.zeros((3, 2))], **kwargs}])


def test_adafactor_eps1_whose_square_is_0_in_float32_is_refused():
    with pytest.raises(ValueError, match=r"eps\[0\] = 1e-30 squared is 0 in float32"):
        Adafactor([np.zeros((2, 3), dtype=np.float32)], eps=(1e-30, 1e-3))


def test_muon_refuses_a_vector_naming_it_and_the_fallback():
    with pytest.raises(ValueError, match=r"params\[1\] \(dense0.bias\).*2-D"):
        Muon([{"params": [np.zeros((3, 2)), np.zeros(2)],
               "param_names": ["dense0.weight", "dense0.bias"]}])
    with pytest.raises(ValueError, match=r"build_optimizer does: AdamW"):
        Muon([np.zeros((2, 2)), np.zeros(3)])


@settings(max_examples=25, deadline=None, derandomize=True)
@given(momentum=st.floats(0.0, 0.99), nesterov=st.booleans(), ns_steps=st.integers(0, 8),
       adjust=st.sampled_from([None, "original", "match_rms_adamw"]),
       wd=st.floats(0.0, 0.5), lr=st.floats(1e-4, 0.5), shape=st.sampled_from([(6, 2), (3, 5)]),
       dtype=st.sampled_from([np.float32, np.float64]), seed=st.integers(0, 2**16))
def test_muon_stays_finite_on_a_bounded_matrix_problem(momentum, nesterov, ns_steps, adjust, wd,
                                                       lr, shape, dtype, seed):
    """f(W) = Σ log cosh(W − C): gradients tanh(W − C) in (−1, 1), zero ones included."""
    rng = np.random.default_rng(seed)
    c = rng.normal(scale=10.0, size=shape)
    w = rng.normal(size=shape).astype(dtype)
    opt = Muon([w], lr=lr, momentum=momentum, nesterov=nesterov, ns_steps=ns_steps,
               adjust_lr_fn=adjust, weight_decay=wd)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        for t in range(60):
            g = np.tanh(w - c).astype(dtype)
            if t % 7 == 0:
                g[...] = 0  # a step without gradient: ‖M‖ may be 0, clamped at ε
            opt.step([g])
    assert w.dtype == dtype and np.all(np.isfinite(w))
    assert np.all(np.isfinite(opt.state[0]["momentum_buffer"]))
