"""Named, shaped parameter groups: the same numbers as the flat buffer, in one pass per group.

References: the flat single-array optimizer (the path every golden torch test pins), and hand
computations of a decay step on a zero gradient.
"""

from __future__ import annotations

import numpy as np
import pytest

from adamlab.nn import MLP
from adamlab.optim import (
    OPTIMIZERS,
    SGD,
    Adam,
    AdamW,
    MultiOptimizer,
    Optimizer,
    OptimizerSpec,
    build_optimizer,
    make_optimizer,
    register,
)

ELEMENTWISE = ["adam", "adamw", "amsgrad", "nadam", "radam", "adamax", "sgd", "momentum",
               "nesterov", "rmsprop", "adagrad"]


def model(dtype=np.float64, seed=0):
    return MLP(3, (5, 4), 2, activation="tanh", output="softmax", dtype=dtype, rng=seed)


def grad_stream(m, steps, seed=1):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(m.params.shape).astype(m.params.dtype) for _ in range(steps)]


def test_named_parameters_are_shaped_views_in_layer_order():
    m = model()
    names = [n for n, _ in m.named_parameters()]
    assert names == ["dense0.weight", "dense0.bias", "dense1.weight", "dense1.bias",
                     "dense2.weight", "dense2.bias"]
    shapes = [p.shape for _, p in m.named_parameters()]
    assert shapes == [(3, 5), (5,), (5, 4), (4,), (4, 2), (2,)]
    for (_, p), (_, q) in zip(m.named_parameters(), m.named_parameters(), strict=True):
        assert p is q and np.shares_memory(p, m.params)
    m.named_parameters()[2][1][...] = 7.0
    assert np.count_nonzero(m.params == 7.0) == 20
    assert m.views(m.params.copy())["dense1.weight"].shape == (5, 4)


@pytest.mark.parametrize("name", ELEMENTWISE)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_groups_step_like_the_flat_buffer_bit_for_bit(name, dtype):
    """decay_biases=True: both groups have the same hyperparameters, so the grouped optimizer
    must reproduce the flat one exactly, whether it is given the cached tuple of views, a
    fresh list each step, or gradient copies that are not adjacent in memory."""
    kw = {"weight_decay": 0.01} if name != "adamw" else {}
    flat, tup, lst, cop = model(dtype), model(dtype), model(dtype), model(dtype)
    o_flat = make_optimizer(name, [flat.params], **kw)
    opts = [build_optimizer(name, m.named_parameters(), decay_biases=True, **kw)
            for m in (tup, lst, cop)]
    grads = tup.gradients_for(opts[0].params)
    for g in grad_stream(flat, 30):
        o_flat.step([g])
        tup.grads[...] = g
        opts[0].step(grads)
        lst.grads[...] = g
        opts[1].step(list(lst.gradients_for(opts[1].params)))
        cop.grads[...] = g
        opts[2].step([x.copy() for x in cop.gradients_for(opts[2].params)])
    for m in (tup, lst, cop):
        np.testing.assert_array_equal(m.params, flat.params)


def test_a_merged_run_keeps_its_state_in_one_buffer_and_round_trips():
    m = model()
    opt = build_optimizer("adam", m.named_parameters(), weight_decay=0.1)
    weights = [i for i, n in enumerate(opt.param_names) if n.endswith(".weight")]
    m1 = opt.state[weights[0]]["exp_avg"]
    m2 = opt.state[weights[1]]["exp_avg"]
    assert m1.shape == (3, 5) and m2.shape == (5, 4)
    assert np.shares_memory(m1.base, m2.base)  # one flat buffer for the weights' run
    grads = m.gradients_for(opt.params)
    stream = grad_stream(m, 40)
    for g in stream[:20]:
        m.grads[...] = g
        opt.step(grads)
    saved, params = opt.state_dict(), m.params.copy()
    assert all(s["step"] == 20 for s in saved["state"].values())
    for g in stream[20:]:
        m.grads[...] = g
        opt.step(grads)
    expect = m.params.copy()
    m2_ = model()
    m2_.params = params
    other = build_optimizer("adam", m2_.named_parameters(), weight_decay=0.1)
    other.load_state_dict(saved)
    grads2 = m2_.gradients_for(other.params)
    for g in stream[20:]:
        m2_.grads[...] = g
        other.step(grads2)
    np.testing.assert_array_equal(m2_.params, expect)


