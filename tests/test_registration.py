"""Adding an optimizer is one class and one registry row: a toy registered here, inside the
test, is found by every entry point (docs/architecture.md's checklist).

The toy is SGD with a gain of 2 (θ ← θ − 2α·g), so a wrong route would show in the numbers.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from adamlab import landscape
from adamlab.cli import main
from adamlab.optim import OPTIMIZERS, Optimizer, OptimizerSpec, register, table


class Doubled(Optimizer):
    """θ_t = θ_{t-1} − 2α·g_t (a toy)."""

    def __init__(self, params, lr=0.05, weight_decay=0.0):
        super().__init__(params, dict(lr=lr, weight_decay=weight_decay))

    def _update(self, p, g, state, group):
        state["step"] += 1
        p -= 2 * group["lr"] * g  # θ_t = θ_{t-1} − 2α·g_t


@pytest.fixture
def toy():
    register("toy2x", OptimizerSpec(Doubled, {}, "SGD, twice the step (a test's toy)",
                                    family="sgd", reference="a hand computation",
                                    color="#123456"))
    yield "toy2x"
    del OPTIMIZERS["toy2x"]


def test_the_registry_and_the_docs_table_list_it(toy):
    from adamlab.optim import get_optimizer_spec

    assert get_optimizer_spec(toy).cls is Doubled
    assert "`toy2x`" in table.markdown()
    assert any(r["name"] == toy and r["state"] == "0" for r in table.rows())
    from adamlab.plot.style import color_for

    assert color_for(toy) == "#123456"


def test_landscape_runs_it_with_its_family_rate(toy):
    path = landscape.run_path("rosenbrock", toy, steps=3)
    f = landscape.get_function("rosenbrock")
    x, y = f.start
    gx, gy = f.gradient(x, y)
    lr = f.default_lr(toy)
    assert lr == f.lr["sgd"]
    assert path["lr"] == lr
    np.testing.assert_allclose(path["xy"][1], [x - 2 * lr * gx, y - 2 * lr * gy], rtol=1e-12)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_the_estimator_takes_it(toy):
    from adamlab import MLPClassifier

    X = np.random.default_rng(0).standard_normal((40, 2))
    y = (X[:, 0] > 0).astype(int)
    est = MLPClassifier(hidden_layer_sizes=(4,), optimizer=toy, max_iter=3, random_state=0)
    est.fit(X, y)
    assert est.n_iter_ == 3


@pytest.mark.parametrize("command", [
    ["train", "--epochs", "2"],
    ["compare", "--seeds", "1", "--epochs", "2", "--optimizers", "{toy},sgd"],
    ["sweep", "--seeds", "1", "--epochs", "2", "--lrs", "0.01", "--optimizers", "{toy}"],
])
def test_the_cli_commands_take_it(toy, command, tmp_path, capsys):
    args = [a.format(toy=toy) for a in command]
    if command[0] == "train":
        args += ["--optimizer", toy]
    rc = main([*args, "--data", "moons", "--n-samples", "60", "--out", str(tmp_path / "o"),
               "--quiet", "--json"])
    out = capsys.readouterr()
    assert rc == 0, out.err
    assert toy in out.out
    json.loads(out.out)
