"""Kills at any instant leave the old file or the new one, whole: never a torn one.

A forked child rewrites files in a loop, alternating two complete versions, and is killed with
SIGKILL after a random delay, many times; after each kill what is on disk must load and equal
one of the two versions exactly. The same is then done at each step of ``atomic_write_bytes``
on purpose (the child kills itself there), and to real ``adamlab train`` processes, which must
then resume to the weights of an uninterrupted run (or, killed while writing their outputs,
write them from the checkpoint: more of that in test_resume_after_kill.py).
"""

from __future__ import annotations

import csv
import io
import json
import os
import random
import signal
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest
from robustkit import call_in_child, is_temporary, run_cli, small_trainer

from adamlab.rundir import directory as rundir
from adamlab.train import Trainer
from adamlab.train import checkpoint as ckpt

PNG_END = b"IEND\xaeB`\x82"


def kill_loop(write_forever, check, *, min_kills: int, budget: float, seed: int) -> dict:
    """Fork ``write_forever`` and SIGKILL it after a random delay, again and again, calling
    ``check()`` after each kill; at least ``min_kills`` times, more while within ``budget``
    seconds and not yet every outcome ``check`` can report has been seen."""
    rng = random.Random(seed)
    seen: dict[str, int] = {}
    kills, t0 = 0, time.monotonic()
    while kills < min_kills or (time.monotonic() - t0 < budget and len(seen) < 3):
        pid = call_in_child(write_forever)
        time.sleep(rng.uniform(0.0, 0.03))
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        assert os.WIFSIGNALED(status), "the writer stopped by itself (it should loop forever)"
        for outcome in check():
            seen[outcome] = seen.get(outcome, 0) + 1
        kills += 1
    seen["kills"] = kills
    print("kills:", seen)  # shown with pytest -s
    return seen


# --------------------------------------------------------------------- checkpoints
def _same(loaded, reference) -> bool:
    (a, m), (ra, rm) = loaded, reference
    return m == rm and a.keys() == ra.keys() and all(np.array_equal(a[k], ra[k]) for k in a)


def test_sigkill_while_saving_checkpoints_leaves_one_whole_state(tmp_path):
    # two different states, big enough (400 kB) that a kill often lands inside a write
    one = small_trainer(seed=1, hidden=(128, 128), epochs=1)
    two = small_trainer(seed=2, hidden=(128, 128), epochs=2)
    refs = {}
    for name, t in (("one", one), ("two", two)):
        t.save_checkpoint(tmp_path / f"{name}.npz")
        refs[name] = ckpt.load(tmp_path / f"{name}.npz")
    run = tmp_path / "run"
    run.mkdir()
    path = run / "checkpoint.npz"
    one.save_checkpoint(path)

    def write_forever():
        while True:
            two.save_checkpoint(path)
            one.save_checkpoint(path)

    def check():
        loaded = ckpt.load(path)  # raises if torn
        which = [name for name, ref in refs.items() if _same(loaded, ref)]
        assert len(which) == 1, "the checkpoint equals neither state"
        assert Trainer.from_checkpoint(path).epoch == {"one": 1, "two": 2}[which[0]]
        others = [p.name for p in run.iterdir() if p.name != "checkpoint.npz"]
        assert all(is_temporary(n, "checkpoint.npz") for n in others), others
        leftover = bool(others)
        for n in others:  # a temporary file of a killed write: never a checkpoint
            (run / n).unlink()
        return [which[0]] + (["killed mid-write"] if leftover else [])

    seen = kill_loop(write_forever, check, min_kills=60, budget=6.0, seed=0)
    assert seen.get("one") and seen.get("two") and seen.get("killed mid-write"), seen


