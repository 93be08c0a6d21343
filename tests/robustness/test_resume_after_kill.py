"""``train --resume`` finishes what a kill interrupted after training, and clears its leftovers.

A run killed after its last checkpoint, while writing its outputs, resumes without training:
the outputs are written from the checkpoint, byte for byte what the run itself was writing. The
reference is captured inside the killed run: a forked ``adamlab train`` whose atomic writes are
recorded (every output it means to write, in order) and, from a chosen file on, not made, so
that it stops as a kill at that file would leave it. A finished run is left alone; temporaries of
killed atomic writes are removed on ``--resume``, and nothing else is.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import signal
import time
from pathlib import Path

import numpy as np
import pytest
from robustkit import call_in_child, run_cli

from adamlab.rundir import directory as rundir
from adamlab.train import EarlyStopping, Trainer
from adamlab.train import checkpoint as ckpt

BASE = ["train", "--data", "moons", "--n-samples", "200", "--hidden", "8", "--batch-size", "16"]
PLAIN = [*BASE, "--epochs", "3"]
EARLY = [*BASE, "--epochs", "200", "--lr", "0.1", "--early-stopping", "2"]  # stops at epoch 15


@pytest.fixture
def cheap_pictures(monkeypatch):
    """PNGs replaced by a digest of what is drawn (rendering is most of a run's time here)."""
    def save_figure(fig, path, dpi=120):
        h = hashlib.sha256()
        for ax in fig.axes:
            h.update(ax.get_title().encode())
            for line in ax.get_lines():
                h.update(np.ascontiguousarray(line.get_xydata()).tobytes())
            for c in ax.collections:
                h.update(np.ascontiguousarray(c.get_offsets()).tobytes())
                if c.get_array() is not None:
                    h.update(np.ascontiguousarray(c.get_array()).tobytes())
        rundir.atomic_write_bytes(path, h.hexdigest().encode())

    monkeypatch.setattr(rundir, "save_figure", save_figure)


def _wait_for(flag: Path, pid: int) -> None:
    deadline = time.monotonic() + 60
    while not flag.exists():
        done, status = os.waitpid(pid, os.WNOHANG)
        assert done == 0, f"the child ended by itself (status {status}) before {flag.name}"
        assert time.monotonic() < deadline, f"no {flag.name} after 60 s"
        time.sleep(0.005)


def _kill(pid: int) -> None:
    os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL


def _killed_while_writing(argv: list[str], stop_at: str, capture: Path) -> None:
    """Run ``adamlab ARGV`` in a forked child that records into ``capture`` every output it
    writes, makes only those before ``stop_at``, then is SIGKILLed."""
    capture.mkdir()
    flag = capture.parent / f"{capture.name}.done"

    def child():
        from adamlab.cli import main

        real, writing = rundir.atomic_write_bytes, [True]

        def write(path, data):
            path = Path(path)
            (capture / path.name).write_bytes(data)
            writing[0] = writing[0] and path.name != stop_at
            if writing[0]:
                real(path, data)
            if path.name == "summary.json":  # the last output: wait for the kill
                flag.touch()
                time.sleep(600)

        rundir.atomic_write_bytes = write
        main(argv)

    pid = call_in_child(child)
    _wait_for(flag, pid)
    _kill(pid)


def _summary(path: Path) -> dict:
    summary = json.loads(path.read_text())
    del summary["seconds"]  # wall clock of the command that wrote it
    return summary


def _same_outputs(out: Path, reference: Path) -> None:
    """``out`` holds exactly the checkpoint and the files of ``reference``, byte for byte
    (summary.json field for field, but for its seconds)."""
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["checkpoint.npz", *(p.name for p in reference.iterdir())])
    for p in reference.iterdir():
        if p.name == "summary.json":
            assert _summary(out / p.name) == _summary(p)
        else:
            assert (out / p.name).read_bytes() == p.read_bytes(), p.name


# (id, a first leg run to its end, the killed command, the output it was about to write, real PNGs)
KILLED = [
    ("midway", None, PLAIN, "decision_boundary.png", True),
    ("before any output", None, PLAIN, "history.csv", False),
    ("stopped early, all but summary", None, EARLY, "summary.json", False),
    ("a resumed leg, outputs stale", ["--epochs", "2"],
     ["train", "--resume", "{out}", "--epochs", "4"], "history.json", False),
]


@pytest.mark.parametrize("first, argv, stop_at, real_pictures", [k[1:] for k in KILLED],
                         ids=[k[0] for k in KILLED])
