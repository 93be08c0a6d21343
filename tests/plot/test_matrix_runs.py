"""adamlab.plot.matrix_runs: a Figure of the matrix problem's runs, its settings in the title."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure

from adamlab import matrix_problem as mp
from adamlab.plot import matrix_runs

SGD_LR = 1e-3  # torch's (and so adamlab's) SGD default, which a run without a rate takes


def test_one_loss_panel_and_one_spectrum_panel_per_optimizer():
    problem = mp.make_problem(seed=2, condition=50.0)
    runs = mp.run_all(problem, ["muon", "sgd"], lr={"muon": 0.05}, steps=10)
    described = {"seed": 2, "condition": problem.hessian_condition(), "steps": 10,
                 "sv_star": np.linalg.svd(problem.W_star, compute_uv=False).tolist()}
    fig = matrix_runs(runs, described)
    assert isinstance(fig, Figure)
    loss_ax, *spectra = [ax for ax in fig.axes if ax.has_data()]
    assert loss_ax.get_yscale() == "log" and len(spectra) == 2
    labels = [t.get_text() for t in loss_ax.get_legend().get_texts()]
    assert labels == ["muon (α 0.05)", f"sgd (α {SGD_LR:g})"]
    assert len(spectra[0].get_lines()) == 8 + 8  # W*'s 8 levels, W's 8 singular values
    title = fig._suptitle.get_text()
    assert "κ = 50" in title and "seed 2" in title


def test_no_runs_is_refused():
    with pytest.raises(ValueError, match="runs is empty"):
        matrix_runs([], {"seed": 0, "condition": 1.0, "steps": 0, "sv_star": [1.0]})
