"""Bad arguments fail early with a ValueError that names the argument."""

from __future__ import annotations

import math

import numpy as np
import pytest

from adamlab import optim
from adamlab.optim import make_optimizer


def w():
    return np.zeros((2, 3))


def b():
    return np.zeros(3)


BAD = [
    # learning rate, for every optimizer class
    *[(f"{cls.__name__}-lr-{v}", cls, {"lr": v}, r"\blr must be")
      for cls in (optim.SGD, optim.RMSprop, optim.Adagrad, optim.Adam, optim.AdamW, optim.NAdam,
                  optim.RAdam, optim.Adamax)
      for v in (-1e-3, math.nan, math.inf, -math.inf)],
    ("lr-string", optim.Adam, {"lr": "0.01"}, r"lr must be a number"),
    ("lr-None", optim.SGD, {"lr": None}, r"lr must be a number"),
    ("lr-bool", optim.SGD, {"lr": True}, r"lr must be a number"),
    # betas
    *[(f"{cls.__name__}-betas-{bs}", cls, {"betas": bs}, rf"betas\[{k}\]")
      for cls in (optim.Adam, optim.AdamW, optim.NAdam, optim.RAdam, optim.Adamax)
      for bs, k in (((1.0, 0.999), 0), ((-0.1, 0.999), 0), ((0.9, 1.0), 1), ((0.9, 1.5), 1),
                    ((0.9, math.nan), 1))],
    ("betas-one", optim.Adam, {"betas": (0.9,)}, r"betas must be a pair"),
    ("betas-three", optim.NAdam, {"betas": (0.9, 0.99, 0.999)}, r"betas must be a pair"),
    # non-negative numbers
    ("eps", optim.Adam, {"eps": -1e-8}, r"\beps must be"),
    # eps = 0 (torch accepts it; a zero gradient then gives 0/0): refused, saying why
    *[(f"{cls.__name__}-eps-0", cls, {"eps": 0.0},
       r"\beps must be a finite number > 0\.0, got 0\.0: .*0/0.* use 1e-12")
      for cls in (optim.RMSprop, optim.Adagrad, optim.Adam, optim.AdamW, optim.NAdam,
                  optim.RAdam, optim.Adamax)],
    ("eps-rmsprop", optim.RMSprop, {"eps": math.nan}, r"\beps must be"),
    ("eps-adagrad", optim.Adagrad, {"eps": -1.0}, r"\beps must be"),
    ("weight_decay", optim.Adam, {"weight_decay": -0.1}, r"weight_decay must be"),
    ("weight_decay-adamw", optim.AdamW, {"weight_decay": math.inf}, r"weight_decay must be"),
    ("weight_decay-sgd", optim.SGD, {"weight_decay": -1}, r"weight_decay must be"),
    ("momentum-sgd", optim.SGD, {"momentum": -0.9}, r"momentum must be"),
    ("momentum-rmsprop", optim.RMSprop, {"momentum": -0.1}, r"momentum must be"),
    ("dampening", optim.SGD, {"momentum": 0.9, "dampening": -0.5}, r"dampening must be"),
    ("lr_decay", optim.Adagrad, {"lr_decay": -0.1}, r"lr_decay must be"),
    ("initial_accumulator_value", optim.Adagrad, {"initial_accumulator_value": -1.0},
     r"initial_accumulator_value must be"),
    ("momentum_decay", optim.NAdam, {"momentum_decay": -4e-3}, r"momentum_decay must be"),
    # nesterov needs momentum (and no dampening)
    ("nesterov-no-momentum", optim.SGD, {"nesterov": True}, r"nesterov=True requires momentum"),
    ("nesterov-dampening", optim.SGD, {"nesterov": True, "momentum": 0.9, "dampening": 0.1},
     r"nesterov=True requires momentum > 0 and dampening = 0"),
    # RMSprop's smoothing constant
    ("alpha-high", optim.RMSprop, {"alpha": 1.5}, r"alpha must be a finite number in \[0.0, 1.0\)"),
    # alpha = 1 (torch accepts it; v then stays 0): refused as Adam refuses beta2 = 1, saying why
    ("alpha-one", optim.RMSprop, {"alpha": 1.0},
     r"alpha must be a finite number in \[0.0, 1.0\), got 1.0: .*never moves from 0.*0.99"),
    ("alpha-negative", optim.RMSprop, {"alpha": -0.1}, r"alpha must be"),
    ("alpha-nan", optim.RMSprop, {"alpha": math.nan}, r"alpha must be"),
]


