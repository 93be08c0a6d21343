"""Every output's cost is bounded (issue 16 §1).

The promises, each asserted on the amount of work (rows per block, classes drawn, calls made),
never on time, and without allocating anything large:

* a network whose parameters cannot fit in memory is refused up front, with the figure
  (``--hidden 1000000,1000000``: 7.3 TiB), by ``MLP`` (ValueError) and by ``adamlab train``
  (exit 2, one line);
* forward, predict and evaluate go through rows in blocks whose activations fit the memory
  budget, and so does everything a run writes (a wide model's picture included);
* the decision boundary asks for probabilities in blocks of at most ``BLOCK_VALUES`` and draws
  the most frequent classes one by one, the rest as one "other" class, saying so: a
  10,000-class CSV trains and writes its pictures;
* ``--workers`` is capped at the number of runs, with one note on stderr;
* ``--epochs`` and ``landscape --steps`` have bounds (in ``--help``, exit 2 beyond them), and
  plain progress lines come by time as well as by count.
"""

from __future__ import annotations

import argparse
import io
import json
import math

import numpy as np
import pytest
from robustkit import assert_one_clear_line, run_cli

from adamlab.cli.options import MAX_EPOCHS, epochs_count
from adamlab.cli.progress import Progress, workers_for
from adamlab.nn import MLP, budget
from adamlab.plot import boundary
from adamlab.train import metrics

TIB = 2**40


# ---------------------------------------------------------------- sizes refused up front
def test_parameter_count_by_hand():
    # (2+1)·3 + (3+1)·4 + (4+1)·1 = 9 + 16 + 5
    assert budget.parameter_count([2, 3, 4, 1]) == 30
    assert budget.parameter_count([2, 3, 4, 1]) == MLP(2, (3, 4), 1).n_params


def test_two_layers_of_a_million_are_refused_with_the_figure():
    # (2+1)·1e6 + (1e6+1)·1e6 + (1e6+1)·1 values of 8 bytes
    n = 3 * 10**6 + (10**6 + 1) * 10**6 + 10**6 + 1
    assert f"{n * 8 / TIB:.1f} TiB" == "7.3 TiB"
    with pytest.raises(ValueError, match=r"needs 7\.3 TiB of parameters") as e:
        MLP(2, (10**6, 10**6), 1)  # refused before anything is allocated
    assert "narrower hidden layers" in str(e.value)


def test_the_width_advised_fits():
    memory = 10**6  # bytes: a small machine, so that the refusal happens at small sizes
    with pytest.raises(ValueError, match="needs") as e:
        budget.check_fits([2, 1000, 1000, 1], np.float64, memory=memory)
    advised = str(e.value).split("e.g. ")[1].split(")")[0]
    widths = [int(w) for w in advised.split(",")]
    assert len(widths) == 2
    assert 2 * budget.parameter_count([2, *widths, 1]) * 8 <= memory / 4
    budget.check_fits([2, *widths, 1], np.float64, memory=memory)  # accepted