def test_sigkill_while_writing_outputs_leaves_whole_files(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    versions = {}
    for k, name in enumerate(("one", "two")):
        fig, ax = plt.subplots()
        ax.plot(np.arange(50) ** (k + 1))
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        plt.close(fig)
        summary = json.dumps({"status": "ok", "epochs": k + 1, "x": list(range(2000 * (k + 1)))})
        history = "epoch,loss\n" + "".join(f"{i},{1 / (i + k + 1)!r}\n" for i in range(3000))
        versions[name] = {"summary.json": summary.encode(), "history.csv": history.encode(),
                          "learning_curves.png": buf.getvalue()}
    run = tmp_path / "run"
    run.mkdir()
    for target, data in versions["one"].items():
        ckpt.atomic_write_bytes(run / target, data)

    def write_forever():
        while True:
            for name in ("two", "one"):
                rundir.write_text(run / "history.csv", versions[name]["history.csv"].decode())
                ckpt.atomic_write_bytes(run / "summary.json", versions[name]["summary.json"])
                ckpt.atomic_write_bytes(run / "learning_curves.png",
                                        versions[name]["learning_curves.png"])

    def check():
        outcomes = []
        for target in versions["one"]:
            data = (run / target).read_bytes()
            which = [n for n, v in versions.items() if v[target] == data]
            assert which, f"{target} is torn"
            outcomes.append(which[0])
        json.loads((run / "summary.json").read_text())
        assert (run / "learning_curves.png").read_bytes().endswith(PNG_END)
        others = [p.name for p in run.iterdir() if p.name not in versions["one"]]
        assert all(any(is_temporary(n, t) for t in versions["one"]) for n in others), others
        for n in others:
            (run / n).unlink()
        return outcomes + (["killed mid-write"] if others else [])

    seen = kill_loop(write_forever, check, min_kills=40, budget=4.0, seed=1)
    assert seen.get("one") and seen.get("two") and seen.get("killed mid-write"), seen


# Each step of atomic_write_bytes, in order, and what a kill just before it must leave.
STEPS = [
    ("mkstemp", "old"),  # nothing written yet
    ("fsync file", "old"),  # data written, not yet synced
    ("replace", "old"),  # synced, not yet renamed
    ("fsync dir", "new"),  # renamed: the new file is in place
]


@pytest.mark.parametrize("step, expected", STEPS, ids=[s for s, _ in STEPS])
def test_kill_at_each_step_of_an_atomic_write(tmp_path, step, expected):
    path = tmp_path / "summary.json"
    old, new = b'{"v": "old"}' * 1000, b'{"v": "new"}' * 1000
    ckpt.atomic_write_bytes(path, old)

    def die():
        os.kill(os.getpid(), signal.SIGKILL)

    def write_and_die_at_step():
        fsyncs = []
        if step == "mkstemp":
            tempfile.mkstemp = lambda *a, **k: die()
        elif step == "replace":
            os.replace = lambda *a, **k: die()
        else:
            real = os.fsync

            def fsync(fd):
                fsyncs.append(fd)
                if (step == "fsync file" and len(fsyncs) == 1) or \
                        (step == "fsync dir" and len(fsyncs) == 2):
                    die()
                return real(fd)

            os.fsync = fsync
        ckpt.atomic_write_bytes(path, new)

    pid = call_in_child(write_and_die_at_step)
    _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
    assert path.read_bytes() == {"old": old, "new": new}[expected]
    others = [p.name for p in tmp_path.iterdir() if p.name != path.name]
    assert all(is_temporary(n, path.name) for n in others), others


# ----------------------------------------------------------------- adamlab train
# ``adamlab train`` itself (its ``main``) in a forked child: no start-up time to wait through,
# so the kills fall anywhere in its work: preparing, training, checkpointing, writing outputs.
# (tests/cli/test_resume_kill.py kills a real ``python -m adamlab`` process and resumes it.)
# Each kill waits for a file to show the stage it aims at (a checkpoint of some epoch), then a
# random delay scaled by how long that stage took an uninterrupted run on this machine now: a
# slow, busy or fast machine moves the delays with it. A kill that still lands elsewhere (the
# parent descheduled too long) counts there, and the stage aimed at is tried again, a few times.
OUTPUTS = ("checkpoint.npz", "summary.json", "history.csv", "history.json", "learning_curves.png")
EPOCHS = 6
AIMS = {"before a checkpoint": 1, "training": 3, "writing outputs": 2}  # kills wanted in each
RETRIES = 3  # more kills aimed at a stage, at most, if some land elsewhere


@pytest.fixture(scope="module")
def three_features(tmp_path_factory):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2000, 3))
    y = (X[:, 0] * X[:, 1] + X[:, 2] > 0).astype(int)
    folder = tmp_path_factory.mktemp("data")
    path = folder / "three.csv"
    path.write_text("a,b,c,label\n" + "".join(
        f"{a!r},{b!r},{c!r},{t}\n" for (a, b, c), t in zip(X.tolist(), y.tolist(), strict=True)))
    # One run here first, so that the forked children start warm (imports, compiled kernels).
    code, _, err = run_cli(["train", "--data", str(path), "--hidden", "16", "--epochs", "1",
                            "--batch-size", "4", "--quiet", "--out", str(folder / "warm")])
    assert code == 0, err
    return path


def _train_in_child(data: Path, out: Path):
    from adamlab.cli import main

    argv = ["train", "--data", str(data), "--hidden", "16", "--epochs", str(EPOCHS),
            "--batch-size", "4", "--checkpoint-every", "1", "--quiet", "--out", str(out)]
    return lambda: main(argv)


def _check_killed_run(out: Path) -> str:
    """Whatever a killed run left is whole; returns the stage the kill landed in."""
    for p in out.iterdir():
        name = p.name
        if name.startswith("."):
            assert name == rundir.LOCK or any(is_temporary(name, t) for t in OUTPUTS), name
        elif name.endswith(".json"):
            json.loads(p.read_text())
        elif name.endswith(".csv"):
            lines = p.read_text().splitlines()
            assert lines[0].startswith("epoch,") and all(line.count(",") == 8 for line in lines)
        elif name.endswith(".png"):
            assert p.read_bytes().endswith(PNG_END), name
        else:
            assert name == "checkpoint.npz", name
    if not (out / "checkpoint.npz").exists():
        return "before a checkpoint"
    t = Trainer.from_checkpoint(out / "checkpoint.npz")
    assert 1 <= t.epoch <= EPOCHS
    if t.epoch < EPOCHS:
        return "training"
    return "finished" if (out / "summary.json").exists() else "writing outputs"


