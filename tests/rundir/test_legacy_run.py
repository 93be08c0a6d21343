"""Runs saved by the release before issue 12 (tests/fixtures/run_v1, made by commit 78c96b4)
still load: ``predict`` gives the predictions that release wrote, ``--resume`` trains on to
the weights that release reached. A description of a newer format is refused, naming it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from adamlab.cli import main
from adamlab.rundir import VERSION, Saved
from adamlab.train import checkpoint as ckpt

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "run_v1"


@pytest.fixture
def old_run(tmp_path, monkeypatch):
    """A copy of the old run, in a directory holding its data (its settings name tiny.csv)."""
    shutil.copytree(FIXTURE, tmp_path / "run")
    shutil.copy(FIXTURE / "tiny.csv", tmp_path / "tiny.csv")
    monkeypatch.chdir(tmp_path)
    return tmp_path / "run"


def test_an_old_run_predicts_what_its_release_predicted(old_run, capsys):
    assert main(["predict", "--model", str(old_run), "--data", "tiny.csv", "--quiet"]) == 0
    assert capsys.readouterr().out == (FIXTURE / "predictions.csv").read_text()


def test_an_old_run_resumes_to_the_weights_its_release_reached(old_run, capsys):
    """To the last digit of its metrics. Not to the bit: since issue 16 §6 Adam/AdamW round
    their moment updates once, as torch does (that release rounded twice), so the weights
    agree to rounding and ``params_sha256`` differs."""
    assert main(["train", "--resume", str(old_run), "--epochs", "5", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    reference = json.loads((FIXTURE / "resumed_to_5.json").read_text())
    for key in ("status", "epochs", "steps"):
        assert summary[key] == reference[key]
    for key, value in reference["final"].items():
        assert summary["final"][key] == pytest.approx(value, rel=1e-12, abs=0), key


def test_an_old_description_reads_as_version_1_with_its_biases_decayed(old_run):
    d = Saved.load(old_run).description
    assert d.settings.decay_biases is True  # that release decayed every parameter
    assert d.settings.weight_decay == 0.01 and d.target == "label" and d.status == "ok"
    assert d.data.feature_names == ("alpha", "beta", "gamma")
    assert d.to_dict()["version"] == VERSION


def _with_version(run: Path, version) -> None:
    arrays, meta = ckpt.load(run / "checkpoint.npz")
    meta["extra"]["version"] = version
    ckpt.save(run / "checkpoint.npz", arrays,
              {k: v for k, v in meta.items() if k not in ("format", "version", "arrays")})


def test_a_newer_description_is_refused_naming_its_version(old_run, capsys):
    _with_version(old_run, VERSION + 1)
    for argv in (["predict", "--model", str(old_run), "--data", "tiny.csv"],
                 ["train", "--resume", str(old_run), "--epochs", "5"]):
        assert main([*argv, "--quiet"]) == 1
        err = capsys.readouterr().err
        assert f"run description version {VERSION + 1}" in err and "upgrade adamlab" in err
        assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("version", [0, "2", True, 1.5])
def test_a_malformed_version_is_refused_naming_the_field(old_run, capsys, version):
    _with_version(old_run, version)
    assert main(["predict", "--model", str(old_run), "--data", "tiny.csv", "--quiet"]) == 1
    assert "'extra.version'" in capsys.readouterr().err
