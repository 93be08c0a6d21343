"""NumPy inputs: X.npy + y.npy pairs, .npz archives, memory mapping, and refused object arrays."""

from pathlib import Path

import numpy as np
import pytest

import adamlab.data.rows as rows
from adamlab.data import DataError, from_arrays, load_file


@pytest.fixture
def pair(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    y = np.array(["cat", "dog"])[rng.integers(0, 2, 40)]
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "y.npy", y)
    return tmp_path, X, y


def test_npy_pair(pair):
    folder, X, y = pair
    ds = load_file(folder / "X.npy", target=folder / "y.npy")
    assert np.array_equal(ds.X, X) and ds.feature_names == ("x0", "x1", "x2")
    assert ds.classes == ("cat", "dog") and ds.task == "binary"
    assert np.array_equal(np.asarray(ds.classes)[ds.y], y)
    assert not isinstance(ds.X, np.memmap)


@pytest.mark.parametrize(
    ("y", "task", "classes"),
    [
        (np.array([3, 1, 2, 1]), "multiclass", (1, 2, 3)),
        (np.array([[0.0], [1.0], [1.0], [0.0]]), "binary", (0.0, 1.0)),  # (n, 1) is squeezed
        (np.array([True, False, True, True]), "binary", (False, True)),
        (np.array([b"a", b"b", b"a", b"a"]), "binary", ("a", "b")),
        (np.array([0.1, 2.5, -3.0, 4.25]), "regression", None),
    ],
)
def test_label_types(tmp_path, y, task, classes):
    np.save(tmp_path / "X.npy", np.arange(8, dtype=np.int32).reshape(4, 2))
    np.save(tmp_path / "y.npy", y)
    ds = load_file(tmp_path / "X.npy", target=str(tmp_path / "y.npy"))
    assert ds.X.dtype == np.float64 and ds.task == task and ds.classes == classes


def test_npz_with_X_and_y_or_another_target(tmp_path):
    X, y = np.eye(4), np.array([0, 1, 0, 1])
    np.savez(tmp_path / "d.npz", X=X, y=y, labels=np.array(["a", "b", "c", "c"]))
    ds = load_file(tmp_path / "d.npz")
    assert np.array_equal(ds.X, X) and np.array_equal(ds.y, y)
    assert load_file(tmp_path / "d.npz", target="labels").classes == ("a", "b", "c")


def test_mmap_keeps_the_file_mapped(tmp_path):
    X = np.random.default_rng(1).normal(size=(500, 4))
    np.save(tmp_path / "big.npy", X)
    np.save(tmp_path / "y.npy", np.arange(500) % 3)
    ds = load_file(tmp_path / "big.npy", target=tmp_path / "y.npy", mmap=True)
    assert isinstance(ds.X, np.memmap)
    assert Path(ds.X.filename).resolve() == (tmp_path / "big.npy").resolve()
    assert not ds.X.flags.writeable
    assert np.array_equal(ds.X, X) and ds.task == "multiclass"


def test_mmap_needs_float64(tmp_path):
    np.save(tmp_path / "X.npy", np.ones((4, 2), dtype=np.float32))
    np.save(tmp_path / "y.npy", np.array([0, 1, 0, 1]))
    with pytest.raises(DataError, match=r"X\.npy holds float32.*astype\(np\.float64\)"):
        load_file(tmp_path / "X.npy", target=tmp_path / "y.npy", mmap=True)
    assert load_file(tmp_path / "X.npy", target=tmp_path / "y.npy").X.dtype == np.float64


def test_non_finite_values_found_block_by_block(tmp_path, monkeypatch):
    monkeypatch.setattr(rows, "BLOCK_VALUES", 8)  # blocks of 2 rows of 4
    X = np.zeros((50, 4))
    X[37, 2] = np.inf
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "y.npy", np.arange(50) % 2)
    for mmap in (False, True):
        with pytest.raises(DataError, match=r"X\.npy: X\[37, 2\] is inf"):
            load_file(tmp_path / "X.npy", target=tmp_path / "y.npy", mmap=mmap)


