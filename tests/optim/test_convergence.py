"""Every registry optimizer minimises an ill-conditioned quadratic and the Rosenbrock function.

One table drives both: a learning rate and a step budget per optimizer and problem, chosen by
hand (adaptive methods with a constant learning rate hover in Rosenbrock's valley instead of
settling, so their tolerance is the looser ``f < 1e-2``; the others must get to ``f < 1e-4``).
"""

from __future__ import annotations

import numpy as np
import pytest

from adamlab.optim import OPTIMIZERS, make_optimizer

# Quadratic f(θ) = ½((x − 1)² + κ(y + 2)²), condition number κ = 50, minimum at (1, −2).
KAPPA = 50.0
CENTER = np.array([1.0, -2.0])


def quad(p):
    d = p - CENTER
    return 0.5 * (d[0] ** 2 + KAPPA * d[1] ** 2)


def quad_grad(p):
    d = p - CENTER
    return np.array([d[0], KAPPA * d[1]])


def rosen(p):
    x, y = p
    return (1 - x) ** 2 + 100 * (y - x * x) ** 2


def rosen_grad(p):
    x, y = p
    return np.array([-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)])


HOVER, SETTLE = 1e-2, 1e-4
# Adafactor's step is relative, ≈ RMS(θ)/√t whatever the gradient (clipped at RMS 1): after 6000
# steps it is still ~1% of |θ| ≈ 1.4, which leaves f ≈ 0.03 in the valley (it shrinks as 1/√t).
RELATIVE = 5e-2
# name: (quadratic lr, steps, Rosenbrock lr, steps, Rosenbrock tolerance on f)
TABLE = {
    "sgd": (0.03, 300, 0.002, 4000, SETTLE),  # quadratic: lr < 2/κ for stability
    "momentum": (0.01, 300, 0.002, 2000, SETTLE),
    "nesterov": (0.01, 300, 0.001, 2000, SETTLE),
    "rmsprop": (0.03, 300, 0.001, 5000, HOVER),
    "adagrad": (1.0, 300, 1.0, 6000, HOVER),
    "adam": (0.1, 300, 0.03, 2000, SETTLE),
    "adamw": (0.1, 1000, 0.005, 4000, HOVER),
    "amsgrad": (0.1, 300, 0.1, 2000, SETTLE),
    "nadam": (0.1, 300, 0.02, 2000, HOVER),
    "radam": (0.1, 1000, 0.01, 6000, HOVER),
    "adamax": (0.3, 300, 0.02, 4000, SETTLE),
    # issue 13, torch.optim's others (Muon, matrix-only: a matrix quadratic in test_torch_family)
    "adadelta": (10.0, 300, 0.05, 8000, HOVER),
    "rprop": (0.01, 300, 0.01, 3000, SETTLE),
    "asgd": (0.03, 300, 0.002, 4000, SETTLE),
    "adafactor": (0.1, 300, 0.1, 6000, RELATIVE),
    # issue 13, references not in torch.optim (Lion, LAMB, LARS with the rate decayed: below)
    "lion": (0.1, 300, 0.01, 6000, SETTLE),
    "adabelief": (0.03, 1000, 0.003, 8000, SETTLE),
    "lamb": (0.1, 1000, 0.03, 8000, SETTLE),
    "lars": (1.0, 1000, 3.0, 4000, SETTLE),
    "adopt": (0.1, 300, 1.0, 1500, SETTLE),
    "ademamix": (1.0, 1000, 0.03, 8000, SETTLE),
    "schedulefree": (0.1, 1000, 0.03, 4000, HOVER),  # the trained y (its average x: test_family)
    "prodigy": (1.0, 1000, 1.0, 4000, SETTLE),
}
# Steps of a fixed length whatever the gradient (Lion's ±α per coordinate, LAMB's and LARS's
# trust ratio: ~α·‖θ‖) hover at that distance from a minimum under a constant rate; these get
# the rate decayed linearly to 0 over the run (their papers decay it, polynomially).
DECAYED = {"lion", "lamb", "lars"}


def test_table_covers_the_registry():
    # a matrix-only row (Muon) has no 2-D point to run on
    assert set(TABLE) == {n for n, s in OPTIMIZERS.items() if not s.matrices}


def minimise(name, grad, x0, lr, steps):
    p = np.array(x0, dtype=np.float64)
    opt = make_optimizer(name, [p], lr=lr)
    for t in range(steps):
        if name in DECAYED:
            opt.param_groups[0]["lr"] = lr * (1 - t / steps)
        opt.step([grad(p)])
        assert np.all(np.isfinite(p)), f"{name} diverged"
    return p


@pytest.mark.parametrize("name", list(TABLE))
def test_minimises_ill_conditioned_quadratic(name):
    lr, steps = TABLE[name][:2]
    x0 = (-2.0, 1.0)
    p = minimise(name, quad_grad, x0, lr, steps)
    # AdamW's decoupled decay (λ = 1e-2 by default) pulls its fixed point towards 0
    tol = 1e-2 if name == "adamw" else 1e-3
    assert np.linalg.norm(p - CENTER) < tol
    assert quad(p) < 1e-6 * quad(np.array(x0)) or name == "adamw"


@pytest.mark.parametrize("name", list(TABLE))
def test_minimises_rosenbrock(name):
    _, _, lr, steps, tol = TABLE[name]
    x0 = (-1.5, 2.0)
    p = minimise(name, rosen_grad, x0, lr, steps)
    assert rosen(p) < tol
    assert np.linalg.norm(p - 1.0) < 0.1  # in the valley's end, not just anywhere on it
