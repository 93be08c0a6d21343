"""Runs at the same time: apart they do not interfere; into one directory only one may write.

The command-line tests start real ``adamlab train`` processes side by side. The races between
the checks of ``rundir`` are made to happen on purpose, in forked children whose ``mkdir`` or
``unlink`` is slowed down (fault injection), so that each test is deterministic.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from robustkit import adamlab_cmd, assert_one_clear_line, call_in_child, run_cli

from adamlab import experiment
from adamlab.cli.errors import RunError
from adamlab.rundir import directory as rundir
from adamlab.train import Trainer, fingerprint

BUSY = ("another adamlab run is writing there", "already holds files")
RUN = ["--hidden", "8", "--epochs", "3", "--batch-size", "16", "--quiet", "--json"]


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> str:
    """Three features (no decision-boundary picture to draw): cheap runs."""
    import numpy as np

    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    y = (X[:, 0] * X[:, 1] + X[:, 2] > 0).astype(int)
    path = tmp_path_factory.mktemp("data") / "three.csv"
    path.write_text("a,b,c,label\n" + "".join(
        f"{a!r},{b!r},{c!r},{t}\n" for (a, b, c), t in zip(X.tolist(), y.tolist(), strict=True)))
    return str(path)


def start(*argv: str) -> subprocess.Popen:
    return subprocess.Popen(adamlab_cmd("train", *argv), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def finish(proc: subprocess.Popen) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=120)
    return proc.returncode, out, err


def assert_complete(out: Path) -> dict:
    """Every file of a finished run is there and whole; the checkpoint is its final state."""
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "ok"
    history = (out / "history.csv").read_text().splitlines()
    assert len(history) == 1 + summary["epochs"]
    epochs = json.loads((out / "history.json").read_text())["epochs"]["epoch"]
    assert len(epochs) == summary["epochs"]
    for png in out.glob("*.png"):
        assert png.read_bytes().endswith(b"IEND\xaeB`\x82"), png
    t = Trainer.from_checkpoint(out / "checkpoint.npz")
    assert t.epoch == summary["epochs"]
    assert fingerprint(t.model.params) == summary["params_sha256"]
    assert not (out / rundir.LOCK).exists()
    return summary


def test_two_runs_into_two_directories_give_what_each_gives_alone(tmp_path, data):
    a = start(*RUN, "--data", data, "--optimizer", "adam", "--out", str(tmp_path / "a"))
    b = start(*RUN, "--data", data, "--optimizer", "nadam", "--seed", "1",
              "--out", str(tmp_path / "b"))
    results = [finish(a), finish(b)]
    for (code, _, err), name in zip(results, "ab", strict=True):
        assert code == 0, err
        summary = assert_complete(tmp_path / name)
        alone = experiment.run(summary["settings"])  # the same settings, in this process, alone
        assert alone["params_sha256"] == summary["params_sha256"]
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == \
        sorted(p.name for p in (tmp_path / "b").iterdir())


def test_two_runs_into_one_out_one_wins_the_other_is_refused(tmp_path, data):
    out = tmp_path / "shared"
    procs = [start(*RUN, "--data", data, "--out", str(out)),
             start(*RUN, "--data", data, "--optimizer", "sgd", "--out", str(out))]
    results = [finish(p) for p in procs]
    codes = sorted(code for code, _, _ in results)
    assert codes == [0, 1], results
    (_, out_text, _), = [r for r in results if r[0] == 0]
    (code, loser_out, loser_err), = [r for r in results if r[0] == 1]
    assert_one_clear_line(code, loser_out, loser_err)
    assert any(b in loser_err for b in BUSY), loser_err
    summary = assert_complete(out)
    assert summary["params_sha256"] == json.loads(out_text)["params_sha256"]


# ------------------------------------------------------------- the races, on purpose
def _slow(fn, seconds):
    def slowed(*a, **kw):
        time.sleep(seconds)
        return fn(*a, **kw)

    return slowed


def _wait_for(path: Path, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.005)


def _children_report(tmp_path: Path, children: list[tuple[str, object]]) -> dict[str, str]:
    """Fork one child per (name, function); each writes what it got into ``name.txt``."""
    go = tmp_path / "go"
    pids = []
    for name, fn in children:
        def body(name=name, fn=fn):
            _wait_for(go)
            try:
                result = fn()
            except RunError as e:
                result = f"refused: {e}"
            (tmp_path / f"{name}.txt").write_text(str(result))
            time.sleep(0.4)  # still holding whatever it took while the others try

        pids.append(call_in_child(body))
    go.touch()
    for pid in pids:
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
    return {name: (tmp_path / f"{name}.txt").read_text() for name, _ in children}


def test_runs_started_in_the_same_second_get_two_default_directories(tmp_path, monkeypatch):
    """Without --out: ``runs/<time>-<name>``; both see it free, both create it, at once."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(time, "strftime", lambda fmt: "20250101-000000")
    monkeypatch.setattr(Path, "mkdir", _slow(Path.mkdir, 0.1))

    def take():
        path = rundir.new_run_dir(None, "moons-adam")
        with rundir.Lock(path):
            (path / f"{os.getpid()}.txt").touch()
        return path

    got = _children_report(tmp_path, [("first", take), ("second", take)])
    assert not any(v.startswith("refused") for v in got.values()), got
    assert got["first"] != got["second"], "two runs were given one directory"


