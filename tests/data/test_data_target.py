"""``Dataset.target``: where ``y`` came from, as each loader read it."""

from __future__ import annotations

import numpy as np

from adamlab.data import from_arrays, load_data


def test_a_csv_knows_its_target_column(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,label,b\n1,x,2\n3,y,4\n5,x,6\n7,y,8\n")
    assert load_data(str(path)).target == "b"  # the last column by default
    assert load_data(str(path), target="label").target == "label"


def test_arrays_know_their_label_source(tmp_path):
    X, y = np.arange(12.0).reshape(6, 2), np.array([0, 1] * 3)
    np.savez(tmp_path / "d.npz", X=X, y=y, other=y)
    assert load_data(str(tmp_path / "d.npz")).target == "y"
    assert load_data(str(tmp_path / "d.npz"), target="other").target == "other"
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "y.npy", y)
    ds = load_data(str(tmp_path / "X.npy"), target=str(tmp_path / "y.npy"))
    assert ds.target == str(tmp_path / "y.npy")


def test_built_in_and_in_memory_data_have_no_target_column():
    assert load_data("moons", n_samples=20).target is None
    assert from_arrays(np.zeros((4, 1)), [0, 1, 0, 1]).target is None
