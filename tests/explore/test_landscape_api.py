"""The landscape endpoint's paths and internals, against adamlab.landscape and a hand Adam."""

from __future__ import annotations

import math

import pytest

from adamlab.explore.landscape_api import landscape, meta, surface
from adamlab.explore.validate import BadRequest
from adamlab.landscape import get_function, run_path

FOUR = ["adam", "sgd", "rmsprop", "momentum"]


def _settings(p):
    return {k: tuple(v) if isinstance(v, list) else v for k, v in p["settings"].items()}


@pytest.mark.parametrize("function", ["rosenbrock", "beale", "saddle"])
def test_paths_are_run_paths(function):
    """The same points and values as adamlab.landscape.run_path for the same settings."""
    out = landscape({"function": function, "optimizers": [{"name": n} for n in FOUR],
                     "steps": 300, "beta1": 0.8, "eps": 1e-6})
    for p in out["paths"]:
        ref = run_path(function, p["optimizer"], steps=300, **_settings(p))
        assert p["xy"] == ref["xy"] and p["f"] == ref["f"]
        assert p["diverged"] == ref["diverged"]
    assert out["paths"][0]["settings"]["betas"] == [0.8, 0.999]
    assert "betas" not in out["paths"][1]["settings"]  # SGD takes no betas


def test_diverged_path_matches_run_path():
    out = landscape({"function": "rosenbrock", "optimizers": [{"name": "sgd", "lr": 0.05}],
                     "steps": 100})
    (p,) = out["paths"]
    ref = run_path("rosenbrock", "sgd", lr=0.05, steps=100)
    assert p["diverged"] and ref["diverged"] and p["xy"] == ref["xy"]
    assert len(p["internals"]["grad"]) == len(p["xy"]) - 1


def test_adam_internals_equal_a_hand_computation():
    """m̂, v̂, 1 − β^t and Δθ from Adam's equations written out here in plain floats."""
    b1, b2, eps, lr, steps = 0.8, 0.99, 1e-6, 0.05, 40
    out = landscape({"function": "rosenbrock", "optimizers": [{"name": "adam", "lr": lr}],
                     "steps": steps, "beta1": b1, "beta2": b2, "eps": eps})
    internals = out["paths"][0]["internals"]
    fn = get_function("rosenbrock")
    theta, m, v = list(fn.start), [0.0, 0.0], [0.0, 0.0]
    for t in range(1, steps + 1):
        g = list(fn.gradient(*theta))
        bc1, bc2 = 1 - b1**t, 1 - b2**t
        new = []
        for i in range(2):
            m[i] = b1 * m[i] + (1 - b1) * g[i]
            v[i] = b2 * v[i] + (1 - b2) * g[i] ** 2
            m_hat, v_hat = m[i] / bc1, v[i] / bc2
            step = -lr * m_hat / (math.sqrt(v_hat) + eps)
            k = t - 1
            assert internals["grad"][k][i] == pytest.approx(g[i], rel=1e-12)
            assert internals["m_hat"][k][i] == pytest.approx(m_hat, rel=1e-9, abs=1e-12)
            assert internals["v_hat"][k][i] == pytest.approx(v_hat, rel=1e-9)
            assert internals["step"][k][i] == pytest.approx(step, rel=1e-6, abs=1e-12)
            new.append(theta[i] + step)
        assert internals["bc1"][t - 1] == pytest.approx(bc1, rel=1e-12)
        assert internals["bc2"][t - 1] == pytest.approx(bc2, rel=1e-12)
        assert internals["t"][t - 1] == t
        theta = new


def test_first_adam_step_is_lr_times_sign():
    """At t = 1, m̂ = g and v̂ = g², so Δθ = −lr·g/(|g| + ε) ≈ −lr·sign(g)."""
    out = landscape({"function": "beale", "optimizers": [{"name": "adam", "lr": 0.1}],
                     "steps": 1})
    internals = out["paths"][0]["internals"]
    g = internals["grad"][0]
    assert internals["m_hat"][0] == pytest.approx(g)
    assert internals["v_hat"][0] == pytest.approx([x * x for x in g])
    assert internals["step"][0] == pytest.approx([-0.1 * math.copysign(1, x) for x in g],
                                                 rel=1e-6)


def test_amsgrad_reports_the_max_it_uses():
    out = landscape({"function": "rosenbrock", "optimizers": [{"name": "amsgrad", "lr": 0.05}],
                     "steps": 200})
    v_hat = out["paths"][0]["internals"]["v_hat"]
    bc2 = out["paths"][0]["internals"]["bc2"]
    raw = [[x * b for x in row] for row, b in zip(v_hat, bc2, strict=True)]
    for i in range(2):  # the max of v never decreases
        assert all(b >= a * (1 - 1e-12) for a, b in zip([r[i] for r in raw],
                                                          [r[i] for r in raw][1:], strict=False))


def test_meta_lists_the_registry_live():
    from adamlab.optim import OPTIMIZERS

    names = [r["name"] for r in meta()["optimizers"]]
    assert set(names) == {n for n, s in OPTIMIZERS.items() if not s.matrices}
    assert set(meta()["functions"]) >= {"rosenbrock", "beale", "himmelblau"}


def test_surface_is_the_function_on_a_grid():
    s = surface({"function": "himmelblau", "n": "10"})
    fn = get_function("himmelblau")
    assert len(s["z"]) == 100
    assert s["z"][0] == pytest.approx(float(fn(fn.xlim[0], fn.ylim[0])), rel=1e-6)
    assert s["z"][9] == pytest.approx(float(fn(fn.xlim[1], fn.ylim[0])), rel=1e-6)