def test_object_arrays_are_refused(tmp_path):
    objects = np.array([1, "a", None, 2.0], dtype=object)
    np.save(tmp_path / "X.npy", np.ones((4, 2)))
    np.save(tmp_path / "objy.npy", objects, allow_pickle=True)
    np.save(tmp_path / "objX.npy", objects.reshape(2, 2), allow_pickle=True)
    np.save(tmp_path / "y.npy", np.array([0, 1, 0, 1]))
    np.savez(tmp_path / "obj.npz", X=np.ones((4, 2)), y=objects)
    cases = [
        (tmp_path / "X.npy", tmp_path / "objy.npy", "objy.npy holds an object array"),
        (tmp_path / "objX.npy", tmp_path / "y.npy", "objX.npy holds an object array"),
        (tmp_path / "obj.npz", None, "obj.npz array 'y' holds an object array"),
    ]
    for path, target, fragment in cases:
        for mmap in (False, True) if path.suffix == ".npy" else (False,):
            with pytest.raises(DataError, match=fragment) as info:
                load_file(path, target=target, mmap=mmap)
            assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("X", "y", "fragment"),
    [
        (np.ones(4), np.zeros(4), r"shape \(4,\).*reshape\(-1, 1\)"),
        (np.ones((2, 2, 2)), np.zeros(2), r"reshape\(len\(X\), -1\)"),
        (np.ones((0, 2)), np.zeros(0), "at least one row"),
        (np.array([["a", "b"]]), np.zeros(1), "holds text"),
        (np.ones((4, 2)), np.zeros(3), "4 rows but .* has 3 labels"),
        (np.ones((4, 2)), np.zeros((4, 2)), r"shape \(4, 2\); labels need one per row"),
        (np.ones((4, 2)), np.array([0, 1, np.nan, 1]), r"nan at y\[2\]"),
        (np.ones((4, 2)), np.array([5, 5, 5, 5]), r"single class \(5\)"),
        (np.ones((4, 2)) + 1j, np.zeros(4), "complex128 values; features must be numbers"),
    ],
)
def test_bad_arrays(tmp_path, X, y, fragment):
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "y.npy", y)
    with pytest.raises(DataError, match=fragment) as info:
        load_file(tmp_path / "X.npy", target=tmp_path / "y.npy")
    assert "X.npy" in str(info.value) or "y.npy" in str(info.value)


def test_bad_files(tmp_path, pair):
    folder, _, _ = pair
    with pytest.raises(DataError, match=r"X\.npy holds features only.*--target y\.npy"):
        load_file(folder / "X.npy")
    with pytest.raises(DataError, match="label file .*nope.npy' does not exist"):
        load_file(folder / "X.npy", target=folder / "nope.npy")
    (folder / "junk.npy").write_bytes(b"definitely not numpy")
    with pytest.raises(DataError, match=r"junk\.npy is not a NumPy \.npy file.*np\.save"):
        load_file(folder / "junk.npy", target=folder / "y.npy")
    (folder / "cut.npy").write_bytes((folder / "X.npy").read_bytes()[:200])
    with pytest.raises(DataError, match=r"cut\.npy is not a readable \.npy file"):
        load_file(folder / "cut.npy", target=folder / "y.npy")
    (folder / "junk.npz").write_bytes(b"PK\x03\x04 broken zip")
    with pytest.raises(DataError, match=r"junk\.npz is not a readable \.npz file"):
        load_file(folder / "junk.npz")
    np.savez(folder / "other.npz", features=np.ones((2, 2)))
    with pytest.raises(DataError, match=r"no array 'X' \(it holds: features\).*np\.savez"):
        load_file(folder / "other.npz")
    with pytest.raises(DataError, match="memory mapping works for .npy files only"):
        load_file(folder / "other.npz", mmap=True)


def test_from_arrays():
    ds = from_arrays([[1, 2], [3, 4], [5, 6]], ["b", "a", "b"], feature_names=["u", "v"])
    assert ds.classes == ("a", "b") and np.array_equal(ds.y, [1, 0, 1])
    assert ds.feature_names == ("u", "v") and ds.name == "arrays"
    with pytest.raises(DataError, match="1 feature names for 2 columns"):
        from_arrays(np.ones((2, 2)), [0, 1], feature_names=["u"])
    with pytest.raises(DataError, match=r"X: X\[1, 0\] is nan"):
        from_arrays([[0.0], [np.nan]], [0, 1])
