"""Ctrl-C (SIGINT) and SIGTERM during `adamlab train`: the same way out. The lock and the
temporaries go, the exit status says which (130, 143), and one line says how far the checkpoint
got and the exact `adamlab train --resume DIR` that continues it, which then finishes the run
with the weights of an uninterrupted one.

1,000 steps an epoch: the signal, sent as the first checkpoint appears, lands inside a later one.
"""

import json
import shlex
import signal
import subprocess
import sys
import time

import pytest

from adamlab.cli import main
from adamlab.rundir.training import checkpoint_progress

ARGS = ["train", "--data", "moons", "--n-samples", "10000", "--hidden", "16", "--epochs", "3",
        "--batch-size", "8", "--quiet"]


def epochs_done(out):
    """Epochs the checkpoint in ``out`` holds (0 before the first is written)."""
    return (checkpoint_progress(out) or (0, 0))[0]


@pytest.fixture(scope="module")
def expected(tmp_path_factory):
    out = tmp_path_factory.mktemp("ref") / "run"
    assert main([*ARGS, "--out", str(out)]) == 0  # in-process: the same numbers, no start-up
    return json.loads((out / "summary.json").read_text())["params_sha256"]


@pytest.mark.parametrize("sig, status, said", [(signal.SIGINT, 130, "interrupted"),
                                               (signal.SIGTERM, 143, "terminated (SIGTERM)")])
def test_a_signal_says_how_to_resume_and_leaves_no_lock(tmp_path, capsys, expected, sig, status,
                                                        said):
    out = tmp_path / "run"
    proc = subprocess.Popen([sys.executable, "-m", "adamlab", *ARGS, "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while epochs_done(out) < 1 and proc.poll() is None and time.time() < deadline:
        time.sleep(0.005)
    assert proc.poll() is None, "the run finished before the signal; make it longer"
    proc.send_signal(sig)
    stdout, err = proc.communicate(timeout=60)
    assert proc.returncode == status, err
    assert stdout == "" and "Traceback" not in err
    done = epochs_done(out)
    assert 1 <= done < 3
    command = f"adamlab train --resume {out}"
    assert err.strip() == (f"adamlab train: {said}: the checkpoint in {out} holds {done} of 3 "
                           f"epochs; to continue: {command}")
    assert sorted(p.name for p in out.iterdir()) == ["checkpoint.npz"]  # no lock, no temporary

    capsys.readouterr()
    assert main([*shlex.split(command)[1:], "--json"]) == 0  # the printed command, in-process
    assert json.loads(capsys.readouterr().out)["params_sha256"] == expected
