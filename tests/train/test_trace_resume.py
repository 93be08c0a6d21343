"""AdamTrace across checkpoints: a resumed run's trace equals the trace of an uninterrupted run,
in the library and through ``adamlab train --resume``; a tampered trace state is refused."""

import json

import numpy as np
import pytest
from trainkit import make_blobs, make_model

from adamlab.cli import main
from adamlab.train import Trainer
from adamlab.train.checkpoint import CheckpointError, load, save
from adamlab.train.trace import AdamTrace


def traced(epochs, every, checkpoint_path=None, dtype=np.float64):
    X, y = make_blobs(dtype=dtype)
    t = Trainer(make_model(dtype=dtype), "adam", lr=0.01, batch_size=16, seed=3)
    trace = AdamTrace(every=every)
    t.fit(X, y, epochs=epochs, callbacks=[trace], checkpoint_path=checkpoint_path)
    return t, trace


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("every", [1, 3])
def test_a_resumed_trace_equals_the_uninterrupted_one(tmp_path, every, dtype):
    _, ref = traced(5, every, dtype=dtype)
    path = str(tmp_path / "ck.npz")
    traced(2, every, checkpoint_path=path, dtype=dtype)
    resumed = Trainer.from_checkpoint(path)
    assert list(resumed.pending_callback_states) == ["Trace"]
    trace = AdamTrace(every=99)  # the checkpoint's own `every` wins: the same records
    X, y = make_blobs(dtype=dtype)
    resumed.fit(X, y, epochs=3, callbacks=[trace])
    assert trace.every == every
    assert len(ref.data["step"]) == len(range(every, 5 * 8 + 1, every))  # 8 batches an epoch
    assert json.dumps(trace.data) == json.dumps(ref.data)  # every number, to the last bit


def tampered(tmp_path, edit):
    path = str(tmp_path / "ck.npz")
    traced(1, 1, checkpoint_path=path)
    arrays, meta = load(path)
    edit(arrays, meta["callbacks"]["Trace"])
    save(str(tmp_path / "bad.npz"), arrays, meta)
    return Trainer.from_checkpoint(str(tmp_path / "bad.npz"))


@pytest.mark.parametrize("edit, words", [
    (lambda a, m: m.update(every=0), "'every' must be an integer >= 1"),
    (lambda a, m: m.update(every=True), "'every' must be an integer >= 1"),
    (lambda a, m: m["constants"].pop("tracked"), "'constants' must be an object"),
    (lambda a, m: m["constants"].update(tracked=[-1]), "'tracked' must be"),
    (lambda a, m: a.update({"callback.Trace.m": a["callback.Trace.m"][:, :2]}),
     "array 'm' must be float of shape"),
    (lambda a, m: a.pop("callback.Trace.v_hat"), "do not match the metadata"),  # at load
    (lambda a, m: a.update({"callback.Trace.step": a["callback.Trace.step"][::-1].copy()}),
     "'step' must be increasing"),
])
def test_a_tampered_trace_state_is_refused(tmp_path, edit, words):
    X, y = make_blobs()
    with pytest.raises(CheckpointError) as e:
        tampered(tmp_path, edit).fit(X, y, epochs=1, callbacks=[AdamTrace()])
    assert words in str(e.value)


def test_a_trace_following_parameters_the_model_lacks_is_refused(tmp_path):
    def edit(arrays, meta):  # the same number of tracked parameters, one beyond the model
        meta["constants"]["tracked"][-1] = 10**6

    t = tampered(tmp_path, edit)
    X, y = make_blobs()
    with pytest.raises(CheckpointError, match="'tracked' names parameter 1000000"):
        t.fit(X, y, epochs=1, callbacks=[AdamTrace()])


@pytest.fixture
def no_pictures(monkeypatch):
    """Figures saved as a placeholder: rendering PNGs is most of these runs' time, and the
    tests look at trace.json and which files exist."""
    from adamlab.rundir import directory as rundir

    monkeypatch.setattr(rundir, "save_figure",
                        lambda fig, path, dpi=120: rundir.atomic_write_bytes(path, b"figure"))


def test_train_resume_goes_on_tracing_without_being_asked_again(tmp_path, capsys, no_pictures):
    common = ["train", "--data", "moons", "--quiet", "--optimizer", "adam"]
    assert main([*common, "--epochs", "4", "--trace", "--out", str(tmp_path / "straight")]) == 0
    assert main([*common, "--epochs", "2", "--trace", "--out", str(tmp_path / "legs")]) == 0
    first_leg = json.loads((tmp_path / "legs" / "trace.json").read_text())
    assert main(["train", "--resume", str(tmp_path / "legs"), "--epochs", "4", "--quiet"]) == 0
    capsys.readouterr()
    straight = json.loads((tmp_path / "straight" / "trace.json").read_text())
    legs = json.loads((tmp_path / "legs" / "trace.json").read_text())
    assert len(first_leg["step"]) < len(legs["step"])
    assert legs == straight
    assert (tmp_path / "legs" / "adam_internals.png").is_file()


def test_a_traced_run_that_stopped_before_its_first_record_is_left_alone(tmp_path, capsys,
                                                                         no_pictures):
    """Early stopping can end a traced run before the trace's first record (every = steps //
    2000 for the asked epochs): no trace.json then, and a finished run all the same."""
    out = tmp_path / "run"
    assert main(["train", "--data", "moons", "--epochs", "100000", "--batch-size", "full",
                 "--early-stopping", "1", "--trace", "--quiet", "--out", str(out)]) == 0
    assert not (out / "trace.json").exists()  # the premise
    capsys.readouterr()
    assert main(["train", "--resume", str(out)]) == 0
    assert "nothing written" in capsys.readouterr().out


def test_train_resume_refuses_a_trace_of_parameters_the_model_lacks(tmp_path, capsys,
                                                                     no_pictures):
    out = tmp_path / "run"
    assert main(["train", "--data", "moons", "--epochs", "2", "--trace", "--quiet",
                 "--out", str(out)]) == 0
    arrays, meta = load(str(out / "checkpoint.npz"))
    meta["callbacks"]["Trace"]["constants"]["tracked"][-1] = 10**6
    save(str(out / "checkpoint.npz"), arrays, meta)
    capsys.readouterr()
    assert main(["train", "--resume", str(out), "--epochs", "3"]) == 1
    err = capsys.readouterr().err
    assert "Trace state: 'tracked' names parameter 1000000" in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_a_trace_saved_under_its_old_name_adamtrace_resumes(tmp_path):
    """Checkpoints written before the trace was generalised keep it as 'AdamTrace', with the
    same arrays and constants: the trace goes on from it."""
    _, ref = traced(5, 1)
    path = str(tmp_path / "ck.npz")
    traced(2, 1, checkpoint_path=path)
    arrays, meta = load(path)
    meta["callbacks"]["AdamTrace"] = meta["callbacks"].pop("Trace")
    arrays = {k.replace("callback.Trace.", "callback.AdamTrace."): v for k, v in arrays.items()}
    meta.pop("arrays")  # the header's list of array names, written again by save
    save(str(tmp_path / "old.npz"), arrays, meta)
    resumed = Trainer.from_checkpoint(str(tmp_path / "old.npz"))
    assert list(resumed.pending_callback_states) == ["AdamTrace"]
    trace = AdamTrace()
    X, y = make_blobs()
    resumed.fit(X, y, epochs=3, callbacks=[trace])
    assert json.dumps(trace.data) == json.dumps(ref.data)