def test_an_out_emptied_then_filled_meanwhile_is_refused(tmp_path):
    """Run A checks that --out is empty; run B writes a whole run there; A must not follow."""
    out = tmp_path / "run"
    a_dir = rundir.new_run_dir(str(out), "a")  # A: checked, about to lock
    code, _, err = run_cli(["train", "--epochs", "1", "--out", str(out), "--quiet"])  # B
    if code == 0:  # B got in: then A must be stopped when it takes the lock
        with pytest.raises(RunError, match="|".join(BUSY)):
            with rundir.Lock(a_dir):
                pass
    else:  # A's check already holds the directory
        assert any(b in err for b in BUSY), err
        with rundir.Lock(a_dir):
            pass


def test_a_stale_lock_broken_by_two_runs_at_once_goes_to_one(tmp_path, monkeypatch):
    """Both find the lock of a dead run; one of them is slow between judging it stale and
    removing it, and must not remove the lock the other has taken meanwhile."""
    run = tmp_path / "run"
    run.mkdir()
    (run / rundir.LOCK).write_text(str(_dead_pid()))

    def take_slowly():
        monkeypatch.setattr(Path, "unlink", _slow(Path.unlink, 0.15))
        monkeypatch.setattr(os, "unlink", _slow(os.unlink, 0.15))
        rundir.Lock(run).__enter__()
        return "held"

    def take_a_bit_later():
        time.sleep(0.05)
        rundir.Lock(run).__enter__()
        return "held"

    got = _children_report(tmp_path, [("slow", take_slowly), ("later", take_a_bit_later)])
    assert sorted(got.values()).count("held") == 1, got


def _dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


@pytest.mark.parametrize("content", ["", "dead", "foreign"], ids=[
    "empty (killed before writing its pid)", "pid of a dead process",
    "pid of a live non-adamlab process"])
def test_a_lock_left_by_a_killed_run_does_not_block(tmp_path, content):
    run = tmp_path / "run"
    run.mkdir()
    text = {"": "", "dead": str(_dead_pid()), "foreign": str(os.getppid())}[content]
    (run / rundir.LOCK).write_text(text)
    with rundir.Lock(run):
        assert (run / rundir.LOCK).read_text() == str(os.getpid())
    assert not (run / rundir.LOCK).exists()


def test_resume_goes_through_the_lock_a_killed_run_left(tmp_path, data):
    """The whole command, on the case that blocked for 5 s: an empty lock file.
    (test_fault_injection.py resumes runs SIGKILLed while they held their lock.)"""
    run = tmp_path / "run"
    code, _, err = run_cli(["train", "--data", data, "--epochs", "1", "--out", str(run),
                            "--quiet"])
    assert code == 0, err
    (run / rundir.LOCK).write_text("")
    code, _, err = run_cli(["train", "--resume", str(run), "--epochs", "2", "--quiet"])
    assert code == 0, err
    assert Trainer.from_checkpoint(run / "checkpoint.npz").epoch == 2
    assert not (run / rundir.LOCK).exists()


def test_a_live_lock_blocks_resume_with_a_clear_message(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    (run / "checkpoint.npz").write_bytes(b"never read: the lock comes first")
    held = tmp_path / "held"

    def hold():
        with rundir.Lock(run):
            held.touch()
            time.sleep(30)

    pid = call_in_child(hold)
    try:
        _wait_for(held)
        result = run_cli(["train", "--resume", str(run), "--epochs", "2", "--quiet"])
        assert_one_clear_line(*result, fragments=["another adamlab run is writing there",
                                                  f"pid {pid}"])
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    assert (run / rundir.LOCK).exists()  # left by the killed holder, and free at once:
    with rundir.Lock(run):
        pass
