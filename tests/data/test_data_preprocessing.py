"""Standardizer and LabelEncoder: training statistics, constant columns, exact JSON round trips."""

import json

import numpy as np
import pytest

import adamlab.data.rows as rows
from adamlab.data import DataError, LabelEncoder, Standardizer


def roundtrip(state):
    return json.loads(json.dumps(state))


def test_zero_mean_unit_std_on_the_training_rows():
    X = np.random.default_rng(0).normal(loc=[5.0, -3.0, 1e4], scale=[2.0, 0.1, 1e3], size=(200, 3))
    Z = Standardizer().fit_transform(X)
    assert np.allclose(Z.mean(axis=0), 0.0, atol=1e-12)
    assert np.allclose(Z.std(axis=0), 1.0)


def test_statistics_come_from_fit_only():
    train, val = np.array([[0.0], [2.0]]), np.array([[4.0]])
    scaler = Standardizer().fit(train)
    assert scaler.transform(val).tolist() == [[3.0]]  # (4 - 1) / 1
    assert np.array_equal(scaler.inverse_transform(scaler.transform(val)), val)


@pytest.mark.parametrize("value", [0.0, 0.1, -7.3, 1e300])
def test_constant_columns_become_zeros(value):
    X = np.column_stack([np.full(50, value), np.arange(50.0)])
    scaler = Standardizer().fit(X)
    assert scaler.scale_[0] == 1.0
    Z = scaler.transform(X)
    assert np.all(Z[:, 0] == 0.0) and np.isfinite(Z).all()


def test_dict_round_trip_is_exact():
    X = np.random.default_rng(3).normal(size=(30, 4)) * [1e-8, 1.0, 3e5, np.pi]
    scaler = Standardizer().fit(X)
    again = Standardizer.from_dict(roundtrip(scaler.to_dict()))
    assert again.mean_.tobytes() == scaler.mean_.tobytes()
    assert again.scale_.tobytes() == scaler.scale_.tobytes()
    assert again.transform(X).tobytes() == scaler.transform(X).tobytes()


def test_fit_in_blocks_matches_fit_at_once(monkeypatch, tmp_path):
    X = np.random.default_rng(4).normal(size=(101, 3)) + 10.0
    whole = Standardizer().fit(X)
    monkeypatch.setattr(rows, "BLOCK_VALUES", 9)  # blocks of 3 rows
    np.save(tmp_path / "X.npy", X)
    blocks = Standardizer().fit(np.load(tmp_path / "X.npy", mmap_mode="r"))
    assert np.allclose(blocks.mean_, whole.mean_, rtol=1e-14)
    assert np.allclose(blocks.scale_, whole.scale_, rtol=1e-12)
    assert np.allclose(whole.mean_, X.mean(axis=0)) and np.allclose(whole.scale_, X.std(axis=0))


@pytest.mark.parametrize(
    ("call", "fragment"),
    [
        (lambda: Standardizer().transform(np.ones((2, 2))), "not fitted; call fit"),
        (lambda: Standardizer().fit(np.ones((2, 2))).transform(np.ones((2, 3))), "3 columns"),
        (lambda: Standardizer().fit(np.ones(3)), "2-D array of numbers"),
        (lambda: Standardizer().fit(np.ones((0, 2))), "no rows"),
        (lambda: Standardizer().fit(np.array([[1.0], [np.nan]])), "column 0 of X holds NaN"),
        (lambda: Standardizer.from_dict({"mean": [0.0]}), "needs lists 'mean' and 'scale'"),
        (lambda: Standardizer.from_dict({"mean": [0.0], "scale": [0.0]}), "scale > 0"),
        (lambda: Standardizer.from_dict({"mean": [0.0, 1.0], "scale": [1.0]}), "equal"),
    ],
)
def test_standardizer_errors(call, fragment):
    with pytest.raises(DataError, match=fragment):
        call()


@pytest.mark.parametrize(
    ("labels", "classes"),
    [
        (["dog", "cat", "dog", "émeu"], ("cat", "dog", "émeu")),
        ([3, -1, 3, 10], (-1, 3, 10)),
        ([0.5, 0.1, 0.5, 1e-300], (1e-300, 0.1, 0.5)),
        ([1.0, 0.0, 1.0], (0.0, 1.0)),
        ([True, False], (False, True)),
        (np.array([2, 1, 2], dtype=np.uint8), (1, 2)),
    ],
)
def test_label_encoder_round_trip_keeps_types(labels, classes):
    encoder = LabelEncoder().fit(labels)
    assert encoder.classes_ == classes
    assert [type(c) for c in encoder.classes_] == [type(c) for c in classes]
    codes = encoder.transform(labels)
    assert codes.dtype == np.int64 and codes.min() == 0
    again = LabelEncoder.from_dict(roundtrip(encoder.to_dict()))
    assert again.classes_ == classes
    assert [type(c) for c in again.classes_] == [type(c) for c in classes]
    assert np.array_equal(again.transform(labels), codes)
    assert list(again.inverse_transform(codes)) == list(labels)


@pytest.mark.parametrize(
    ("call", "fragment"),
    [
        (lambda: LabelEncoder().fit(["a", 1]), "mix text and numbers"),
        (lambda: LabelEncoder().fit([1.0, float("nan")]), "label 1 is nan"),
        (lambda: LabelEncoder().fit([None, 1]), "not text or a number"),
        (lambda: LabelEncoder().fit([]), "no labels"),
        (lambda: LabelEncoder().fit(["a", "b"]).transform(["c"]), "'c' was not seen in fit"),
        (lambda: LabelEncoder().fit(["a", "b"]).transform([1]), "labels are numbers"),
        (lambda: LabelEncoder().fit([0, 1]).inverse_transform([2]), r"integers in 0\.\.1"),
        (lambda: LabelEncoder().transform([1]), "not fitted"),
        (lambda: LabelEncoder.from_dict({"classes": ["b", "a"]}), "sorted with no repeats"),
        (lambda: LabelEncoder.from_dict({}), "non-empty list 'classes'"),
    ],
)
def test_label_encoder_errors(call, fragment):
    with pytest.raises(DataError, match=fragment):
        call()