def test_a_run_killed_while_writing_its_outputs_is_finished_by_resume(
        tmp_path, request, first, argv, stop_at, real_pictures):
    if not real_pictures:
        request.getfixturevalue("cheap_pictures")
    out = tmp_path / "run"
    if first is not None:
        assert run_cli([*BASE, *first, "--quiet", "--out", str(out)])[0] == 0
    argv = [a.format(out=out) for a in argv] + ([] if first else ["--out", str(out)])
    _killed_while_writing([*argv, "--quiet"], stop_at, tmp_path / "meant")
    trained = Trainer.from_checkpoint(out / "checkpoint.npz")
    meant = _summary(tmp_path / "meant" / "summary.json")
    assert (trained.epoch, ckpt.fingerprint(trained.model.params)) == \
        (meant["epochs"], meant["params_sha256"])  # the kill came after training
    assert not (out / stop_at).exists() or first is not None
    assert not (out / "summary.json").exists() or _summary(out / "summary.json") != meant

    code, stdout, err = run_cli(["train", "--resume", str(out)])
    assert code == 0, err
    assert f"training was already complete ({meant['epochs']} epochs" in stdout
    assert "wrote its outputs from the checkpoint" in stdout
    _same_outputs(out, tmp_path / "meant")
    again = Trainer.from_checkpoint(out / "checkpoint.npz")  # trained no further
    assert (again.epoch, again.step_count) == (trained.epoch, trained.step_count)


def test_a_run_killed_before_restoring_its_best_weights_resumes_to_them(tmp_path, cheap_pictures):
    # Early stopping restores the best epoch's weights after the last epoch's checkpoint: a kill
    # in between leaves the last weights on disk, and --resume must still end with the best.
    assert run_cli([*EARLY, "--quiet", "--out", str(tmp_path / "ref")])[0] == 0
    out, flag = tmp_path / "run", tmp_path / "stopped"

    def child():
        from adamlab.cli import main

        def block(self, logs):
            flag.touch()
            time.sleep(600)

        EarlyStopping.on_train_end = block
        main([*EARLY, "--quiet", "--out", str(out)])

    pid = call_in_child(child)
    _wait_for(flag, pid)
    _kill(pid)
    ref = _summary(tmp_path / "ref" / "summary.json")
    left = Trainer.from_checkpoint(out / "checkpoint.npz")
    assert left.epoch == ref["epochs"] < 200
    assert ckpt.fingerprint(left.model.params) != ref["params_sha256"]  # not yet the best

    code, stdout, err = run_cli(["train", "--resume", str(out)])
    assert code == 0 and "training was already complete" in stdout, err
    assert {**_summary(out / "summary.json"), "out": None} == {**ref, "out": None}

    def without_time(path):
        return [row[:-1] for row in csv.reader(io.StringIO(path.read_text()))]

    assert without_time(out / "history.csv") == without_time(tmp_path / "ref" / "history.csv")


def _files(directory: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in directory.iterdir()}


def test_resume_of_a_finished_run_writes_nothing(tmp_path, cheap_pictures):
    out = tmp_path / "run"
    assert run_cli([*PLAIN, "--quiet", "--out", str(out)])[0] == 0
    before = _files(out)

    code, stdout, err = run_cli(["train", "--resume", str(out)])
    assert code == 0, err
    assert "training was already complete (3 epochs" in stdout and "nothing written" in stdout
    code, stdout, err = run_cli(["train", "--resume", str(out), "--epochs", "3", "--json"])
    assert code == 0, err
    printed = json.loads(stdout)
    assert printed.pop("resume") == {"temporaries_removed": 0, "already_complete": True,
                                     "outputs_written": False}
    assert printed == json.loads((out / "summary.json").read_text())
    assert run_cli(["train", "--resume", str(out), "--quiet"]) == (0, f"{out}\n", "")
    assert _files(out) == before  # not one byte, not one timestamp

    (out / "history.json").unlink()  # an output missing: all are written again, the same
    code, stdout, err = run_cli(["train", "--resume", str(out)])
    assert code == 0 and "wrote its outputs from the checkpoint" in stdout, err
    after = _files(out)
    assert after.keys() == before.keys()
    assert all(after[n][0] == before[n][0] for n in before if n != "summary.json")
    summary = json.loads(before["summary.json"][0])
    del summary["seconds"]
    assert _summary(out / "summary.json") == summary


@pytest.mark.parametrize("missing", ["decision_boundary.png", "trace.json",
                                     "adam_internals.png"])
