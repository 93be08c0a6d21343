"""An interrupted `adamlab sweep` keeps its finished runs, and `sweep --resume DIR` finishes it
with the outputs of an uninterrupted sweep: killed (SIGKILL) at a random point, interrupted
(SIGINT), and refused when the options given along contradict what DIR recorded.

The sweeps here are 4 runs of 10,000 steps each (moons, 40,000 training rows in batches of 8,
2 epochs: ~0.2 s a run on a quiet machine): long enough that the kill, aimed by the number of
runs kept, lands inside the next run however fast the machine, as test_resume_kill.py does for
train. The kill test runs three sweeps, one in a subprocess (~10 s on a
quiet machine, ~20 s on a loaded one).
"""

import csv
import json
import os
import random
import signal
import subprocess
import sys
import time

import pytest

from adamlab.cli import main

GRID = ["sweep", "--data", "moons", "--n-samples", "50000", "--batch-size", "8",
        "--hidden", "16", "--optimizers", "adam", "--lrs", "0.01,0.1", "--seeds", "2",
        "--epochs", "2"]
RUNS = 4
#: The sweeps stopped by a signal train run by run (not as one population of all four runs),
#: so that the signal lands between two runs' ends; their resume trains as populations.
SIGNALLED = ["--single-runs"]
#: What differs between two sweeps of the same grid: wall time, which process ran a run and how
#: (in populations of how many: a resumed sweep's are smaller).
VARYING = {"seconds", "worker", "out", "where", "time", "trained"}


def kept(out):
    runs = out / "runs"
    return len([p for p in runs.iterdir() if p.name.endswith(".json")
                and not p.name.startswith(".")]) if runs.is_dir() else 0