def _epochs_saved(out: Path) -> int:
    try:
        with np.load(out / "checkpoint.npz") as z:
            return json.loads(z["__meta__"].tobytes())["epoch"]
    except (OSError, KeyError, ValueError):
        return 0


def _wait(pid: int, ready, deadline: float = 60) -> bool:
    """Poll until ``ready()``; False if the child ended first."""
    end = time.monotonic() + deadline
    while not ready():
        if os.waitpid(pid, os.WNOHANG) != (0, 0) or time.monotonic() > end:
            return False
        time.sleep(0.001)
    return True


def _kill_when(pid: int, ready, extra: float) -> None:
    """SIGKILL ``pid`` ``extra`` seconds after ``ready()`` first holds (or as it exits)."""
    if _wait(pid, ready):
        time.sleep(extra)
    os.kill(pid, signal.SIGKILL)  # a child that ended is a zombie until waited for: harmless
    os.waitpid(pid, 0)


def _without_time(path: Path) -> list[list[str]]:
    return [row[:-1] for row in csv.reader(io.StringIO(path.read_text()))]  # time: last column


def test_sigkill_adamlab_train_at_random_instants_then_resume(tmp_path, three_features):
    # An uninterrupted run: the weights to reach, and how long each stage takes here, now.
    ref = tmp_path / "ref"
    pid = call_in_child(_train_in_child(three_features, ref))
    assert _wait(pid, ref.exists)
    t0 = time.monotonic()
    assert _wait(pid, (ref / "checkpoint.npz").exists)
    first_checkpoint = time.monotonic() - t0  # from the directory's creation
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    expected = json.loads((ref / "summary.json").read_text())
    epoch = min(float(row["time"]) for row in csv.DictReader(io.StringIO(
        (ref / "history.csv").read_text())))
    outputs = ((ref / "summary.json").stat().st_mtime_ns -
               (ref / "checkpoint.npz").stat().st_mtime_ns) / 1e9  # written last / first

    # Kill at a random instant between the directory's creation and the first checkpoint; in
    # the epoch after a random one's checkpoint (three epochs or more to go); while the outputs
    # are written.
    rng = random.Random(2)

    def aim(stage: str, out: Path, pid: int) -> None:
        if stage == "before a checkpoint":
            _kill_when(pid, out.exists, rng.uniform(0, 0.8 * first_checkpoint))
        elif stage == "training":
            k = rng.randrange(1, EPOCHS - 3)
            _kill_when(pid, lambda: _epochs_saved(out) >= k, rng.uniform(0, 0.5 * epoch))
        else:
            _kill_when(pid, lambda: _epochs_saved(out) >= EPOCHS, rng.uniform(0, 0.8 * outputs))

    stages: dict[str, list[Path]] = {}
    kills = 0
    for stage, wanted in AIMS.items():
        for _ in range(wanted + RETRIES):
            if len(stages.get(stage, [])) >= wanted:
                break
            out = tmp_path / f"killed{kills}"
            kills += 1
            aim(stage, out, call_in_child(_train_in_child(three_features, out)))
            landed = _check_killed_run(out) if out.exists() else "preparing"
            stages.setdefault(landed, []).append(out)
    print("kills:", {k: len(v) for k, v in stages.items()})  # shown with pytest -s
    for stage, wanted in AIMS.items():
        assert len(stages.get(stage, [])) >= wanted, (stage, stages)

    out = stages["before a checkpoint"][0]  # nothing to resume: said so
    code, _, err = run_cli(["train", "--resume", str(out)])
    assert code == 1 and "no such checkpoint" in err, err
    out = stages["training"][-1]  # the lock it left does not block; the same weights
    assert (out / rundir.LOCK).exists()
    code, stdout, err = run_cli(["train", "--resume", str(out), "--json"])
    assert code == 0, err
    summary = json.loads(stdout)
    assert summary["params_sha256"] == expected["params_sha256"]
    assert summary["resume"]["already_complete"] is False
    assert _without_time(out / "history.csv") == _without_time(ref / "history.csv")
    for out in stages["writing outputs"][:-1]:
        t = Trainer.from_checkpoint(out / "checkpoint.npz")
        assert ckpt.fingerprint(t.model.params) == expected["params_sha256"]
    for out in stages["writing outputs"][-1:]:  # finished from the checkpoint, as it would have
        code, stdout, err = run_cli(["train", "--resume", str(out)])
        assert code == 0 and "training was already complete" in stdout, err
        summary = json.loads((out / "summary.json").read_text())
        assert {k: v for k, v in summary.items() if k not in ("seconds", "out")} == \
            {k: v for k, v in expected.items() if k not in ("seconds", "out")}
        assert _without_time(out / "history.csv") == _without_time(ref / "history.csv")
        assert not any(is_temporary(p.name, t) for p in out.iterdir() for t in OUTPUTS)
