"""Every command on small data: files written, exit codes, no tracebacks."""

import csv
import json

import numpy as np
import pytest

from adamlab.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_help_lists_the_commands(capsys):
    code, out, _ = run(capsys, "--help")
    assert code == 0
    for cmd in ("train", "compare", "landscape", "article", "predict", "schedule", "sweep"):
        assert cmd in out
    for cmd in ("train", "compare", "landscape", "article", "predict", "schedule"):
        code, out, _ = run(capsys, cmd, "--help")
        assert code == 0 and "--quiet" in out and "--json" in out


def test_train_writes_everything(tmp_path, capsys):
    out = tmp_path / "run"
    code, stdout, _ = run(capsys, "train", "--epochs", "4", "--out", str(out), "--trace", "--json")
    assert code == 0
    summary = json.loads(stdout)
    for name in ("summary.json", "history.csv", "history.json", "learning_curves.png",
                 "decision_boundary.png", "checkpoint.npz", "adam_internals.png", "trace.json"):
        assert (out / name).is_file(), name
    assert summary == json.loads((out / "summary.json").read_text())
    assert summary["epochs"] == 4 and summary["status"] == "ok"
    assert set(summary["final"]) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert len(summary["params_sha256"]) == 64
    rows = list(csv.DictReader((out / "history.csv").open()))
    assert len(rows) == 4
    assert {"epoch", "loss", "accuracy", "val_loss", "val_accuracy", "lr"} <= set(rows[0])
    assert float(rows[-1]["loss"]) == pytest.approx(summary["final"]["loss"])


def test_train_other_data_and_options(tmp_path, capsys):
    out = tmp_path / "blobs"
    code, _, _ = run(capsys, "train", "--data", "blobs", "--n-samples", "150", "--epochs", "3",
                     "--hidden", "8,8", "--activation", "relu", "--optimizer", "nadam",
                     "--schedule", "cosine", "--warmup", "1", "--clip-norm", "1",
                     "--early-stopping", "5", "--batch-size", "32", "--out", str(out), "--quiet")
    assert code == 0
    s = json.loads((out / "summary.json").read_text())
    assert s["settings"]["optimizer"] == "nadam" and s["data"]["task"] == "multiclass"
    assert (out / "decision_boundary.png").is_file()


def test_train_on_a_csv_then_predict(tmp_path, capsys):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 3))
    path = tmp_path / "d.csv"
    with path.open("w") as f:
        f.write("a,b,c,label\n")
        for row in X:
            f.write(f"{row[0]},{row[1]},{row[2]},{'yes' if row[0] + row[1] > 0 else 'no'}\n")
    out = tmp_path / "run"
    code, _, _ = run(capsys, "train", "--data", str(path), "--target", "label", "--epochs", "30",
                     "--lr", "0.05", "--out", str(out), "--quiet")
    assert code == 0
    assert not (out / "decision_boundary.png").exists()  # three features
    code, stdout, err = run(capsys, "predict", "--model", str(out), "--data", str(path))
    assert code == 0
    rows = list(csv.DictReader(stdout.splitlines()))
    assert len(rows) == 80 and set(rows[0]) == {"p(no)", "p(yes)", "label"}
    assert "accuracy" in err
    acc = float(err.split("accuracy")[1].split()[0].strip(","))
    assert acc > 0.9


def test_compare(tmp_path, capsys):
    out = tmp_path / "cmp"
    code, _, _ = run(capsys, "compare", "--optimizers", "adam,sgd", "--seeds", "2", "--epochs", "3",
                     "--data", "moons", "--n-samples", "100", "--out", str(out), "--quiet")
    assert code == 0
    rows = list(csv.DictReader((out / "comparison.csv").open()))
    assert [(r["optimizer"], r["seed"]) for r in rows] == [("adam", "0"), ("adam", "1"),
                                                           ("sgd", "0"), ("sgd", "1")]
    assert (out / "comparison.png").is_file()


