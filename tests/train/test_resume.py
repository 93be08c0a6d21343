"""Training N epochs straight == k epochs, checkpoint, load (here or in a new process), N − k
more."""

import subprocess
import sys
import textwrap

import numpy as np
import pytest
from trainkit import make_blobs, make_model

from adamlab.train import Trainer, fingerprint


def straight(epochs, **kw):
    X, y = make_blobs()
    t = Trainer(make_model(dropout=0.1), "adam", lr=0.01, batch_size=16, seed=3, **kw)
    t.fit(X, y, epochs=epochs, val_fraction=0.25)
    return t


@pytest.mark.parametrize("schedule", ["constant", "cosine", "plateau"])
def test_resume_at_epoch_boundary_is_bit_identical(tmp_path, schedule):
    ref = straight(6, schedule=schedule)
    X, y = make_blobs()
    t = Trainer(make_model(dropout=0.1), "adam", lr=0.01, batch_size=16, seed=3, schedule=schedule,
                schedule_epochs=6)  # the uninterrupted run's length
    t.fit(X, y, epochs=2, val_fraction=0.25, checkpoint_path=str(tmp_path / "ck.npz"))
    resumed = Trainer.from_checkpoint(str(tmp_path / "ck.npz"))
    assert resumed.epoch == 2
    resumed.fit(X, y, epochs=4, val_fraction=0.25)
    assert np.array_equal(resumed.model.params, ref.model.params)
    assert fingerprint(resumed.model.params) == fingerprint(ref.model.params)
    assert resumed.history["epoch"] == ref.history["epoch"]
    assert resumed.history["loss"] == ref.history["loss"]
    assert resumed.history["val_loss"] == ref.history["val_loss"]
    for a, b in zip(resumed.optimizer.state[0].values(), ref.optimizer.state[0].values(),
                    strict=True):
        assert np.array_equal(a, b)


def test_resume_mid_epoch_is_bit_identical(tmp_path):
    ref = straight(3)
    X, y = make_blobs()
    path = str(tmp_path / "ck.npz")

    class Stop(Exception):
        pass

    from adamlab.train import Callback

    class Kill(Callback):  # stop in the middle of epoch 2, after its checkpoint
        def on_batch_end(self, step, logs):
            if step == 9:
                raise Stop

    t = Trainer(make_model(dropout=0.1), "adam", lr=0.01, batch_size=16, seed=3)
    with pytest.raises(Stop):
        t.fit(X, y, epochs=3, val_fraction=0.25, checkpoint_path=path, checkpoint_every_steps=8,
              callbacks=[Kill()])
    resumed = Trainer.from_checkpoint(path)
    assert resumed.epoch == 1 and resumed.step_count == 8 and resumed.position.batch == 2
    resumed.fit(X, y, epochs=2, val_fraction=0.25)
    assert np.array_equal(resumed.model.params, ref.model.params)
    assert resumed.history["loss"] == ref.history["loss"]


def test_resume_across_processes(tmp_path):
    ref = straight(5)
    code = textwrap.dedent(f"""
        import sys; sys.path.insert(0, {str(tmp_path.parent)!r})
        sys.path.insert(0, {str(__import__('pathlib').Path(__file__).parent)!r})
        from trainkit import make_blobs, make_model
        from adamlab.train import Trainer
        X, y = make_blobs()
        path = {str(tmp_path / 'ck.npz')!r}
        if sys.argv[1] == "first":
            t = Trainer(make_model(dropout=0.1), "adam", lr=0.01, batch_size=16, seed=3)
            t.fit(X, y, epochs=2, val_fraction=0.25, checkpoint_path=path)
        else:
            t = Trainer.from_checkpoint(path)
            t.fit(X, y, epochs=3, val_fraction=0.25, checkpoint_path=path)
            print(t.history.last()["epoch"])
    """)
    for stage in ("first", "second"):
        out = subprocess.run([sys.executable, "-c", code, stage], capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
    resumed = Trainer.from_checkpoint(str(tmp_path / "ck.npz"))
    assert resumed.epoch == 5
    assert np.array_equal(resumed.model.params, ref.model.params)


def test_resume_on_other_data_mid_epoch_is_refused(tmp_path):
    X, y = make_blobs()
    path = str(tmp_path / "ck.npz")
    t = Trainer(make_model(), "adam", batch_size=16, seed=0)
    t.fit(X, y, epochs=0)
    t._position = None
    from adamlab.train import Callback

    class Stop(Exception):
        pass

    class Kill(Callback):
        def on_batch_end(self, step, logs):
            if step == 2:
                raise Stop

    with pytest.raises(Stop):
        t.fit(X, y, epochs=1, checkpoint_path=path, checkpoint_every_steps=1, callbacks=[Kill()])
    resumed = Trainer.from_checkpoint(path)
    X2, y2 = make_blobs(seed=1)
    with pytest.raises(ValueError, match="different training data"):
        resumed.fit(X2, y2, epochs=1)


def test_resume_keeps_early_stopping_state(tmp_path):
    from adamlab.train import EarlyStopping

    X, y = make_blobs(n=60, seed=5)

    def trainer():
        return Trainer(make_model(hidden=(32,)), "adam", lr=0.3, batch_size=8, seed=1)

    ref = trainer()
    ref.fit(X, y, epochs=30, val_fraction=0.3, callbacks=[EarlyStopping(patience=4)])
    t = trainer()
    t.fit(X, y, epochs=3, val_fraction=0.3, callbacks=[EarlyStopping(patience=4)],
          checkpoint_path=str(tmp_path / "ck.npz"))
    resumed = Trainer.from_checkpoint(str(tmp_path / "ck.npz"))
    stop = EarlyStopping(patience=4)
    resumed.fit(X, y, epochs=27, val_fraction=0.3, callbacks=[stop])
    assert resumed.epoch == ref.epoch < 30
    assert np.array_equal(resumed.model.params, ref.model.params)


def test_a_run_that_stopped_early_stays_stopped_when_resumed(tmp_path):
    import shutil

    from adamlab.train import Callback, EarlyStopping

    X, y = make_blobs(n=60, seed=5)
    path, before_restore = tmp_path / "ck.npz", tmp_path / "before_restore.npz"

    class CopyCheckpoint(Callback):  # runs before EarlyStopping restores the best weights
        def on_train_end(self, logs):
            shutil.copy(path, before_restore)

    ref = Trainer(make_model(hidden=(32,)), "adam", lr=0.3, batch_size=8, seed=1)
    ref.fit(X, y, epochs=200, val_fraction=0.3, checkpoint_path=str(path), checkpoint_every=1,
            callbacks=[CopyCheckpoint(), EarlyStopping(patience=4)])
    assert ref.epoch < 200
    for saved in (path, before_restore):  # the final checkpoint, and the last epoch's one
        resumed = Trainer.from_checkpoint(str(saved))
        resumed.fit(X, y, epochs=50, val_fraction=0.3, callbacks=[EarlyStopping(patience=4)])
        assert resumed.epoch == ref.epoch and len(resumed.history) == ref.epoch
        assert np.array_equal(resumed.model.params, ref.model.params)
    left = Trainer.from_checkpoint(str(before_restore))
    assert not np.array_equal(left.model.params, ref.model.params)  # the last weights, not the best

    patient = Trainer.from_checkpoint(str(path))  # more patience than it had: it goes on
    patient.fit(X, y, epochs=2, val_fraction=0.3, callbacks=[EarlyStopping(patience=100)])
    assert patient.epoch == ref.epoch + 2
