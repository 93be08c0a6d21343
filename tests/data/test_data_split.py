"""train_val_split: stratified by class, every class in both parts, reproducible from the rng."""

import numpy as np
import pytest

from adamlab.data import DataError, train_val_split


def check_partition(train, val, n):
    assert np.array_equal(np.sort(np.concatenate([train, val])), np.arange(n))
    assert train.dtype == val.dtype == np.int64
    assert np.all(np.diff(train) > 0) and np.all(np.diff(val) > 0)


@pytest.mark.parametrize("sizes", [(80, 20), (50, 30, 20), (500, 7, 3), (5, 5, 90)])
@pytest.mark.parametrize("fraction", [0.2, 0.5])
def test_stratified_split_keeps_class_proportions(sizes, fraction):
    y = np.repeat(np.arange(len(sizes)), sizes)
    X = np.zeros((len(y), 1))
    train, val = train_val_split(X, y, fraction, np.random.default_rng(0))
    check_partition(train, val, len(y))
    for k, size in enumerate(sizes):
        in_val = np.sum(y[val] == k)
        assert 1 <= in_val <= size - 1  # every class in both parts
        assert abs(in_val - fraction * size) <= 1
    assert abs(len(val) - fraction * len(y)) <= len(sizes)


def test_text_and_whole_float_labels_are_stratified_too():
    for y in (np.array(["a"] * 8 + ["b"] * 2), np.array([0.0] * 8 + [1.0] * 2)):
        for seed in range(5):
            train, val = train_val_split(y, y, 0.2, np.random.default_rng(seed))
            assert set(y[val]) == set(y[train]) == set(y)


def test_a_lone_row_stays_in_train():
    y = np.array([0, 0, 0, 0, 1])
    train, val = train_val_split(y, y, 0.4, 0)
    assert 4 in train and len(val) == 2


def test_regression_and_2d_targets_split_at_random():
    y = np.linspace(0, 1, 100)
    train, val = train_val_split(y, y, 0.25, np.random.default_rng(1))
    check_partition(train, val, 100)
    assert len(val) == 25
    Y = np.zeros((10, 3))
    train, val = train_val_split(Y, Y, 0.3, np.random.default_rng(1))
    assert len(val) == 3


def test_the_same_generator_state_gives_the_same_split():
    y = np.arange(60) % 3
    a = train_val_split(y, y, 0.3, np.random.default_rng(7))
    b = train_val_split(y, y, 0.3, np.random.default_rng(7))
    c = train_val_split(y, y, 0.3, np.random.default_rng(8))
    assert all(np.array_equal(p, q) for p, q in zip(a, b, strict=True))
    assert not np.array_equal(a[1], c[1])
    unstratified = train_val_split(y, y, 0.3, np.random.default_rng(7), stratify=False)
    assert len(unstratified[1]) == 18


def test_no_validation_part():
    train, val = train_val_split(np.zeros((4, 1)), [0, 1, 0, 1], 0.0, 0)
    assert np.array_equal(train, np.arange(4)) and len(val) == 0


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        ((np.zeros((3, 1)), [0, 1], 0.2, 0), "one label per row of X"),
        ((np.zeros((3, 1)), [0, 1, 0], 1.0, 0), r"val_fraction must be a number in \[0, 1\)"),
        ((np.zeros((3, 1)), [0, 1, 0], -0.1, 0), "val_fraction"),
        ((np.zeros((3, 1)), [0, 1, 0], 0.2, np.random.RandomState(0)), "np.random.Generator"),
        ((np.zeros((1, 1)), [0], 0.2, 0), "from 1 row"),
    ],
)
def test_bad_arguments(args, fragment):
    with pytest.raises(DataError, match=fragment):
        train_val_split(*args)
