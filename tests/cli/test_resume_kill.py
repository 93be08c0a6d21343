"""`adamlab train --resume` after a SIGKILL mid-run reaches the weights of an uninterrupted run."""

import json
import os
import signal
import subprocess
import sys
import time

from adamlab.rundir.training import checkpoint_progress

# 40,000 training rows in batches of 8: an epoch (5,000 steps) is ~0.2 s on a quiet 2-core machine,
# wide enough that the kill below lands inside a later epoch however loaded the machine is.
ARGS = ["train", "--data", "moons", "--n-samples", "50000", "--hidden", "32,32", "--epochs", "8",
        "--batch-size", "8", "--dropout", "0.1", "--schedule", "cosine", "--quiet"]


def adamlab(*argv, **kw):
    return subprocess.run([sys.executable, "-m", "adamlab", *argv], capture_output=True, text=True,
                          **kw)


def epochs_done(out):
    """Epochs the checkpoint in ``out`` holds (0 before the first is written)."""
    return (checkpoint_progress(out) or (0, 0))[0]


def test_sigkill_mid_run_then_resume_is_bit_identical(tmp_path):
    ref = adamlab(*ARGS, "--out", str(tmp_path / "ref"))
    assert ref.returncode == 0, ref.stderr
    expected = json.loads((tmp_path / "ref" / "summary.json").read_text())["params_sha256"]

    out = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, "-m", "adamlab", *ARGS, "--out", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while epochs_done(out) < 2 and time.time() < deadline and proc.poll() is None:
        time.sleep(0.005)
    time.sleep(0.05)  # somewhere inside the next epoch
    assert proc.poll() is None, "the run finished before it could be killed; make it longer"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    done = epochs_done(out)
    assert 2 <= done < 8, f"killed after {done} of 8 epochs"
    assert not (out / "summary.json").exists()

    res = adamlab("train", "--resume", str(out), "--epochs", "8", "--json")
    assert res.returncode == 0, res.stderr
    summary = json.loads(res.stdout)
    assert summary["epochs"] == 8
    assert summary["params_sha256"] == expected
    history = (out / "history.csv").read_text().splitlines()
    assert len(history) == 9