def test_loaded_states_with_different_steps_are_stepped_apart():
    """A state whose parameters have different step counts cannot share one run: each keeps
    its own bias correction (the result equals separate single-array optimizers)."""
    m = model()
    opt = build_optimizer("adam", m.named_parameters())
    sd = opt.state_dict()
    sd["state"][0]["step"] = 5
    opt.load_state_dict(sd)
    singles = [Adam([p.copy()]) for p in opt.params]
    for s, st in zip(singles, sd["state"].values(), strict=True):
        s.state[0]["step"] = st["step"]  # the moments are all 0, as in sd
    g = [np.full(p.shape, 0.5) for p in opt.params]
    opt.step(g)
    for p, s, gi in zip(opt.params, singles, g, strict=True):
        s.step([gi])
        np.testing.assert_array_equal(p, s.params[0])
    assert opt.state[0]["step"] == 6 and opt.state[1]["step"] == 1


@pytest.mark.parametrize("decay_biases", [False, True])
def test_weight_decay_skips_biases_unless_asked(decay_biases):
    """AdamW on a zero gradient: θ ← θ·(1 − α·λ) and the Adam step is 0/(0 + ε) = 0."""
    m = model()
    before = m.views(m.params.copy())
    opt = build_optimizer("adamw", m.named_parameters(), decay_biases=decay_biases, lr=0.1,
                          weight_decay=0.5)
    m.grads[...] = 0.0
    opt.step(m.gradients_for(opt.params))
    after = m.views(m.params)
    for name, p in after.items():
        factor = 0.95 if name.endswith(".weight") or decay_biases else 1.0
        np.testing.assert_array_equal(p, before[name] * factor if factor != 1 else before[name])


def test_groups_take_their_own_learning_rates():
    m = model()
    named = m.named_parameters()
    opt = SGD([{"params": [p for n, p in named if n.endswith(".weight")]},
               {"params": [p for n, p in named if n.endswith(".bias")], "lr": 0.0}], lr=0.1)
    biases = m.views(m.params.copy())
    m.grads[...] = 1.0
    opt.step(m.gradients_for(opt.params))
    for name, p in m.views(m.params).items():
        if name.endswith(".bias"):
            np.testing.assert_array_equal(p, biases[name])
        else:
            np.testing.assert_allclose(p, biases[name] - 0.1, rtol=0, atol=1e-15)


@pytest.mark.parametrize(("name", "kw", "n_groups"), [
    ("adam", {}, 1), ("adam", {"weight_decay": 0.1}, 2), ("adamw", {}, 2),
    ("adamw", {"weight_decay": 0.0}, 1), ("sgd", {"weight_decay": 1e-4}, 2)])
def test_weights_and_biases_are_apart_only_where_their_settings_differ(name, kw, n_groups):
    m = model()
    opt = build_optimizer(name, m.named_parameters(), **kw)
    assert len(opt.param_groups) == n_groups
    assert opt.param_names[:3] == ["dense0.weight", "dense1.weight", "dense2.weight"]
    assert build_optimizer(name, m.named_parameters(), decay_biases=True, **kw
                           ).param_groups[0]["param_names"] == opt.param_names
    assert len(opt._plans[0].arrays) == 1  # the weights (or all): one flat view, one pass


def test_param_names_are_checked_and_used_in_messages():
    w = np.zeros((2, 3))
    with pytest.raises(ValueError, match="param_names must be a list of 1 strings"):
        Adam([{"params": [w], "param_names": ["a", "b"]}])
    with pytest.raises(ValueError, match=r"params\[0\] \(w0\).*read-only"):
        ro = np.zeros(3)
        ro.flags.writeable = False
        Adam([{"params": [ro], "param_names": ["w0"]}])


