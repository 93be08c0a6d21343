"""``adamlab sweep`` and ``adamlab compare`` train runs alike as populations by default; their
outputs (rows, weights, histories, figures) equal those of ``--single-runs``, and the summary
says how the runs trained."""

import csv
import json

import pytest
from sweepdata import GRID

from adamlab.cli import main

#: What differs between two runs of one grid: wall time, the process, how they trained.
VARYING = {"seconds", "worker", "time", "out", "trained"}


def without(x):
    if isinstance(x, dict):
        return {k: without(v) for k, v in x.items() if k not in VARYING}
    if isinstance(x, list):
        return [without(v) for v in x]
    return x


def rows(path):
    return without(list(csv.DictReader(path.read_text().splitlines())))


def both(capsys, tmp_path, *argv):
    outs = []
    for name, extra in (("pop", []), ("single", ["--single-runs"])):
        out = tmp_path / name
        code = main([*map(str, argv), "--out", str(out), "--json", *extra])
        stdout, err = capsys.readouterr()
        assert code == 0, err
        outs.append((out, json.loads(stdout)))
    return outs


def test_sweep_through_populations_equals_single_runs(tmp_path, capsys, reg_file):
    (pop, s_pop), (single, s_single) = both(capsys, tmp_path, "sweep", "--data", reg_file, *GRID)
    assert rows(pop / "sweep.csv") == rows(single / "sweep.csv")
    assert {r["status"] for r in rows(pop / "sweep.csv")} == {"ok", "diverged"}
    for name in ("histories.json", "summary.json"):
        assert without(json.loads((pop / name).read_text())) == without(
            json.loads((single / name).read_text())), name
    for name in ("sweep.png", "best_learning_curves.png"):
        assert (pop / name).read_bytes() == (single / name).read_bytes(), name
    assert s_pop["trained"] == "12 in populations of 12"
    assert s_single["trained"] == "12 as single runs"


def test_sweep_says_which_runs_trained_alone(tmp_path, capsys, reg_file):
    out = tmp_path / "s"
    code = main(["sweep", "--data", str(reg_file), *GRID, "--dropout", "0.1", "--out", str(out)])
    stdout, err = capsys.readouterr()
    assert code == 0, err
    assert "trained: 12 alone (12: dropout (not stacked yet))" in stdout


@pytest.mark.parametrize("data", ["moons"])
def test_compare_through_populations_equals_single_runs(tmp_path, capsys, data):
    argv = ["compare", "--data", data, "--n-samples", "120", "--hidden", "6", "--epochs", "4",
            "--optimizers", "adam,sgd,momentum", "--seeds", "2"]
    (pop, s_pop), (single, s_single) = both(capsys, tmp_path, *argv)
    assert rows(pop / "comparison.csv") == rows(single / "comparison.csv")
    assert without(s_pop) == without(s_single)
    assert (pop / "comparison.png").read_bytes() == (single / "comparison.png").read_bytes()
    assert s_pop["trained"] == "6 in populations of 6"
    assert len({r["params_sha256"] for r in s_pop["runs"]}) == 6