@pytest.mark.parametrize("cls, kwargs, match", [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_bad_hyperparameter_raises_naming_it(cls, kwargs, match):
    with pytest.raises(ValueError, match=match):
        cls([w(), b()], **kwargs)
    # the same value inside a parameter group is refused too, naming the group
    with pytest.raises(ValueError, match=r"\(group 1\): .*" + match):
        cls([{"params": [w()]}, {"params": [b()], **kwargs}])


@pytest.mark.parametrize("cls, kwargs, dtype", [
    (optim.RMSprop, {"alpha": 0.0}, np.float64),
    (optim.RMSprop, {"alpha": 1 - 1e-12}, np.float64),
    (optim.Adam, {"eps": 5e-324}, np.float64),
    (optim.Adagrad, {"eps": 1e-300}, np.float64),
    (optim.Adam, {"eps": 1e-45}, np.float32),  # float32's smallest subnormal, 1.4e-45
    (optim.Adagrad, {"eps": float(np.finfo(np.float32).tiny)}, np.float32),
], ids=["alpha-0", "alpha-below-1", "eps-subnormal", "eps-tiny", "eps-subnormal-float32",
        "eps-tiny-float32"])
def test_bounds_next_to_the_refused_values_are_allowed(cls, kwargs, dtype):
    cls([b().astype(dtype)], **kwargs)


EPS_CLASSES = [optim.RMSprop, optim.Adagrad, optim.Adam, optim.AdamW, optim.NAdam, optim.RAdam,
               optim.Adamax]


@pytest.mark.parametrize("eps", [1e-50, 7e-46])
@pytest.mark.parametrize("cls", EPS_CLASSES, ids=lambda c: c.__name__)
def test_eps_that_is_0_in_float32_is_refused(cls, eps):
    """eps > 0 is added in the parameters' dtype: below ~7.006e-46 float32 rounds it to 0, and a
    zero gradient gave 0/0 = NaN (as in torch). Refused, naming the dtype and what works."""
    match = (rf"eps = {eps!r} is 0 in float32: .*0/0 = NaN \(params\[1\] is float32\)\. "
             r"Use e\.g\. 1e-8, or at least 1\.1754944e-38, float32's smallest normal number")
    with pytest.raises(ValueError, match=match):
        cls([w(), b().astype(np.float32)], eps=eps)  # float64 takes it; float32 does not
    with pytest.raises(ValueError, match=r"\(group 1\): " + match):
        cls([{"params": [w()]}, {"params": [b().astype(np.float32)], "eps": eps}])
    # a checkpoint's hyperparameters too
    opt = cls([w(), b().astype(np.float32)])
    sd = opt.state_dict()
    sd["param_groups"][0]["eps"] = eps
    with pytest.raises(ValueError, match=r"\(loaded group 0\): " + match):
        opt.load_state_dict(sd)
    assert opt.param_groups[0]["eps"] == opt.defaults["eps"]  # nothing applied


@pytest.mark.parametrize("dtype, eps, refused", [
    (np.float64, 5e-324, True), (np.float64, 1e-310, True), (np.float64, 2.3e-308, False),
    (np.float32, 1e-45, True), (np.float32, 2e-39, True), (np.float32, 3e-39, False),
])
def test_radam_needs_an_eps_with_a_finite_reciprocal(dtype, eps, refused):
    """RAdam multiplies by √(1 − β2^t)/(√v + ε): with v = 0 (a zero gradient) that is up to 1/ε,
    and 0·∞ = NaN once 1/ε overflows (float64: eps = 5e-324 gave NaN from step 6, as in torch)."""
    p = np.ones(3, dtype)
    if refused:
        with pytest.raises(ValueError, match=rf"eps = {eps!r} has no finite reciprocal in "
                                             rf"{np.dtype(dtype)}: .*0·∞ = NaN"):
            optim.RAdam([p], eps=eps)
        return
    opt = optim.RAdam([p], eps=eps)
    for _ in range(8):
        opt.step([np.array([0.0, 0.0, 1.0], dtype)])
    assert np.all(np.isfinite(p)) and np.all(p[:2] == 1.0)


TINY32 = float(np.finfo(np.float32).tiny)


@pytest.mark.parametrize("cls, kwargs, eps", [
    *[(cls, {}, eps) for cls in EPS_CLASSES if cls not in (optim.Adam, optim.AdamW, optim.RAdam)
      for eps in (1e-45, TINY32)],
    *[(cls, {"fused": fused}, eps) for cls in (optim.Adam, optim.AdamW) for fused in (False, None)
      for eps in (1e-45, TINY32)],
    (optim.RAdam, {}, TINY32),  # 1e-45 is refused: see above
], ids=lambda x: (x.__name__ if isinstance(x, type) else
                  "-".join(f"{k}={v}" for k, v in x.items()) or "plain" if isinstance(x, dict) else
                  "subnormal" if x == 1e-45 else "smallest-normal"))
def test_a_tiny_eps_representable_in_float32_gives_finite_steps(cls, kwargs, eps):
    """Float32 steps with an eps that stays > 0 there (float32's smallest subnormal, and its
    smallest normal): a coordinate whose gradient is always 0 does not move, the others move,
    and no operation overflows or makes a NaN."""
    p = np.ones(6, np.float32)
    g = np.array([0.0, 0.0, 0.5, -2.0, 1e-3, 0.0], np.float32)
    opt = cls([p], lr=0.01, eps=eps, weight_decay=0.0, **kwargs)
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow is fine
        for _ in range(8):  # RAdam's adaptive step (where eps enters) starts at t = 6
            opt.step([g])
    assert np.all(np.isfinite(p))
    assert np.all(p[g == 0] == 1.0) and np.all(p[g != 0] != 1.0)


STEP_ERRORS = [
    ("wrong shape", lambda: [np.zeros((3, 2)), np.zeros(3)],
     r"grads\[0\] has shape \(3, 2\), but params\[0\] has shape \(2, 3\)"),
    ("wrong shape second", lambda: [np.zeros((2, 3)), np.zeros(4)],
     r"grads\[1\] has shape \(4,\)"),
    ("too few", lambda: [np.zeros((2, 3))], r"got 1 gradient\(s\) for 2 parameter\(s\)"),
    ("too many", lambda: [np.zeros((2, 3)), np.zeros(3), np.zeros(3)],
     r"got 3 gradient\(s\) for 2 parameter\(s\)"),
    ("not an array", lambda: [np.zeros((2, 3)), [0.0, 0.0, 0.0]], r"grads\[1\] has shape list"),
]


# (a matrix-only row, Muon, refuses the vector b: tests/optim/test_torch_family.py)
@pytest.mark.parametrize("name", [n for n, s in optim.OPTIMIZERS.items() if not s.matrices])
@pytest.mark.parametrize("grads, match", [c[1:] for c in STEP_ERRORS],
                         ids=[c[0] for c in STEP_ERRORS])
def test_bad_gradients_raise_and_leave_params_alone(name, grads, match):
    params = [w() + 1.0, b() + 1.0]
    opt = make_optimizer(name, params, lr=0.1)
    with pytest.raises(ValueError, match=match):
        opt.step(grads())
    # checked before any parameter moved
    assert all(np.all(p == 1.0) for p in params) and all(s["step"] == 0 for s in opt.state)


def test_registry_errors_name_the_problem():
    with pytest.raises(ValueError, match=r"unknown optimizer 'adamm'; choose one of: adam"):
        make_optimizer("adamm", [b()])
    with pytest.raises(ValueError, match=r"optimizer 'sgd' does not take betas"):
        make_optimizer("sgd", [b()], betas=(0.9, 0.999))
    assert type(make_optimizer(" AdamW ", [b()])) is optim.AdamW


def test_load_state_dict_validates_hyperparameters():
    opt = optim.SGD([b()], lr=0.1, momentum=0.9)
    sd = opt.state_dict()
    sd["param_groups"][0]["momentum"] = 0.0
    sd["param_groups"][0]["nesterov"] = True
    sd["state"][0] = {"step": 0}
    with pytest.raises(ValueError, match=r"nesterov=True requires momentum"):
        opt.load_state_dict(sd)
