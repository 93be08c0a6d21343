"""adamlab.landscape: exact gradients, known minima, optimizer paths as plain data."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adamlab.landscape import FUNCTIONS, get_function, optimizer_family, run_path, run_paths
from adamlab.optim import OPTIMIZERS

pytestmark = pytest.mark.filterwarnings("error")  # "no warnings" is part of the contract

NAMES = list(FUNCTIONS)


def central_difference(fn, x: float, y: float, h: float = 1e-6) -> tuple[float, float]:
    return ((fn(x + h, y) - fn(x - h, y)) / (2 * h), (fn(x, y + h) - fn(x, y - h)) / (2 * h))


def test_registry_has_the_five_functions():
    assert set(FUNCTIONS) == {"rosenbrock", "beale", "himmelblau", "saddle", "ill-conditioned"}


@pytest.mark.parametrize("name", NAMES)
def test_gradient_matches_central_differences(name):
    fn = FUNCTIONS[name]
    rng = np.random.default_rng(0)
    for _ in range(20):
        x = rng.uniform(*fn.xlim)
        y = rng.uniform(*fn.ylim)
        gx, gy = fn.gradient(x, y)
        nx, ny = central_difference(fn, x, y)
        scale = 1 + abs(gx) + abs(gy)
        assert gx == pytest.approx(nx, abs=1e-5 * scale), (x, y)
        assert gy == pytest.approx(ny, abs=1e-5 * scale), (x, y)


@settings(max_examples=50, deadline=None)
@given(name=st.sampled_from(NAMES), u=st.floats(0, 1), w=st.floats(0, 1))
def test_gradient_matches_central_differences_anywhere_in_the_domain(name, u, w):
    fn = FUNCTIONS[name]
    x = fn.xlim[0] + u * (fn.xlim[1] - fn.xlim[0])
    y = fn.ylim[0] + w * (fn.ylim[1] - fn.ylim[0])
    g = np.array(fn.gradient(x, y))
    n = np.array(central_difference(fn, x, y))
    np.testing.assert_allclose(g, n, rtol=1e-5, atol=1e-5 * (1 + np.abs(g).sum()))


@pytest.mark.parametrize("name", NAMES)
def test_value_and_gradient_are_vectorised_over_grids(name):
    fn = FUNCTIONS[name]
    xx, yy = np.meshgrid(np.linspace(*fn.xlim, 7), np.linspace(*fn.ylim, 5))
    f = fn(xx, yy)
    gx, gy = fn.gradient(xx, yy)
    assert f.shape == gx.shape == gy.shape == (5, 7)
    assert f[2, 3] == pytest.approx(fn(float(xx[2, 3]), float(yy[2, 3])))
    assert gx[4, 6] == pytest.approx(fn.gradient(float(xx[4, 6]), float(yy[4, 6]))[0])


@pytest.mark.parametrize("name", NAMES)
def test_minima_are_stationary_and_lowest(name):
    fn = FUNCTIONS[name]
    for x, y in fn.minima:
        assert np.hypot(*fn.gradient(x, y)) < 1e-4, (x, y)
        assert fn(x, y) == pytest.approx(fn.f_min, abs=1e-9)
    for x, y in fn.saddles:
        assert np.hypot(*fn.gradient(x, y)) < 1e-12
    xx, yy = np.meshgrid(np.linspace(*fn.xlim, 201), np.linspace(*fn.ylim, 201))
    assert fn(xx, yy).min() >= fn.f_min - 1e-12  # nothing on the domain is lower


@pytest.mark.parametrize("name", NAMES)
def test_start_and_minima_lie_in_the_plot_domain(name):
    fn = FUNCTIONS[name]
    for x, y in [fn.start, *fn.minima]:
        assert fn.xlim[0] <= x <= fn.xlim[1] and fn.ylim[0] <= y <= fn.ylim[1]


def test_ill_conditioned_has_condition_number_100():
    fn = FUNCTIONS["ill-conditioned"]
    # the Hessian of a quadratic, column by column from the (linear) gradient
    H = np.array([fn.gradient(1.0, 0.0), fn.gradient(0.0, 1.0)]).T
    eig = np.linalg.eigvalsh((H + H.T) / 2)
    assert eig.max() / eig.min() == pytest.approx(100)
    assert abs(H[0, 1]) > 0.1  # rotated: the valley is not along an axis


def test_run_path_returns_plain_json_data():
    p = run_path("rosenbrock", "adam", steps=25)
    assert set(p) == {"function", "optimizer", "lr", "steps", "start", "xy", "f", "diverged"}
    assert p["function"] == "rosenbrock" and p["optimizer"] == "adam"
    assert p["lr"] == FUNCTIONS["rosenbrock"].default_lr("adam")
    assert np.asarray(p["xy"]).shape == (26, 2) and len(p["f"]) == 26
    assert p["xy"][0] == list(FUNCTIONS["rosenbrock"].start) == p["start"]
    assert p["f"][5] == pytest.approx(FUNCTIONS["rosenbrock"](*p["xy"][5]))
    assert p["diverged"] is False
    assert json.loads(json.dumps(p, allow_nan=False)) == p


def test_run_path_follows_the_optimizer_step_by_step():
    """Two steps of SGD by hand: θ ← θ − α·∇f(θ)."""
    fn, lr = FUNCTIONS["himmelblau"], 0.01
    p = run_path("himmelblau", "sgd", lr=lr, steps=2, start=(1.0, -0.5))
    theta = np.array([1.0, -0.5])
    for k in (1, 2):
        theta = theta - lr * np.array(fn.gradient(*theta))
        np.testing.assert_allclose(p["xy"][k], theta, rtol=1e-15)


def test_optimizer_arguments_reach_the_optimizer():
    a = run_path("beale", "adam", steps=30)
    b = run_path("beale", "adam", steps=30, betas=(0.5, 0.9))
    assert a["xy"][1] == b["xy"][1]  # the first step of Adam is ±α whatever the betas
    assert a["xy"][-1] != b["xy"][-1]


def test_steps_zero_and_explicit_start():
    p = run_path("saddle", "sgd", steps=0, start=(0.5, 0.25))
    assert p["xy"] == [[0.5, 0.25]] and p["f"] == [FUNCTIONS["saddle"](0.5, 0.25)]


@pytest.mark.parametrize("name", ["rosenbrock", "ill-conditioned"])
def test_adam_reaches_the_minimum(name):
    p = run_path(name, "adam", lr=0.05, steps=2000)
    end = np.array(p["xy"][-1])
    assert not p["diverged"]
    assert np.linalg.norm(end - np.array(FUNCTIONS[name].minima[0])) < 1e-3
    assert p["f"][-1] < 1e-6


def test_every_optimizer_runs_on_every_function_with_its_default_rate():
    for name in NAMES:
        for p in run_paths(name, [n for n, s in OPTIMIZERS.items() if not s.matrices]):
            assert not p["diverged"], (name, p["optimizer"])
            assert len(p["xy"]) == FUNCTIONS[name].steps + 1
            assert p["f"][-1] < p["f"][0], (name, p["optimizer"])  # and gets somewhere


@pytest.mark.parametrize(
    "name, optimizer, lr",
    [("rosenbrock", "sgd", 0.01), ("beale", "momentum", 0.05), ("ill-conditioned", "sgd", 0.5),
     ("himmelblau", "sgd", 1e300), ("rosenbrock", "sgd", 1e308)],
)
def test_divergence_is_marked_not_raised(name, optimizer, lr):
    p = run_path(name, optimizer, lr=lr, steps=500)
    assert p["diverged"] is True
    assert 1 <= len(p["xy"]) < 501 and len(p["xy"]) == len(p["f"])
    assert np.all(np.isfinite(p["xy"])) and np.all(np.isfinite(p["f"]))
    json.dumps(p, allow_nan=False)  # strict JSON, as the CLI writes it


def test_divergence_keeps_the_escaping_point_when_it_is_finite():
    fn = FUNCTIONS["rosenbrock"]
    p = run_path("rosenbrock", "sgd", lr=0.01, steps=100)
    x0, x1, y0, y1 = fn.box()
    x, y = p["xy"][-1]
    assert not (x0 <= x <= x1 and y0 <= y <= y1)
    assert all(x0 <= a <= x1 and y0 <= b <= y1 for a, b in p["xy"][:-1])


def test_unknown_names_list_the_known_ones():
    with pytest.raises(ValueError, match="rosenbrock, beale, himmelblau, saddle, ill-conditioned"):
        run_path("banana", "adam")
    with pytest.raises(ValueError, match="adam.*sgd"):
        run_path("rosenbrock", "adamm")
    with pytest.raises(ValueError, match="choose one of"):
        run_paths("nope", ["adam"])


def test_bad_arguments_name_themselves():
    with pytest.raises(ValueError, match="steps"):
        run_path("beale", "adam", steps=-1)
    with pytest.raises(ValueError, match="start"):
        run_path("beale", "adam", start=(1.0, math.nan))
    with pytest.raises(ValueError, match="start"):
        run_path("beale", "adam", start=(1.0, 2.0, 3.0))
    with pytest.raises(ValueError, match="does not take"):
        run_path("beale", "sgd", betas=(0.9, 0.99))
    with pytest.raises(ValueError, match="optimizer_names is empty"):
        run_paths("beale", [])


def test_names_are_case_insensitive():
    assert get_function(" Rosenbrock ").name == "rosenbrock"
    assert run_path("SADDLE", "Adam", steps=3)["optimizer"] == "adam"


def test_run_paths_shares_start_and_steps_and_takes_a_rate_per_optimizer():
    paths = run_paths("himmelblau", ["sgd", "adam", "adagrad"], lr={"adam": 0.3}, steps=10,
                      start=(1.0, 1.0))
    assert [p["optimizer"] for p in paths] == ["sgd", "adam", "adagrad"]
    assert [p["lr"] for p in paths] == [FUNCTIONS["himmelblau"].default_lr("sgd"), 0.3,
                                        FUNCTIONS["himmelblau"].default_lr("adagrad")]
    assert all(p["xy"][0] == [1.0, 1.0] and len(p["xy"]) == 11 for p in paths)
    assert [p["lr"] for p in run_paths("beale", ["sgd", "adam"], lr=0.002, steps=2)] == [0.002] * 2


def test_families():
    assert optimizer_family("nesterov") == "sgd"
    assert optimizer_family("adagrad") == "adagrad"
    assert optimizer_family("adamax") == "adaptive"
    for fn in FUNCTIONS.values():
        for name in OPTIMIZERS:
            assert fn.default_lr(name) > 0


def test_a_matrix_only_optimizer_is_refused_on_a_point():
    with pytest.raises(ValueError, match=r"'Muon' is defined on weight matrices only.*'adamw'"):
        run_path("rosenbrock", "Muon")
    with pytest.raises(ValueError, match=r"weight matrices only"):
        run_paths("beale", ["adam", "muon"])