def start(out, *extra):
    return subprocess.Popen([sys.executable, "-m", "adamlab", *GRID, *SIGNALLED, "--out", str(out),
                             *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(proc, out, n, seconds=120):
    deadline = time.time() + seconds
    while kept(out) < n and proc.poll() is None and time.time() < deadline:
        time.sleep(0.005)
    assert proc.poll() is None, "the sweep finished before it could be stopped; make it longer"


def without(x, keys=VARYING):
    if isinstance(x, dict):
        return {k: without(v, keys) for k, v in x.items() if k not in keys}
    if isinstance(x, list):
        return [without(v, keys) for v in x]
    return x


def outputs(out):
    """Everything a sweep writes, but for wall times and process names."""
    rows = list(csv.DictReader((out / "sweep.csv").read_text().splitlines()))
    return {
        "csv": without(rows),
        "summary": without(json.loads((out / "summary.json").read_text())),
        "histories": without(json.loads((out / "histories.json").read_text())),
        "sweep.png": (out / "sweep.png").read_bytes(),
        "curves.png": (out / "best_learning_curves.png").read_bytes(),
    }


def test_sigkill_at_a_random_point_then_resume_gives_the_uninterrupted_outputs(tmp_path,
                                                                               capsys):
    assert main([*GRID, "--out", str(tmp_path / "ref"), "--quiet"]) == 0
    expected = outputs(tmp_path / "ref")
    capsys.readouterr()

    out = tmp_path / "killed"
    proc = start(out)
    wait_for(proc, out, random.randint(1, RUNS - 1))  # a random run's end ...
    time.sleep(random.uniform(0.0, 0.02))  # ... then a random instant of the next run
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    done = kept(out)
    assert 1 <= done < RUNS, f"killed after {done} of {RUNS} runs"
    assert (out / "grid.json").is_file() and not (out / "summary.json").exists()

    assert main(["sweep", "--resume", str(out), "--json"]) == 0  # in-process: the same path
    report = json.loads(capsys.readouterr().out)
    assert report["resume"]["kept"] == done and report["resume"]["ran"] == RUNS - done
    assert outputs(out) == expected
    params = [r["params_sha256"] for r in expected["summary"]["runs"]]
    assert len(set(params)) == RUNS and None not in params  # four distinct, finished runs


@pytest.mark.parametrize("sig, workers, status, said", [
    (signal.SIGINT, "1", 130, "interrupted"),
    # --workers 2 works the same (joblib's processes stopped, no warning: checked by hand),
    # but starting them costs ~13 s on a loaded 2-core machine, so not here.
    (signal.SIGTERM, "1", 143, "terminated (SIGTERM)"),
])
def test_ctrl_c_says_how_many_runs_are_kept_and_the_resume_command(tmp_path, capsys, sig,
                                                                   workers, status, said):
    out = tmp_path / "s"
    proc = start(out, "--workers", workers)
    wait_for(proc, out, 1)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == status, err
    n = kept(out)
    assert 1 <= n < RUNS
    assert "Traceback" not in err and "Warning" not in err
    assert err.strip().endswith(
        f"adamlab sweep: {said}: {n} of {RUNS} runs are kept in {out}; to run the "
        f"other {RUNS - n}: adamlab sweep --resume {out}")
    assert sorted(p.name for p in out.iterdir()) == ["grid.json", "runs"]  # no lock left
    assert not [p for p in (out / "runs").iterdir() if p.name.startswith(".")]

    if sig != signal.SIGINT:
        return  # the resume itself: once is enough (here and in the kill test above)
    # The printed command finishes it (in-process here: the same code path).
    assert main(["sweep", "--resume", str(out), "--quiet"]) == 0
    assert kept(out) == RUNS and (out / "summary.json").is_file()
    capsys.readouterr()


def small_sweep(tmp_path, capsys, *extra):
    out = tmp_path / "small"
    argv = ["sweep", "--optimizers", "adam,sgd", "--lrs", "0.01,0.1", "--seeds", "1",
            "--epochs", "2", "--out", str(out), "--quiet", *extra]
    assert main(argv) == 0
    capsys.readouterr()
    return out


def test_resume_refuses_contradicting_options_and_accepts_agreeing_ones(tmp_path, capsys):
    out = small_sweep(tmp_path, capsys)
    before = {p.name: p.read_bytes() for p in (out / "runs").iterdir()}
    for argv, flag in [(["--epochs", "3"], "--epochs"), (["--lrs", "0.01"], "--lrs"),
                       (["--optimizers", "adam"], "--optimizers"), (["--seeds", "2"], "--seeds"),
                       (["--hidden", "8"], "--hidden"), (["--data", "moons"], "--data")]:
        code = main(["sweep", "--resume", str(out), *argv])
        err = capsys.readouterr().err
        assert code == 2, argv
        assert f"{flag} was " in err and "drop " + flag in err and "Traceback" not in err
    assert {p.name: p.read_bytes() for p in (out / "runs").iterdir()} == before
    # The same values as recorded, and where-to-run options, are accepted.
    code = main(["sweep", "--resume", str(out), "--epochs", "2", "--lrs", "0.01,0.1",
                 "--workers", "1", "--json"])
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    assert report["resume"] == {"kept": 4, "ran": 0, "temporaries_removed": 0}


def test_resume_runs_a_deleted_run_again_the_same(tmp_path, capsys):
    out = small_sweep(tmp_path, capsys)
    expected = outputs(out)
    (out / "runs" / "00002.json").unlink()
    (out / "summary.json").unlink()
    (out / "runs" / ".00001.json.abcd1234.tmp").write_text("{")  # a killed write's temporary
    assert main(["sweep", "--resume", str(out), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["resume"] == {"kept": 3, "ran": 1, "temporaries_removed": 1}
    assert outputs(out) == expected


def test_resume_refuses_what_is_not_its_grid(tmp_path, capsys):
    out = small_sweep(tmp_path, capsys)
    cases = [
        (tmp_path / "nosuch", 1, "no such directory"),
        (tmp_path, 1, "grid.json"),
    ]
    for directory, status, fragment in cases:
        assert main(["sweep", "--resume", str(directory)]) == status
        assert fragment in capsys.readouterr().err
    record = out / "runs" / "00001.json"
    record.write_text(record.read_text().replace('"seed": 0', '"seed": 7', 1))
    assert main(["sweep", "--resume", str(out)]) == 1
    err = capsys.readouterr().err
    assert "runs/00001.json" in err and "delete it" in err
    assert main(["sweep", "--resume", str(out), "--out", str(tmp_path / "x")]) == 2
    assert "drop --out" in capsys.readouterr().err


def test_compare_keeps_its_runs_and_resumes_the_same(tmp_path, capsys):
    out = tmp_path / "cmp"
    argv = ["compare", "--optimizers", "adam,sgd", "--seeds", "2", "--epochs", "2", "--quiet"]
    assert main([*argv, "--out", str(out)]) == 0
    expected = (without(list(csv.DictReader((out / "comparison.csv").open()))),
                without(json.loads((out / "summary.json").read_text())),
                (out / "comparison.png").read_bytes())
    assert kept(out) == 4
    (out / "runs" / "00003.json").unlink()
    (out / "summary.json").unlink()
    assert main([*argv, "--out", str(out)]) == 1  # a used --out, with the way on
    assert "continue it with --resume" in capsys.readouterr().err
    assert main(["compare", "--resume", str(out), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["resume"]["ran"] == 1
    assert (without(list(csv.DictReader((out / "comparison.csv").open()))),
            without(json.loads((out / "summary.json").read_text())),
            (out / "comparison.png").read_bytes()) == expected
    assert main(["compare", "--resume", str(out), "--seeds", "3"]) == 2
    assert "--seeds was 2 there, not 3" in capsys.readouterr().err
    assert main(["sweep", "--resume", str(out)]) == 1
    assert "adamlab compare --resume" in capsys.readouterr().err


def test_resume_refuses_data_changed_since_the_grid_began(tmp_path, capsys):
    import numpy as np

    data = tmp_path / "reg.npz"
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    np.savez(data, X=X, y=X @ np.array([1.0, -1.0]))
    out = tmp_path / "s"
    argv = ["sweep", "--data", str(data), "--optimizers", "adam", "--lrs", "0.01,0.1",
            "--seeds", "1", "--epochs", "1", "--quiet"]
    assert main([*argv, "--out", str(out)]) == 0
    (out / "runs" / "00001.json").unlink()
    np.savez(data, X=X, y=X @ np.array([1.0, 1.0]))  # the same shape, other targets
    capsys.readouterr()
    assert main(["sweep", "--resume", str(out)]) == 1
    err = capsys.readouterr().err
    assert "the data changed since the grid began" in err and str(data) in err
    assert not (out / "runs" / "00001.json").exists()