@pytest.mark.parametrize("body, words", [
    ({"function": "nope", "optimizers": [{"name": "adam"}]}, ["'function'", "rosenbrock"]),
    ({"function": "beale", "optimizers": []}, ["'optimizers'", "1 to 6"]),
    ({"function": "beale", "optimizers": [{"name": "adam"}] * 7}, ["'optimizers'"]),
    ({"function": "beale", "optimizers": [{"name": "adamx"}]}, ["optimizers[0]", "'name'"]),
    ({"function": "beale", "optimizers": [{"name": "adam", "lr": -1}]}, ["'lr'", "[1e-06"]),
    ({"function": "beale", "optimizers": [{"name": "adam", "lr": "1"}]}, ["'lr'", "number"]),
    ({"function": "beale", "optimizers": [{"name": "adam"}], "steps": 10**6}, ["'steps'"]),
    ({"function": "beale", "optimizers": [{"name": "adam"}], "steps": 2.5}, ["'steps'"]),
    ({"function": "beale", "optimizers": [{"name": "adam"}], "beta2": 1}, ["'beta2'"]),
    ({"function": "beale", "optimizers": [{"name": "adam"}], "eps": 0}, ["'eps'"]),
    ({"function": "beale", "optimizers": [{"name": "adam"}], "start": [0]}, ["'start'"]),
    ({"function": "beale", "optimizers": [{"name": "adam"}], "start": [1e9, 0]},
     ["'start[0]'"]),
    ({"function": "beale", "optimizers": [{"name": "adam"}], "lrr": 1}, ["'lrr'"]),
    ({"function": "beale", "optimizers": [{"name": "sgd"}], "beta1": 2}, ["'beta1'"]),
    ({"function": "beale", "optimizers": [{"name": "adam", "step": 1}]},
     ["optimizers[0]", "'step'"]),
    ({"function": "beale", "optimizers": ["adam"]}, ["optimizers[0]", "object"]),
])
def test_bad_landscape_requests_say_what_is_wrong(body, words):
    with pytest.raises(BadRequest) as e:
        landscape(body)
    for w in words:
        assert w in str(e.value)


def test_surface_refuses_a_huge_grid():
    with pytest.raises(BadRequest, match="'n'"):
        surface({"function": "beale", "n": "100000"})


def test_every_registered_optimizer_runs_in_the_explorer():
    """The registry grows while adamlab does: each row the page offers runs a path and an
    epoch of the playground, and its Δθ is the difference of its points."""
    from adamlab.explore.landscape_api import optimizer_rows
    from adamlab.explore.playground import Playground

    for row in optimizer_rows():
        (p,) = landscape({"function": "beale", "optimizers": [{"name": row["name"]}],
                          "steps": 20})["paths"]
        xy = p["xy"]
        for k, d in enumerate(p["internals"]["step"]):
            assert d == pytest.approx([xy[k + 1][0] - xy[k][0], xy[k + 1][1] - xy[k][1]])
        out = Playground.from_request({"dataset": "xor", "optimizer": row["name"],
                                       "n_samples": 40, "hidden": [3]}).epoch()
        assert "row" in out or "diverged" in out, row["name"]


def test_a_row_registered_while_serving_is_offered_at_once():
    from adamlab.optim import OPTIMIZERS, Adam, OptimizerSpec, register

    register("adam-explore-test", OptimizerSpec(Adam, {"amsgrad": True}, "a test row"))
    try:
        assert "adam-explore-test" in [r["name"] for r in meta()["optimizers"]]
        out = landscape({"function": "beale", "steps": 5,
                         "optimizers": [{"name": "adam-explore-test", "lr": 0.1}]})
        ref = run_path("beale", "amsgrad", lr=0.1, steps=5)
        assert out["paths"][0]["xy"] == ref["xy"]
    finally:
        OPTIMIZERS.pop("adam-explore-test", None)


def test_a_slider_recomputes_only_the_paths_it_changes():
    body = {"function": "himmelblau", "steps": 50,
            "optimizers": [{"name": "adam", "lr": 0.1}, {"name": "sgd", "lr": 0.005}]}
    first = landscape({**body, "beta1": 0.9})["paths"]
    moved = landscape({**body, "beta1": 0.7})["paths"]
    assert moved[1] is first[1]  # SGD takes no β: served as it was
    assert moved[0] is not first[0] and moved[0]["xy"] != first[0]["xy"]
    again = landscape({**body, "beta1": 0.9})["paths"]
    assert again[0]["xy"] == first[0]["xy"]


def test_a_replaced_registry_row_is_run_anew():
    from adamlab.optim import OPTIMIZERS, SGD, OptimizerSpec, register

    body = {"function": "beale", "steps": 10, "optimizers": [{"name": "sgd-explore-test",
                                                               "lr": 0.01}]}
    register("sgd-explore-test", OptimizerSpec(SGD, {}, "plain", family="sgd"))
    try:
        plain = landscape(body)["paths"][0]["xy"]
        register("sgd-explore-test", OptimizerSpec(SGD, {"momentum": 0.9}, "heavy", family="sgd"))
        heavy = landscape(body)["paths"][0]["xy"]
        assert heavy == run_path("beale", "momentum", lr=0.01, steps=10)["xy"] != plain
    finally:
        OPTIMIZERS.pop("sgd-explore-test", None)


def test_the_page_is_told_the_figures_drawing_rule():
    from adamlab.plot.landscape_paths import draw_order, marker_every, path_widths

    out = landscape({"function": "rosenbrock", "steps": 300,
                     "optimizers": [{"name": n} for n in FOUR]})
    draw = out["draw"]
    assert draw["order"] == draw_order(out["paths"], get_function("rosenbrock"))
    assert sorted(draw["order"]) == [0, 1, 2, 3]
    assert draw["widths_pt"] == path_widths(4) and draw["marker_every"] == marker_every(300)