def test_float32_is_advised_only_when_it_would_fit():
    n = budget.parameter_count([2, 100, 1])
    with pytest.raises(ValueError, match="float32"):
        budget.check_fits([2, 100, 1], np.float64, memory=n * 8)  # half of 2n·8 bytes
    with pytest.raises(ValueError) as e:
        budget.check_fits([2, 100, 1], np.float64, memory=n * 8 // 4)
    assert "float32" not in str(e.value)


def test_cli_refuses_a_network_that_cannot_fit(tmp_path):
    out = tmp_path / "run"
    code, stdout, err = run_cli(["train", "--data", "moons", "--n-samples", "40", "--epochs", "1",
                                 "--hidden", "1000000,1000000", "--out", str(out)])
    line = assert_one_clear_line(code, stdout, err, status=2, fragments=["7.3 TiB"])
    assert "memory" in line and "narrower hidden layers" in line
    assert not out.exists()


# --------------------------------------------------------------------- blocks of rows
def test_rows_per_block_by_hand():
    # a row through 2 -> 10⁶ -> 1: 2 + 2·10⁶ + 3 values of 8 bytes; 256 MiB / 16,000,040 B
    assert budget.rows_per_block([2, 10**6, 1], np.float64) == 16
    assert budget.rows_per_block([2, 10**6, 1], np.float64, budget=1) == 1


@pytest.mark.parametrize("output, n_out", [("sigmoid", 1), ("softmax", 5), ("identity", 2)])
def test_forward_and_predict_in_blocks_equal_the_whole(output, n_out):
    rng = np.random.default_rng(0)
    model = MLP(3, (7,), n_out, activation="tanh", output=output, rng=rng)
    X = rng.normal(size=(50, 3))
    whole_logits, whole_p = model.forward(X), model.predict_proba(X)
    sizes: list[int] = []
    inner = model._forward
    model._forward = lambda a, *rest: (sizes.append(len(a)), inner(a, *rest))[1]
    model.block_rows = 8
    np.testing.assert_allclose(model.forward(X), whole_logits, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(model.predict_proba(X), whole_p, rtol=1e-12, atol=1e-15)
    assert sizes == ([8] * 6 + [2]) * 2  # two passes of ceil(50/8) blocks


def test_evaluate_chunks_no_larger_than_the_models_block():
    rng = np.random.default_rng(1)
    model = MLP(2, (4,), 1, rng=rng)
    X, y = rng.normal(size=(30, 2)), rng.integers(0, 2, 30)
    whole = metrics.evaluate(model, X, y, None, 0.0, False)
    sizes: list[int] = []
    forward = model.forward
    model.forward = lambda a, **kw: (sizes.append(len(a)), forward(a, **kw))[1]
    model.block_rows = 7
    blocked = metrics.evaluate(model, X, y, None, 0.0, False)
    assert sizes == [7, 7, 7, 7, 2]
    assert blocked["accuracy"] == whole["accuracy"]
    assert math.isclose(blocked["loss"], whole["loss"], rel_tol=1e-12)


def test_a_wide_run_writes_its_outputs_in_blocks_within_the_budget(tmp_path, monkeypatch):
    """Everything ``train`` computes over many rows (evaluation, the picture's grid) goes in
    blocks whose activations fit the budget, here made small so a 2,000-wide layer needs it."""
    monkeypatch.setattr(budget, "MEMORY_BUDGET", 2**20)  # 1 MiB
    per_row = 8 * budget.row_values([2, 2000, 1])
    seen: list[int] = []
    inner = MLP._forward
    monkeypatch.setattr(MLP, "_forward", lambda self, a, *rest: (seen.append(len(a)),
                                                                  inner(self, a, *rest))[1])
    out = tmp_path / "run"
    code, _, err = run_cli(["train", "--data", "moons", "--n-samples", "200", "--epochs", "1",
                            "--hidden", "2000", "--out", str(out), "--quiet"])
    assert code == 0, err
    assert (out / "decision_boundary.png").is_file()
    assert max(seen) * per_row <= 2**20
    assert max(seen) == budget.rows_per_block([2, 2000, 1], np.float64)  # blocks were used


def test_a_wide_model_gets_a_coarser_grid():
    n_params = budget.parameter_count([2, 10**6, 1])
    assert boundary.grid_size_for(n_params) == 32  # the floor: 1,024 points, not 40,000
    assert boundary.grid_size_for(budget.parameter_count([2, 16, 1])) == 200
    n_params = budget.parameter_count([2, 16, 10_000])
    size = boundary.grid_size_for(n_params, 10_000)
    assert 32 < size < 200
    assert size**2 * (n_params + boundary.PER_CLASS * 10_000) <= boundary.GRID_WORK


# ----------------------------------------------------------- the decision boundary
def _many_classes(K: int, rows: int, frequent: list[int], seed: int = 0):
    """``rows`` points; the ``frequent`` classes 5 times each, the rest once (first ones)."""
    rng = np.random.default_rng(seed)
    once = np.setdiff1d(np.arange(K), frequent)[:rows - 5 * len(frequent)]
    y = np.r_[np.repeat(frequent, 5), once]
    return rng.normal(size=(len(y), 2)), y


def test_ten_thousand_classes_are_drawn_as_ten_and_other_in_bounded_blocks():
    K = 10_000
    frequent = [3, 70, 150, 999, 1234, 2000, 4321, 5000, 8765, 9999]
    X, y = _many_classes(K, 120, frequent)
    calls: list[tuple[int, int]] = []

    def predict_proba(points):
        rng = np.random.default_rng(len(calls))
        P = rng.random((len(points), K))
        calls.append(P.shape)
        return P / P.sum(axis=1, keepdims=True)

    fig = boundary.decision_boundary(predict_proba, X, y, classes=list(range(K)), grid_size=30)
    assert sum(rows for rows, _ in calls) == 30 * 30
    assert max(rows * k for rows, k in calls) <= boundary.BLOCK_VALUES
    ax = fig.axes[0]
    labels = ax.get_legend_handles_labels()[1]
    assert labels == [f"class {c}" for c in frequent] + ["9,990 other classes"]
    assert "the 10 most frequent of 10,000 classes drawn" in ax.get_title()


def test_the_reduced_columns_give_the_same_regions_as_all_of_them():
    K, limit = 15, 4
    rng = np.random.default_rng(2)
    points = rng.normal(size=(300, 2))
    full = rng.dirichlet(np.ones(K), size=300)
    counts = rng.integers(0, 50, K)
    P, k, drawn, blocks = boundary._probabilities(lambda p: full[:len(p)] if len(p) == 300 else
                                                  full[_at(points, p)], points, counts, limit)
    assert k == K and P.shape == (300, limit + 1)
    assert list(drawn) == sorted(np.argsort(-counts, kind="stable")[:limit])
    top = full.argmax(axis=1)
    reduced_top = P.argmax(axis=1)  # 0..limit-1: a drawn class; limit: "other"
    expected = np.array([list(drawn).index(t) if t in drawn else limit for t in top])
    np.testing.assert_array_equal(reduced_top, expected)
    assert blocks == 2  # one point to learn K, then the rest in one block


def _at(points: np.ndarray, block: np.ndarray) -> np.ndarray:
    """The row numbers of ``block`` (consecutive rows of ``points``) in ``points``."""
    start = int(np.flatnonzero((points == block[0]).all(axis=1))[0])
    return np.arange(start, start + len(block))


def test_a_ten_thousand_class_csv_trains_and_writes_its_pictures(tmp_path, monkeypatch):
    """The file's slowest test (a few seconds): a 10,000-way softmax over the 10,000 rows it
    takes to have 10,000 classes, trained one epoch, evaluated, and drawn."""
    K = 10_000
    rng = np.random.default_rng(0)
    rows = ["x0,x1,label"] + [f"{a:.4f},{b:.4f},c{i}" for i, (a, b) in
                              enumerate(rng.random((K, 2)))]
    data = tmp_path / "many.csv"
    data.write_text("\n".join(rows) + "\n")
    drawn: list[tuple[int, ...]] = []
    reduce = boundary._probabilities
    monkeypatch.setattr(boundary, "_probabilities",
                        lambda *a: (r := reduce(*a), drawn.append(r[0].shape))[0])
    out = tmp_path / "run"
    code, _, err = run_cli(["train", "--data", str(data), "--hidden", "4", "--epochs", "1",
                            "--batch-size", "500", "--val-fraction", "0", "--out", str(out),
                            "--quiet"])
    assert code == 0, err
    assert (out / "decision_boundary.png").is_file() and (out / "summary.json").is_file()
    (shape,) = drawn
    assert shape[1] == boundary.MAX_CLASSES + 1  # ten classes and "other", not 10,000


# ------------------------------------------------------------------------- --workers
def test_workers_are_capped_at_the_runs_saying_so(capsys):
    assert workers_for(argparse.Namespace(workers=64, quiet=False), 3) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--workers 64" in err and "3 runs" in err
    assert workers_for(argparse.Namespace(workers=2, quiet=False), 5) == 2
    assert workers_for(argparse.Namespace(workers=64, quiet=True), 3) == 3
    assert workers_for(argparse.Namespace(workers=None, quiet=False), 0) == 1
    assert capsys.readouterr().err == ""


def test_sweep_starts_no_more_processes_than_runs(tmp_path, monkeypatch):
    from adamlab import sweep

    asked: list[int] = []
    for name in ("run_local", "run_local_populations"):  # one by one, or as populations
        real = getattr(sweep, name)
        monkeypatch.setattr(sweep, name, lambda tasks, workers, real=real: (
            asked.append(workers), real(tasks, 1))[1])
    out = tmp_path / "sweep"
    code, stdout, err = run_cli(["sweep", "--data", "moons", "--n-samples", "40", "--epochs", "1",
                                 "--optimizers", "adam", "--lrs", "0.01", "--seeds", "2",
                                 "--workers", "16", "--out", str(out), "--json"])
    assert code == 0, err
    assert asked == [2]
    assert "note: --workers 16: 2 runs to do, so 2 processes" in err
    assert json.loads(stdout)["where"] == "local, 2 processes"


# ------------------------------------------------------------- epochs, steps, progress
def test_epochs_have_a_bound():
    assert epochs_count(str(MAX_EPOCHS)) == MAX_EPOCHS
    with pytest.raises(argparse.ArgumentTypeError, match="at most 1,000,000"):
        epochs_count(str(10**12))


@pytest.mark.parametrize("argv, flag", [
    (["train", "--data", "moons", "--epochs", str(10**12)], "--epochs"),
    (["landscape", "--steps", "100001"], "--steps"),
    (["schedule", "--epochs", str(10**12)], "--epochs"),
])
def test_cli_refuses_beyond_the_bounds(tmp_path, argv, flag):
    code, out, err = run_cli([*argv, "--out", str(tmp_path / "o")])
    assert_one_clear_line(code, out, err, status=2, fragments=[flag, "at most"])
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("command, bound", [("train", "at most 1,000,000"),
                                            ("schedule", "at most 1,000,000"),
                                            ("landscape", "at most 100,000")])
def test_the_bounds_are_in_help(command, bound):
    code, out, _ = run_cli([command, "--help"])
    assert code == 0
    assert bound in " ".join(out.split())


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _lines(progress: Progress, clock: _Clock, epochs: range, seconds_each: float) -> list[int]:
    for epoch in epochs:
        clock.now += seconds_each
        progress.on_epoch_end(epoch, {"loss": 0.5})
    text = progress.stream.getvalue()
    return [int(line.split()[1].split("/")[0]) for line in text.splitlines()]


def test_a_long_run_prints_by_time_not_once_per_twentieth():
    clock = _Clock()
    p = Progress(10**12, stream=io.StringIO(), clock=clock)  # a twentieth: 5·10¹⁰ epochs
    printed = _lines(p, clock, range(1, 101), seconds_each=1.0)
    assert printed == [1, *range(11, 101, 10)]  # the first, then one every 10 seconds


def test_a_short_run_prints_by_count_and_log_every_is_obeyed():
    clock = _Clock()
    assert _lines(Progress(100, stream=io.StringIO(), clock=clock), clock, range(1, 101),
                  seconds_each=0.001) == [1, *range(5, 101, 5)]
    clock = _Clock()
    assert _lines(Progress(10**6, stream=io.StringIO(), every=40, clock=clock), clock,
                  range(1, 101), seconds_each=60.0) == [1, 40, 80]
