"""Rows: batches of a memory-mapped .npy read with pread, identical to in-memory training."""

import numpy as np
import pytest

from adamlab.data import Rows, Standardizer
from adamlab.experiment import Settings, prepare, summarize


@pytest.fixture
def npy(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(3000, 5)) * [1, 10, 100, 0.1, 1e3] + [0, 5, -50, 0, 1e4]
    y = (X[:, 0] + X[:, 1] / 10 > 0.5).astype(np.int64)
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "y.npy", y)
    return tmp_path / "X.npy", tmp_path / "y.npy", X


def test_rows_read_what_indexing_reads(npy):
    path, _, X = npy
    mm = np.load(path, mmap_mode="r")
    rows = Rows(mm)
    assert rows._file is not None  # the pread path, not the mapping
    rng = np.random.default_rng(1)
    for idx in (rng.permutation(3000)[:256], np.array([5, 5, 6, 7, 2999, 0]), np.arange(10),
                np.array([], int)):
        np.testing.assert_array_equal(rows[idx], X[idx])
    np.testing.assert_array_equal(rows[10:20], X[10:20])
    sub = Rows(mm, rows=np.array([9, 3, 7]))
    np.testing.assert_array_equal(sub[np.array([2, 0])], X[[7, 9]])
    assert len(sub) == 3 and sub.shape == (3, 5)


def test_rows_standardise_and_cast_like_the_whole_array(npy):
    path, _, X = npy
    mm = np.load(path, mmap_mode="r")
    train = np.arange(0, 3000, 2)
    scaler = Standardizer().fit(Rows(mm, train))
    ref = Standardizer().fit(X[train])
    np.testing.assert_array_equal(scaler.mean_, ref.mean_)
    np.testing.assert_array_equal(scaler.scale_, ref.scale_)
    r = Rows(mm, train, scaler, np.float32)
    np.testing.assert_array_equal(r[np.arange(5)], ref.transform(X[train[:5]]).astype(np.float32))


def test_a_slice_of_a_memmap_is_not_misread(npy):
    path, _, X = npy
    mm = np.load(path, mmap_mode="r")[100:200]
    rows = Rows(mm)
    assert rows._file is None
    np.testing.assert_array_equal(rows[np.array([0, 99])], X[[100, 199]])


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_streamed_training_is_bit_identical_to_in_memory(npy, dtype):
    path, ypath, _ = npy
    out = {}
    for mmap in (True, False):
        s = Settings(data=str(path), target=str(ypath), mmap=mmap, epochs=3, batch_size=64,
                     hidden=[8], dtype=dtype, seed=2)
        p = prepare(s)
        assert isinstance(p.X_train, Rows) == mmap
        p.fit()
        out[mmap] = summarize(p)
    assert out[True]["params_sha256"] == out[False]["params_sha256"]
    assert out[True]["final"] == out[False]["final"]
