"""``state_dict`` round-trips exactly: stopping and resuming changes no bit of the trajectory.

Also: the step count is an ``int``; the returned dict is a copy (mutating it, or the dict that
was loaded, leaves the optimizer alone); a state that does not fit is refused with a
ValueError that says what does not fit.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

from adamlab.optim import OPTIMIZERS, make_optimizer

# a matrix-only row (Muon) refuses these vectors: tests/optim/test_torch_family.py has its own
NAMES = [n for n, s in OPTIMIZERS.items() if not s.matrices]
SHAPES = [(3, 2), (2,), (4,)]
N = 12  # spans RAdam's switch to the rectified update at t = 6


def fresh_params():
    rng = np.random.default_rng(0)
    return [rng.normal(size=s) for s in SHAPES]


def grad_sequence(n=N):
    rng = np.random.default_rng(1)
    return [[rng.normal(size=s) for s in SHAPES] for _ in range(n)]


def build(name, params, grouped):
    if not grouped:
        return make_optimizer(name, params, lr=0.01)
    # different hyperparameters per group: a larger lr and weight decay on the first
    return make_optimizer(
        name,
        [{"params": params[:1], "lr": 0.03,
          **({} if OPTIMIZERS[name].decay == "none" else {"weight_decay": 0.1})},
         {"params": params[1:]}],
        lr=0.01,
    )


@pytest.mark.parametrize("grouped", [False, True], ids=["one_group", "two_groups"])
@pytest.mark.parametrize("k", [0, 1, 5, 7])
@pytest.mark.parametrize("name", NAMES)
def test_resume_is_bit_for_bit(name, k, grouped):
    grads = grad_sequence()
    straight = fresh_params()
    opt = build(name, straight, grouped)
    for g in grads:
        opt.step(g)

    first = fresh_params()
    opt1 = build(name, first, grouped)
    for g in grads[:k]:
        opt1.step(g)
    saved = opt1.state_dict()
    resumed = [p.copy() for p in first]
    # built with other hyperparameters: loading must restore the saved ones
    opt2 = make_optimizer(name, [{"params": resumed[:1]}, {"params": resumed[1:]}]
                          if grouped else resumed, lr=0.5)
    opt2.load_state_dict(saved)
    assert [g["lr"] for g in opt2.param_groups] == [g["lr"] for g in opt1.param_groups]
    for g in grads[k:]:
        opt2.step(g)
    for a, b in zip(straight, resumed, strict=True):
        assert np.array_equal(a, b)


@pytest.mark.parametrize("name", NAMES)
def test_step_is_an_int_and_arrays_are_copies(name):
    params = fresh_params()
    opt = make_optimizer(name, params, lr=0.01)
    for g in grad_sequence(3):
        opt.step(g)
    sd = opt.state_dict()
    assert set(sd) == {"state", "param_groups"} | ({"training"} if opt.modes else set())
    assert sorted(sd["state"]) == [0, 1, 2]
    assert [g["params"] for g in sd["param_groups"]] == [[0, 1, 2]]
    for i, s in sd["state"].items():
        assert type(s["step"]) is int and s["step"] == 3
        for k, v in s.items():
            if isinstance(v, np.ndarray):
                assert not np.shares_memory(v, opt.state[i][k])
                # shaped like the parameter (Adafactor's factors: (n, 1) and (1, m))
                assert v.shape == params[i].shape or k in ("row_var", "col_var")


@pytest.mark.parametrize("name", NAMES)
def test_mutating_the_state_dict_does_not_touch_the_optimizer(name):
    grads = grad_sequence()
    ref_params = fresh_params()
    ref = make_optimizer(name, ref_params, lr=0.01)
    params = fresh_params()
    opt = make_optimizer(name, params, lr=0.01)
    for g in grads[:4]:
        ref.step(g)
        opt.step(g)

    def vandalise(sd):
        for s in sd["state"].values():
            s["step"] += 100
            for v in s.values():
                if isinstance(v, np.ndarray):
                    v[...] = 123.0
        for g in sd["param_groups"]:
            g["lr"] = 9.0
            g["params"].clear()

    vandalise(opt.state_dict())
    loaded = copy.deepcopy(ref.state_dict())
    opt.load_state_dict(loaded)
    vandalise(loaded)  # the dict that was loaded is not kept either
    for g in grads[4:]:
        ref.step(g)
        opt.step(g)
    for a, b in zip(ref_params, params, strict=True):
        assert np.array_equal(a, b)
    assert opt.param_groups[0]["lr"] == 0.01 and opt.state[0]["step"] == N


@pytest.mark.parametrize("step", [3.0, np.int64(3), np.float64(3.0)])
def test_integral_step_of_another_type_is_loaded_as_int(step):
    # e.g. a step read back from JSON as 3.0 or from an .npz as np.int64
    params = fresh_params()
    opt = make_optimizer("adam", params)
    sd = opt.state_dict()
    for s in sd["state"].values():
        s["step"] = step
    opt.load_state_dict(sd)
    assert all(type(s["step"]) is int and s["step"] == 3 for s in opt.state)
    assert all(type(s["step"]) is int for s in opt.state_dict()["state"].values())


# ------------------------------------------------------------------------ refusals
def saved(name="adam", **kw):
    opt = make_optimizer(name, fresh_params(), **kw)
    opt.step(grad_sequence(1)[0])
    return opt.state_dict()


def corrupt_shape(sd):
    sd["state"][1]["exp_avg"] = np.zeros(3)


def corrupt_missing_state_key(sd):
    del sd["state"][0]["exp_avg_sq"]


def corrupt_extra_state_key(sd):
    sd["state"][0]["max_exp_avg_sq"] = np.zeros(SHAPES[0])


def corrupt_missing_param_state(sd):
    del sd["state"][2]


def corrupt_group_sizes(sd):
    sd["param_groups"][0]["params"] = [0, 1]


def corrupt_group_count(sd):
    g = sd["param_groups"][0]
    sd["param_groups"] = [{**g, "params": [0]}, {**g, "params": [1, 2]}]


def corrupt_missing_group_key(sd):
    del sd["param_groups"][0]["lr"]


def corrupt_unknown_group_key(sd):
    sd["param_groups"][0]["momentum"] = 0.9


def corrupt_group_without_params(sd):
    del sd["param_groups"][0]["params"]


def corrupt_bad_hyperparameter(sd):
    sd["param_groups"][0]["betas"] = (0.9, 1.5)


def corrupt_no_state(sd):
    del sd["state"]


def step_to(value, label=None):
    def corrupt(sd):
        sd["state"][1]["step"] = value

    corrupt.__name__ = f"step_{label or repr(value)}"
    return corrupt


BAD = [
    (corrupt_shape, r"state\['exp_avg'\] of parameter 1 has shape \(3,\), expected \(2,\)"),
    (corrupt_missing_state_key, r"state of parameter 0 has keys"),
    (corrupt_extra_state_key, r"state of parameter 0 has keys"),
    (corrupt_missing_param_state, r"no saved state for parameter 2"),
    (corrupt_group_sizes, r"groups of sizes \[2\].*\[3\]"),
    (corrupt_group_count, r"groups of sizes \[1, 2\].*\[3\]"),
    (corrupt_missing_group_key, r"missing hyperparameter\(s\) \['lr'\]"),
    (corrupt_unknown_group_key, r"unknown one\(s\) \['momentum'\]"),
    (corrupt_group_without_params, r"'params'"),
    (corrupt_bad_hyperparameter, r"betas\[1\]"),
    (corrupt_no_state, r"'state' and 'param_groups'"),
    *[(step_to(v, label), r"state\['step'\] of parameter 1 must be an integer in \[0, 2\*\*63\)")
      for v, label in [(-1, None), (2.5, None), (True, None), ("3", None), (None, None),
                       (2**63, "2**63"), (np.uint64(2**63), "np.uint64(2**63)"),
                       # a tampered checkpoint: failed inside numba (TypingError) or in beta**t
                       (10**400, "10**400"), (1e300, None), (float("inf"), None)]],
]


@pytest.mark.parametrize("corrupt, match", BAD, ids=[c.__name__ for c, _ in BAD])
def test_mismatched_state_is_refused_and_nothing_is_applied(corrupt, match):
    sd = saved(lr=0.01)
    opt = make_optimizer("adam", fresh_params(), lr=0.02)
    before = opt.state_dict()
    corrupt(sd)
    with pytest.raises(ValueError, match=match):
        opt.load_state_dict(sd)
    after = opt.state_dict()  # validated first, then applied: a refused load changes nothing
    assert after["param_groups"] == before["param_groups"]
    for i, s in before["state"].items():
        assert after["state"][i].keys() == s.keys()
        assert all(np.array_equal(after["state"][i][k], v) for k, v in s.items())


def test_a_huge_step_is_refused_naming_the_parameter_and_cut_short():
    sd = saved()
    sd["state"][2]["step"] = 10**400
    with pytest.raises(ValueError) as info:
        make_optimizer("adam", fresh_params()).load_state_dict(sd)
    message = str(info.value)
    assert "state['step'] of parameter 2" in message and "(401 characters)" in message
    assert len(message) < 200


@pytest.mark.parametrize("name", NAMES)
def test_the_largest_step_accepted_still_steps(name):
    """2**63 − 1 is accepted; the steps after it (2**63, 2**63 + 1, past int64) still work
    (Adam's compiled step included: tests/optim/test_fused.py compares it there)."""
    params = fresh_params()
    opt = make_optimizer(name, params, lr=0.01)
    sd = opt.state_dict()
    for s in sd["state"].values():
        s["step"] = 2**63 - 1
    opt.load_state_dict(sd)
    for g in grad_sequence(2):
        opt.step(g)
    assert all(type(s["step"]) is int and s["step"] == 2**63 + 1 for s in opt.state)
    assert all(np.all(np.isfinite(p)) for p in params)


@pytest.mark.parametrize("value", [10**400, "x", None, float("nan"), True],
                         ids=["10**400", "text", "None", "nan", "bool"])
def test_a_bad_float_scalar_is_refused_naming_it(value):
    sd = saved("nadam")
    sd["state"][1]["mu_product"] = value
    with pytest.raises(ValueError, match=r"state\['mu_product'\] of parameter 1 must be a finite "
                                         r"number"):
        make_optimizer("nadam", fresh_params()).load_state_dict(sd)


def test_state_of_another_optimizer_is_refused():
    match = r"missing hyperparameter\(s\) \['initial_accumulator_value'"
    with pytest.raises(ValueError, match=match):
        make_optimizer("adagrad", fresh_params()).load_state_dict(saved("adam"))
