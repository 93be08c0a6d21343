"""The checkpoint file: one npz, JSON metadata, no pickle, atomic replacement."""

import json
import os

import numpy as np
import pytest
from trainkit import make_blobs, make_model

from adamlab.train import CheckpointError, Trainer, fingerprint
from adamlab.train import checkpoint as ckpt


def test_round_trip_and_contents(tmp_path):
    X, y = make_blobs()
    t = Trainer(make_model(), "nadam", lr=0.01, schedule="cosine", seed=4)
    t.fit(X, y, epochs=3, val_fraction=0.2)
    path = tmp_path / "ck.npz"
    t.save_checkpoint(path)
    with np.load(path, allow_pickle=False) as z:  # a plain npz, readable without adamlab
        meta = json.loads(z["__meta__"].tobytes())
        assert np.array_equal(z["params"], t.model.params)
    assert meta["params_sha256"] == fingerprint(t.model.params)
    assert meta["optimizer"]["class"] == "NAdam" and meta["epoch"] == 3
    back = Trainer.from_checkpoint(path)
    assert np.array_equal(back.model.params, t.model.params)
    assert back.optimizer.state[0]["step"] == t.optimizer.state[0]["step"]
    assert isinstance(back.optimizer.state[0]["step"], int)
    assert back.optimizer.state[0]["mu_product"] == t.optimizer.state[0]["mu_product"]
    assert back.history.epochs == t.history.epochs
    assert back.lr == t.lr


def test_fingerprint_is_sha256_of_the_buffer():
    import hashlib

    a = np.arange(5, dtype=np.float64)
    assert fingerprint(a) == hashlib.sha256(a.tobytes()).hexdigest()
    b = a.copy()
    b[2] = np.nextafter(b[2], 10)
    assert fingerprint(a) != fingerprint(b)


def test_object_arrays_are_refused_without_unpickling(tmp_path):
    path = tmp_path / "evil.npz"
    meta = np.frombuffer(json.dumps({"format": "adamlab-checkpoint", "version": 1,
                                     "arrays": ["params"]}).encode(), dtype=np.uint8)
    np.savez(path, __meta__=meta, params=np.array([{"x": 1}], dtype=object))
    with pytest.raises(CheckpointError, match="refused"):
        ckpt.load(path)


@pytest.mark.parametrize("content, match", [
    (b"", "unreadable"),
    (b"not a zip at all", "unreadable"),
    (b"PK\x03\x04garbage", "unreadable"),
])
def test_garbage_files_are_refused(tmp_path, content, match):
    path = tmp_path / "bad.npz"
    path.write_bytes(content)
    with pytest.raises(CheckpointError, match=match):
        ckpt.load(path)


def test_foreign_npz_and_mismatched_arrays_are_refused(tmp_path):
    np.savez(tmp_path / "plain.npz", a=np.zeros(3))
    with pytest.raises(CheckpointError, match="not an adamlab checkpoint"):
        ckpt.load(tmp_path / "plain.npz")
    ckpt.save(tmp_path / "ok.npz", {"params": np.zeros(3)}, {})
    with np.load(tmp_path / "ok.npz") as z:
        meta = z["__meta__"]
    np.savez(tmp_path / "extra.npz", __meta__=meta, params=np.zeros(3), sneaky=np.zeros(1))
    with pytest.raises(CheckpointError, match="do not match"):
        ckpt.load(tmp_path / "extra.npz")
    with pytest.raises(CheckpointError, match="no such"):
        ckpt.load(tmp_path / "missing.npz")


def test_truncated_checkpoint_is_refused(tmp_path):
    X, y = make_blobs()
    t = Trainer(make_model(), "adam")
    t.fit(X, y, epochs=1)
    path = tmp_path / "ck.npz"
    t.save_checkpoint(path)
    data = path.read_bytes()
    for cut in (10, len(data) // 2, len(data) - 5):
        path.write_bytes(data[:cut])
        with pytest.raises(CheckpointError):
            Trainer.from_checkpoint(path)


def test_atomic_write_leaves_no_temporary_and_replaces(tmp_path, monkeypatch):
    path = tmp_path / "f.bin"
    ckpt.atomic_write_bytes(path, b"old")
    real_replace = os.replace

    def failing_replace(a, b):
        raise OSError("disk on fire")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError):
        ckpt.atomic_write_bytes(path, b"new")
    monkeypatch.setattr(os, "replace", real_replace)
    assert path.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["f.bin"]


def test_a_plateau_run_checkpointed_inside_its_first_epoch_resumes(tmp_path):
    """Before any epoch's metric the plateau rule's best is infinite, which JSON cannot hold."""
    X, y = make_blobs()
    whole = Trainer(make_model(), "adam", schedule="plateau", batch_size=16, seed=1)
    whole.fit(X, y, epochs=2)
    path = tmp_path / "ck.npz"

    class Stop(Exception):
        pass

    from adamlab.train import Callback

    class Kill(Callback):
        def on_batch_end(self, step, logs):
            if step == 3:
                raise Stop

    t = Trainer(make_model(), "adam", schedule="plateau", batch_size=16, seed=1)
    with pytest.raises(Stop):
        t.fit(X, y, epochs=2, checkpoint_path=path, checkpoint_every_steps=1, callbacks=[Kill()])
    resumed = Trainer.from_checkpoint(path)
    assert resumed.position.batch == 2  # the kill came before step 3's checkpoint
    resumed.fit(X, y, epochs=2)
    np.testing.assert_array_equal(resumed.model.params, whole.model.params)


def test_the_format_version_is_2_and_version_1_files_still_load(tmp_path):
    """Version 2 adds the optimizer's layout by parameter name; the release before parameter
    groups wrote 1 (tests/fixtures/run_v1) and reads only 1, so it refuses a 2 by its number."""
    from pathlib import Path

    X, y = make_blobs()
    t = Trainer(make_model(), "adam", seed=4)
    t.fit(X, y, epochs=1)
    t.save_checkpoint(tmp_path / "new.npz")
    assert ckpt.load(tmp_path / "new.npz")[1]["version"] == ckpt.VERSION == 2
    old = Path(__file__).resolve().parent.parent / "fixtures" / "run_v1" / "checkpoint.npz"
    assert ckpt.load(old)[1]["version"] == 1 and Trainer.from_checkpoint(old).epoch == 3
    arrays, meta = ckpt.load(tmp_path / "new.npz")
    meta.pop("format"), meta.pop("version"), meta.pop("arrays")
    blob = np.frombuffer(json.dumps({"format": ckpt.FORMAT, "version": 3,
                                     "arrays": sorted(arrays), **meta}).encode(), np.uint8)
    np.savez(tmp_path / "newer.npz", __meta__=blob, **arrays)
    with pytest.raises(CheckpointError, match=r"checkpoint version 3, this adamlab reads "
                                              r"versions 1 and 2; .*upgrade adamlab"):
        Trainer.from_checkpoint(tmp_path / "newer.npz")
