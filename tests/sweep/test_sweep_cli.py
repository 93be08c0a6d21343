"""``adamlab sweep`` run locally: its files, a diverged row, the exit codes and their messages."""

import csv
import json
import sys

import pytest
from sweepdata import GRID

from adamlab.cli import main
from adamlab.sweep import COLUMNS


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_sweep_writes_csv_figure_curves_and_summary(tmp_path, capsys, reg_file):
    out = tmp_path / "sweep"
    code, stdout, _ = run(capsys, "sweep", "--data", reg_file, *GRID, "--out", out, "--json")
    assert code == 0
    summary = json.loads(stdout)
    for name in ("sweep.csv", "sweep.png", "best_learning_curves.png", "summary.json",
                 "histories.json"):
        assert (out / name).is_file(), name
    rows = list(csv.DictReader((out / "sweep.csv").read_text().splitlines()))
    assert tuple(rows[0]) == COLUMNS and len(rows) == 12  # 2 optimizers × 3 lrs × 2 seeds
    assert [(r["optimizer"], float(r["lr"]), int(r["seed"])) for r in rows[:3]] == [
        ("adam", 0.01, 0), ("adam", 0.01, 1), ("adam", 0.3, 0)]
    diverged = [r for r in rows if r["status"] == "diverged"]
    assert {(r["optimizer"], r["lr"]) for r in diverged} == {("sgd", "3.0")}
    assert all("diverged" in r["error"] for r in diverged)
    assert summary["status"] == {"ok": 10, "diverged": 2, "failed": 0}
    assert summary["metric"] == "val_loss" and summary["where"] == "local, 1 process"
    best = summary["best"]
    ok = [r for r in rows if r["status"] == "ok"]
    assert float(rows[best["run"]]["val_loss"]) == min(
        float(r["val_loss"]) for r in ok
        if (r["optimizer"], float(r["lr"])) == (best["optimizer"], best["lr"]))
    histories = json.loads((out / "histories.json").read_text())
    assert len(histories) == 12 and len(histories[0]["loss"]) == 40


def test_sweep_prints_a_table_and_the_best_setting(tmp_path, capsys):
    code, stdout, err = run(capsys, "sweep", "--optimizers", "adam", "--lrs", "0.01,0.1",
                            "--seeds", "1", "--epochs", "2", "--out", tmp_path / "s")
    assert code == 0
    assert "lr 0.01" in stdout and "lr 0.1" in stdout and "best: adam" in stdout
    assert err.count("adam lr") == 2  # one progress line per run (not a terminal)


def test_help_names_the_command(capsys):
    code, out, _ = run(capsys, "--help")
    assert code == 0 and "sweep" in out
    code, out, _ = run(capsys, "sweep", "--help")
    assert code == 0 and "--scheduler" in out and "--workers" in out and "--lrs" in out


CASES = [
    # (argv, exit status, fragments of the one-line message)
    (["--lrs", "1e-3,abc"], 2, ["--lrs", "abc"]),
    (["--lrs", "0,1"], 2, ["--lrs", "'0'"]),
    (["--lrs", ","], 2, ["--lrs"]),
    (["--optimizers", "adam,adma"], 2, ["adma", "adamw"]),
    (["--lr", "0.1"], 2, ["--lr", "--lrs"]),
    (["--seed", "1"], 2, ["--seed", "--seeds"]),
    (["--seeds", "0"], 2, ["--seeds"]),
    (["--workers", "0"], 2, ["--workers"]),
    (["--scheduler", "127.0.0.1"], 2, ["--scheduler", "tcp://HOST:PORT"]),
    (["--scheduler", "tcp://127.0.0.1:1", "--workers", "2"], 2, ["--workers"]),
    (["--data", "nosuch"], 1, ["nosuch"]),
    (["--data", "{d}/missing.csv"], 1, ["missing.csv"]),
    (["--scheduler", "tcp://127.0.0.1:1"], 1, ["tcp://127.0.0.1:1", "cannot reach"]),
]


@pytest.mark.parametrize("argv, status, fragments", CASES, ids=[" ".join(c[0]) for c in CASES])
def test_bad_input_gives_one_clear_line(tmp_path, capsys, argv, status, fragments):
    argv = [a.format(d=tmp_path) for a in argv]
    code, out, err = run(capsys, "sweep", "--epochs", "1", "--seeds", "1", "--out",
                         tmp_path / "out", "--quiet", *argv)
    assert code == status, err
    lines = [ln for ln in err.splitlines() if not ln.startswith("(see ")]
    assert len(lines) == 1, err
    for fragment in fragments:
        assert fragment in lines[0]
    assert not (tmp_path / "out").exists()  # refused before anything was written


def test_scheduler_without_dask_says_what_to_install(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # "import distributed" fails
    code, _, err = run(capsys, "sweep", "--epochs", "1", "--seeds", "1", "--quiet",
                       "--scheduler", "tcp://127.0.0.1:8786", "--out", tmp_path / "out")
    assert code == 2 and "install" in err and "adamlab[dask]" in err


def test_a_failed_run_is_a_row_and_exit_status_1(tmp_path, capsys, monkeypatch):
    from adamlab import experiment

    real = experiment.run

    def flaky(settings):
        if settings["lr"] == 0.1:
            raise FloatingPointError("boom")
        return real(settings)

    monkeypatch.setattr(experiment, "run", flaky)
    out = tmp_path / "out"
    code, _, err = run(capsys, "sweep", "--optimizers", "adam", "--lrs", "0.01,0.1", "--seeds",
                       "1", "--epochs", "2", "--quiet", "--out", out, "--single-runs")
    assert code == 1 and "1 of 2 runs failed" in err and "boom" in err
    rows = list(csv.DictReader((out / "sweep.csv").read_text().splitlines()))
    assert [r["status"] for r in rows] == ["ok", "failed"]
    assert (out / "sweep.png").is_file()


def test_one_progress_bar_for_the_whole_sweep_on_a_terminal(tmp_path):
    import os
    import pty
    import shlex

    chunks = []

    def read(fd):
        data = os.read(fd, 4096)
        chunks.append(data)
        return data

    cmd = (f"{shlex.quote(sys.executable)} -m adamlab sweep --optimizers adam,sgd --lrs 0.01,0.1 "
           f"--seeds 2 --epochs 3 --out {shlex.quote(str(tmp_path / 'tty'))}")
    pty.spawn(["bash", "-c", f"stty rows 40 cols 120; {cmd}"], read)
    screen = b"".join(chunks).decode(errors="replace")
    assert "sweep: 100%" in screen and "8/8" in screen and "run/s" in screen
    assert "epoch" not in screen  # no per-run bars