@pytest.mark.parametrize("function",
                         ["rosenbrock", "beale", "himmelblau", "saddle", "ill-conditioned"])
def test_landscape(tmp_path, capsys, function):
    code, stdout, _ = run(capsys, "landscape", "--function", function, "--optimizers", "adam,sgd",
                          "--steps", "50", "--out", str(tmp_path), "--json")
    assert code == 0
    data = json.loads(stdout)
    assert [p["optimizer"] for p in data["paths"]] == ["adam", "sgd"]
    assert (tmp_path / "landscape.png").is_file()


def test_landscape_animation(tmp_path, capsys):
    code, _, _ = run(capsys, "landscape", "--optimizers", "adam", "--steps", "20", "--animate",
                     "--out", str(tmp_path), "--quiet")
    assert code == 0 and (tmp_path / "landscape.gif").stat().st_size > 0


def test_article(tmp_path, capsys):
    code, stdout, _ = run(capsys, "article", "--json", "--out", str(tmp_path))
    assert code == 0
    data = json.loads(stdout)
    assert data["faithful"]["train_accuracy"] == 0.58 and len(data["faithful"]["theta"]) == 2
    assert data["corrected"]["train_accuracy"] >= 0.98
    assert (tmp_path / "article.png").is_file()


def test_schedule(tmp_path, capsys):
    code, stdout, _ = run(capsys, "schedule", "--schedule", "cosine", "--warmup", "5",
                          "--epochs", "50", "--out", str(tmp_path), "--json")
    assert code == 0
    lrs = json.loads(stdout)["lrs"]
    assert len(lrs) == 50 and lrs[0] < lrs[5] and lrs[-1] < lrs[5]
    assert (tmp_path / "schedule.png").is_file()


def test_predict_with_whole_number_labels_and_default_target(tmp_path, capsys):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(60, 2))
    path = tmp_path / "n.csv"
    path.write_text("u,v,cls\n" + "".join(f"{a},{b},{int(a > b)}\n" for a, b in X))
    out = tmp_path / "run"
    assert main(["train", "--data", str(path), "--epochs", "40", "--lr", "0.05", "--out", str(out),
                 "--quiet"]) == 0
    features_only = tmp_path / "f.csv"
    features_only.write_text("v,u\n" + "".join(f"{b},{a}\n" for a, b in X))
    capsys.readouterr()
    assert main(["predict", "--model", str(out), "--data", str(path), "--json"]) == 0
    out_, err = capsys.readouterr()
    doc = json.loads(out_)
    assert doc["metrics"]["accuracy"] > 0.9 and len(doc["labels"]) == 60
    assert doc["classes"] == [0, 1] and len(doc["probabilities"][0]) == 2
    assert main(["predict", "--model", str(out), "--data", str(features_only),
                 "--output", str(tmp_path / "p.csv")]) == 0
    rows = list(csv.DictReader((tmp_path / "p.csv").open()))
    assert len(rows) == 60 and set(rows[0]) == {"p(0)", "p(1)", "label"}


def test_progress_bar_on_a_terminal_and_plain_lines_otherwise(tmp_path):
    import os
    import pty
    import shlex
    import subprocess
    import sys

    cmd = f"{shlex.quote(sys.executable)} -m adamlab train --epochs 6 --out "
    chunks = []

    def read(fd):
        data = os.read(fd, 4096)
        chunks.append(data)
        return data

    pty.spawn(["bash", "-c",
               f"stty rows 40 cols 120; {cmd}{shlex.quote(str(tmp_path / 'tty'))}"], read)
    screen = b"".join(chunks).decode(errors="replace")
    assert "6/6" in screen and "|" in screen and "val_loss=" in screen  # a tqdm bar
    piped = subprocess.run(shlex.split(cmd) + [str(tmp_path / "pipe")], capture_output=True,
                           text=True)
    lines = [ln for ln in piped.stderr.splitlines() if ln.strip()]
    assert len(lines) == 6 and lines[-1].startswith("adam epoch 6/6") and "\r" not in piped.stderr
