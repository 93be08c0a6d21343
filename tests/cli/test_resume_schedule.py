"""--resume past the length a cosine or step schedule was planned for: it goes on with the
schedule as planned (bit-identical resumption), and says so."""

import csv
import json
import math

import pytest

from adamlab.cli import main

LR = 0.01


def lrs(out):
    with open(out / "history.csv", newline="") as f:
        return [float(row["lr"]) for row in csv.DictReader(f)]


def test_a_longer_resumed_cosine_run_says_what_its_schedule_does(tmp_path, capsys):
    out = tmp_path / "run"
    common = ["--data", "moons", "--quiet", "--lr", str(LR)]
    assert main(["train", *common, "--epochs", "4", "--schedule", "cosine", "--out", str(out)]) == 0
    capsys.readouterr()
    assert main(["train", "--resume", str(out), "--epochs", "8", "--json"]) == 0
    captured = capsys.readouterr()
    note = json.loads(captured.out)["resume"]["schedule_note"]
    assert "planned over 4 epochs" in note and "epochs 5-8 went on" in note and "--epochs 8" in note
    assert "note: the cosine schedule" in captured.err
    # What the note says: torch's CosineAnnealingLR closed form over T = 4, continued past T
    # (epoch e uses t = e - 1): eta_t = lr * (1 + cos(pi t / T)) / 2, back up after t = T.
    expected = [LR * (1 + math.cos(math.pi * t / 4)) / 2 for t in range(8)]
    assert lrs(out) == pytest.approx(expected, abs=1e-15)
    assert lrs(out)[4] == pytest.approx(0.0, abs=1e-15) and lrs(out)[5] > 0


@pytest.mark.parametrize("schedule, first, total", [("constant", 2, 4), ("cosine", 4, 4)])
def test_no_note_when_the_schedule_is_not_outrun(tmp_path, capsys, schedule, first, total):
    out = tmp_path / "run"
    assert main(["train", "--data", "moons", "--quiet", "--epochs", str(first), "--schedule",
                 schedule, "--out", str(out)]) == 0
    capsys.readouterr()
    assert main(["train", "--resume", str(out), "--epochs", str(total), "--json"]) == 0
    captured = capsys.readouterr()
    assert "schedule_note" not in json.loads(captured.out)["resume"]
    assert "note:" not in captured.err


def test_no_note_when_early_stopping_had_ended_the_run(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "--data", "moons", "--quiet", "--epochs", "200", "--schedule", "cosine",
                 "--early-stopping", "2", "--out", str(out)]) == 0
    stopped = json.loads((out / "summary.json").read_text())["epochs"]
    assert stopped < 200  # the premise: early stopping ended it
    capsys.readouterr()
    assert main(["train", "--resume", str(out), "--epochs", "300", "--json"]) == 0
    captured = capsys.readouterr()
    resume = json.loads(captured.out)["resume"]
    assert resume["already_complete"] and "schedule_note" not in resume
    assert "note:" not in captured.err
