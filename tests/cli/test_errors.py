"""Bad input: one clear line, the right exit status, no traceback, nothing lost."""

import json

import numpy as np
import pytest

from adamlab.cli import main

FILES = {
    "empty.csv": b"",
    "header.csv": b"a,b,label\n",
    "ragged.csv": b"a,b,label\n1,2,0\n3,4\n5,6,1\n",
    "nan.csv": b"a,b,label\n1,2,0\nnan,4,1\n5,6,1\n",
    "inf.csv": b"a,b,label\n1,2,0\n3,inf,1\n5,6,1\n",
    "oneclass.csv": b"a,b,label\n1,2,x\n3,4,x\n5,6,x\n",
    "garbage.csv": bytes(range(256)) * 4,
    "good.csv": b"a,b,label\n1,2,0\n3,4,1\n5,6,0\n7,8,1\n",
}

CASES = [
    # (argv, exit status, fragments the one-line message must contain)
    (["train", "--data", "nosuch"], 1, ["nosuch"]),
    (["train", "--data", "{d}/missing.csv"], 1, ["missing.csv"]),
    (["train", "--data", "{d}/empty.csv"], 1, ["empty.csv"]),
    (["train", "--data", "{d}/header.csv"], 1, ["header.csv"]),
    (["train", "--data", "{d}/ragged.csv"], 1, ["ragged.csv", "3"]),
    (["train", "--data", "{d}/nan.csv"], 1, ["nan.csv", "a"]),
    (["train", "--data", "{d}/inf.csv"], 1, ["inf.csv", "b"]),
    (["train", "--data", "{d}/oneclass.csv"], 1, ["oneclass.csv"]),
    (["train", "--data", "{d}/garbage.csv"], 1, ["garbage.csv"]),
    (["train", "--data", "{d}/good.csv", "--target", "nolabel"], 1, ["nolabel", "label"]),
    (["train", "--lr", "-1"], 2, ["--lr"]),
    (["train", "--lr", "abc"], 2, ["--lr"]),
    (["train", "--hidden", "x,2"], 2, ["--hidden"]),
    (["train", "--optimizer", "adma"], 2, ["adma", "adam"]),
    (["train", "--betas", "0.9"], 2, ["--betas"]),
    (["train", "--val-fraction", "1.5"], 2, ["--val-fraction"]),
    (["train", "--epochs", "0"], 2, ["--epochs"]),
    (["train", "--activation", "swish"], 2, ["swish", "relu"]),
    (["train", "--schedule", "linear"], 2, ["linear", "cosine"]),
    (["train", "--resume", "{d}/norun"], 1, ["norun"]),
    (["predict", "--model", "{d}/norun", "--data", "article"], 1, ["norun"]),
    (["landscape", "--function", "sphere"], 2, ["sphere", "rosenbrock"]),
    (["schedule", "--schedule", "plateau"], 2, ["plateau"]),
    (["compare", "--optimizers", "adam,foo"], 2, ["foo"]),
    (["frobnicate"], 2, ["frobnicate"]),
]


@pytest.mark.parametrize("argv, status, fragments", CASES, ids=[" ".join(c[0])[:50] for c in CASES])
def test_bad_input_gives_one_clear_line(tmp_path, capsys, monkeypatch, argv, status, fragments):
    for name, content in FILES.items():
        (tmp_path / name).write_bytes(content)
    monkeypatch.chdir(tmp_path)
    argv = [a.format(d=tmp_path) for a in argv] + ["--quiet"] * (argv[0] != "frobnicate")
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == status, err
    assert "Traceback" not in out + err
    message = [line for line in err.splitlines() if "error" in line]
    assert len(message) == 1, err
    for frag in fragments:
        assert frag in message[0], (frag, message[0])


def test_out_with_files_is_refused_and_kept(tmp_path, capsys):
    out = tmp_path / "run"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    assert main(["train", "--epochs", "1", "--out", str(out), "--quiet"]) == 1
    assert "already holds files" in capsys.readouterr().err
    assert (out / "notes.txt").read_text() == "mine" and len(list(out.iterdir())) == 1


def test_resume_refuses_changed_settings(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "--epochs", "2", "--out", str(out), "--quiet"]) == 0
    before = (out / "summary.json").read_text()
    assert main(["train", "--resume", str(out), "--epochs", "4", "--lr", "0.5", "--quiet"]) == 2
    assert "drop --lr" in capsys.readouterr().err
    assert main(["train", "--resume", str(out), "--epochs", "1", "--quiet"]) == 2
    assert "already trained 2 epochs; give --epochs 2 or more" in capsys.readouterr().err
    assert (out / "summary.json").read_text() == before


def test_tampered_checkpoint_is_refused(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "--epochs", "1", "--out", str(out), "--quiet"]) == 0
    with np.load(out / "checkpoint.npz") as z:
        arrays = {k: z[k] for k in z.files}
    arrays["params"] = np.array([object()], dtype=object)
    np.savez(out / "checkpoint.npz", **arrays)
    capsys.readouterr()
    for argv in (["train", "--resume", str(out), "--epochs", "3"],
                 ["predict", "--model", str(out), "--data", "article"]):
        assert main(argv + ["--quiet"]) == 1
        err = capsys.readouterr().err
        assert "refused" in err and "Traceback" not in err


def test_diverged_run_exits_1_and_keeps_its_history(tmp_path, capsys):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 2))
    y = 1000 * (X @ [3.0, -2.0])
    path = tmp_path / "reg.csv"
    path.write_text("a,b,y\n"
                    + "".join(f"{a},{b},{t}\n" for (a, b), t in zip(X, y, strict=True)))
    out = tmp_path / "run"
    code = main(["train", "--data", str(path), "--optimizer", "sgd", "--lr", "5",
                 "--no-standardize", "--hidden", "16", "--activation", "relu", "--epochs", "50",
                 "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert code == 1 and "diverged" in err and "smaller learning rate" in err
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "diverged"
    assert (out / "history.csv").is_file() and (out / "checkpoint.npz").is_file()
