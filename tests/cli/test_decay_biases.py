"""``--decay-biases``: weight decay on the biases too, as adamlab did before parameter groups."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from adamlab.cli import main

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "run_v1"



@pytest.fixture(autouse=True)
def no_pictures(monkeypatch):
    """Figures saved as a placeholder: rendering PNGs is most of these runs' time, and the
    tests look at the weights and settings."""
    from adamlab.rundir import directory

    monkeypatch.setattr(directory, "save_figure",
                        lambda fig, path, dpi=120: directory.atomic_write_bytes(path, b"figure"))


def train(tmp_path, capsys, *argv: str) -> dict:
    out = tmp_path / f"run{len(list(tmp_path.iterdir()))}"
    code = main(["train", *argv, "--out", str(out), "--json", "--quiet"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return json.loads(captured.out)


def test_decay_biases_trains_what_the_release_before_groups_trained(tmp_path, capsys,
                                                                    monkeypatch):
    """tests/fixtures/run_v1 was trained by the release that decayed every parameter: the
    same run with --decay-biases reaches its weights (its metrics to 1e-12); without, the
    biases are spared."""
    shutil.copy(FIXTURE / "tiny.csv", tmp_path / "tiny.csv")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "runs").mkdir()
    reference = json.loads((FIXTURE / "summary.json").read_text())
    argv = ["--data", "tiny.csv", "--hidden", "4", "--epochs", "3", "--batch-size", "8",
            "--weight-decay", "0.01", "--optimizer", "adamw"]
    decayed = train(tmp_path / "runs", capsys, *argv, "--decay-biases")
    spared = train(tmp_path / "runs", capsys, *argv)
    # The same metrics to rounding (Adam/AdamW round once since issue 16 §6, as torch does;
    # that release rounded twice, so the weights' fingerprint differs in the last bits).
    for key, value in reference["final"].items():
        assert decayed["final"][key] == pytest.approx(value, rel=1e-12, abs=0), key
    assert spared["final"]["loss"] != pytest.approx(reference["final"]["loss"], rel=1e-9)
    assert spared["params_sha256"] != decayed["params_sha256"]
    assert decayed["settings"]["decay_biases"] is True
    assert spared["settings"]["decay_biases"] is False
