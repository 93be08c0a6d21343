"""A run that diverged keeps its status through --resume: asked for no more epochs than it
finished, it is refused (it would otherwise be relabelled "ok" without training)."""

import json

import numpy as np

from adamlab.cli import main


def diverging_run(tmp_path):
    """Linear regression by full-batch SGD at lr 5: the loss grows every epoch until it is inf."""
    rng = np.random.default_rng(0)
    a = rng.normal(size=(100, 2))
    y = 3 * a[:, 0] - a[:, 1]
    data = tmp_path / "reg.csv"
    data.write_text("a,b,y\n" + "".join(f"{p},{q},{r}\n" for (p, q), r in zip(a, y, strict=True)))
    out = tmp_path / "run"
    code = main(["train", "--data", str(data), "--hidden", "none", "--epochs", "400",
                 "--batch-size", "full", "--lr", "5", "--optimizer", "sgd", "--quiet",
                 "--out", str(out)])
    return code, out


def test_a_diverged_run_is_not_finished_by_resume(tmp_path, capsys):
    code, out = diverging_run(tmp_path)
    assert code == 1
    err = capsys.readouterr().err
    assert "diverged" in err and "Warning" not in err  # one clear line, no numpy/matplotlib noise
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "diverged"
    done = summary["epochs"]
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    assert main(["train", "--resume", str(out), "--epochs", str(done)]) == 2
    err = capsys.readouterr().err
    assert f"diverged in epoch {done + 1}" in err and f"--epochs {done + 1} or more" in err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # nothing relabelled