# ------------------------------------------------------------------ the contract, with toys
class Averaged(Optimizer):
    """SGD whose evaluation weights are the running average of its iterates (a toy with
    modes and group-level state: ``count``)."""

    buffers = ("avg",)
    modes = True
    group_state = ("count",)

    def __init__(self, params, lr=0.1):
        super().__init__(params, dict(lr=lr))

    def _init_group(self, group):
        return {"count": 0}

    def _init_state(self, p, group):
        return {"avg": p.copy(), "train": np.zeros_like(p)}

    def _step_group(self, params, grads, states, group, previous):
        group["count"] += 1
        super()._step_group(params, grads, states, group, previous)

    def _update(self, p, g, state, group):
        state["step"] += 1
        p -= group["lr"] * g
        state["avg"] += (p - state["avg"]) / (state["step"] + 1)

    def _to_eval(self, p, state, group):
        state["train"][...] = p
        p[...] = state["avg"]

    def _to_train(self, p, state, group):
        p[...] = state["train"]


def test_modes_swap_in_place_and_step_needs_train_mode():
    w = np.array([1.0, 2.0])
    opt = Averaged([w])
    opt.step([np.array([1.0, 1.0])])  # w = (0.9, 1.9); avg = (0.95, 1.95)
    assert opt.param_groups[0]["count"] == 1
    opt.eval()
    np.testing.assert_allclose(w, [0.95, 1.95])
    with pytest.raises(ValueError, match="eval mode.*call train"):
        opt.step([np.zeros(2)])
    sd = opt.state_dict()
    assert sd["training"] is False and sd["param_groups"][0]["count"] == 1
    opt.train()
    np.testing.assert_allclose(w, [0.9, 1.9])
    other = Averaged([np.zeros(2)])
    other.load_state_dict(sd)
    assert other.training is False and other.param_groups[0]["count"] == 1
    sd["param_groups"][0]["count"] = float("nan")
    with pytest.raises(ValueError, match="count must be a finite number"):
        other.load_state_dict(sd)


class MatrixSGD(Optimizer):
    """SGD on matrices only (a toy of Muon's contract)."""

    elementwise = False
    matrices = True

    def __init__(self, params, lr=0.1, weight_decay=0.0):
        super().__init__(params, dict(lr=lr, weight_decay=weight_decay))

    def _update(self, p, g, state, group):
        state["step"] += 1
        p -= group["lr"] * 2 * g


def test_a_matrices_only_optimizer_refuses_vectors_by_name():
    with pytest.raises(ValueError, match=r"params\[0\] \(dense0.bias\) has shape \(3,\).*2-D"):
        MatrixSGD([{"params": [np.zeros(3)], "param_names": ["dense0.bias"]}])


def test_a_matrices_row_steps_hidden_matrices_and_gives_the_rest_to_its_fallback(monkeypatch):
    monkeypatch.setitem(OPTIMIZERS, "toymatrix", OptimizerSpec(
        MatrixSGD, matrices=True, fallback="sgd"))
    m = model()
    opt = build_optimizer("toymatrix", m.named_parameters(), lr=0.1,
                          fallback_args={"lr": 0.1})
    assert isinstance(opt, MultiOptimizer)
    assert opt.parts[0].param_names == ["dense0.weight", "dense1.weight"]
    assert opt.parts[1].param_names == ["dense2.weight", "dense0.bias", "dense1.bias",
                                        "dense2.bias"]
    before = m.views(m.params.copy())
    m.grads[...] = 1.0
    grads = m.gradients_for(opt.params)
    opt.step(grads)
    for name, p in m.views(m.params).items():
        step = 0.2 if name in ("dense0.weight", "dense1.weight") else 0.1
        np.testing.assert_allclose(p, before[name] - step, rtol=0, atol=1e-15)
    sd = opt.state_dict()
    assert sorted(sd["state"]) == list(range(6))
    opt.load_state_dict(sd)
    with pytest.raises(ValueError, match="no hidden layer"):
        build_optimizer("toymatrix", MLP(2, (), 1).named_parameters())


def test_register_refuses_a_bad_row():
    with pytest.raises(ValueError, match="fallback"):
        OptimizerSpec(MatrixSGD, matrices=True)
    with pytest.raises(ValueError, match="family"):
        OptimizerSpec(Adam, family="quick")
    with pytest.raises(ValueError, match="not a registered optimizer"):
        register("x", OptimizerSpec(MatrixSGD, matrices=True, fallback="nope"))
    assert "x" not in OPTIMIZERS


def test_adamw_row_is_decoupled_and_elementwise():
    assert OPTIMIZERS["adamw"].decay == "decoupled" and AdamW.elementwise