def test_a_finished_run_missing_an_output_of_its_own_kind_is_completed(tmp_path, cheap_pictures,
                                                                       missing):
    """The outputs only some runs write (a boundary for two features, a trace with --trace)
    count too: one deleted, --resume writes them all again, the same."""
    out = tmp_path / "run"
    assert run_cli([*PLAIN, "--trace", "--quiet", "--out", str(out)])[0] == 0
    before = _files(out)
    (out / missing).unlink()
    code, stdout, err = run_cli(["train", "--resume", str(out)])
    assert code == 0 and "wrote its outputs from the checkpoint" in stdout, err
    after = _files(out)
    assert after.keys() == before.keys()
    assert all(after[n][0] == before[n][0] for n in before if n != "summary.json")


def test_an_early_stopped_run_stays_stopped_when_resumed_further(tmp_path, cheap_pictures):
    out = tmp_path / "run"
    assert run_cli([*EARLY, "--quiet", "--out", str(out)])[0] == 0
    before = _summary(out / "summary.json")
    assert before["epochs"] < 200
    assert "nothing written" in run_cli(["train", "--resume", str(out)])[1]

    code, stdout, err = run_cli(["train", "--resume", str(out), "--epochs", "300"])
    assert code == 0, err
    assert f"training was already complete ({before['epochs']} epochs" in stdout
    after = _summary(out / "summary.json")
    assert after["settings"]["epochs"] == 300
    assert {**after, "settings": None} == {**before, "settings": None}


# ------------------------------------------------------------------------ temporaries
DECOYS = [  # near misses of ``.NAME.XXXXXXXX.tmp``: never adamlab's, never removed
    ".summary.json.abc1234.tmp",  # 7 random characters
    ".summary.json.abc123456.tmp",  # 9
    ".summary.json.ABCD1234.tmp",  # upper case: not mkstemp's
    "summary.json.abcd1234.tmp",  # not hidden
    ".summary.json.abcd1234.tmp.bak",
    ".summary.json.abcd1234.temp",
    ".abcd1234.tmp",  # no target name
    "notes.tmp",
    ".notes",
]


def _leave_temporary(target: Path, data: bytes) -> None:
    """A forked write of ``target`` killed just before its rename: the temporary stays."""
    def child():
        os.replace = lambda *a, **k: os.kill(os.getpid(), signal.SIGKILL)
        ckpt.atomic_write_bytes(target, data)

    pid = call_in_child(child)
    _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status)


def test_resume_removes_the_temporaries_of_killed_writes_and_nothing_else(tmp_path, cheap_pictures):
    out = tmp_path / "run"
    assert run_cli([*PLAIN, "--quiet", "--out", str(out)])[0] == 0
    kept = set(p.name for p in out.iterdir())
    for name in ("summary.json", "checkpoint.npz", "learning_curves.png"):
        _leave_temporary(out / name, (out / name).read_bytes()[:100])
    for name in DECOYS:
        (out / name).write_text("mine")
    (out / ".history.csv.abcd1234.tmp").mkdir()  # a directory of that name
    (tmp_path / "elsewhere").write_text("mine")
    (out / ".history.json.abcd1234.tmp").symlink_to(tmp_path / "elsewhere")  # a link
    kept |= set(DECOYS) | {".history.csv.abcd1234.tmp", ".history.json.abcd1234.tmp"}
    leftovers = {p.name for p in out.iterdir()} - kept
    assert len(leftovers) == 3  # the writer's own names, whatever they are

    listing = sorted(p.name for p in out.iterdir())
    assert run_cli(["train", "--resume", str(out), "--epochs", "2"])[0] == 2  # refused: untouched
    assert sorted(p.name for p in out.iterdir()) == listing

    code, stdout, err = run_cli(["train", "--resume", str(out)])
    assert code == 0, err
    assert stdout.splitlines()[0].startswith("removed 3 temporary files left by interrupted writes")
    assert {p.name for p in out.iterdir()} == kept
    assert all((out / n).read_text() == "mine" for n in DECOYS)
    assert (tmp_path / "elsewhere").read_text() == "mine"

    _leave_temporary(out / "history.csv", b"x")
    assert run_cli(["train", "--resume", str(out), "--quiet"]) == (0, f"{out}\n", "")
    _leave_temporary(out / "history.csv", b"x")
    _leave_temporary(out / "history.json", b"x")
    code, stdout, _ = run_cli(["train", "--resume", str(out), "--json"])
    assert code == 0 and json.loads(stdout)["resume"]["temporaries_removed"] == 2
    assert {p.name for p in out.iterdir()} == kept
