"""What the loop is given: data checks, the batch size rule, the held-out rows."""

import numpy as np
import pytest
from trainkit import make_blobs, make_model

from adamlab.data import train_val_split
from adamlab.train import Trainer
from adamlab.train.inputs import batch_size_for, check_data, data_fingerprint, fit_data


def test_the_batch_size_rule():
    assert [batch_size_for(32, 100), batch_size_for(32, 20), batch_size_for(None, 7)] == [32, 20, 7]


@pytest.mark.parametrize("X, y, match", [
    (np.zeros(4), np.zeros(4), "X must be 2-D"),
    (np.zeros((4, 3)), np.zeros(4), "X has 3 features, the model expects 2"),
    (np.zeros((4, 2)), np.zeros(5), "X has 4 rows but y has 5"),
    (np.zeros((0, 2)), np.zeros(0), "no training samples"),
])
def test_bad_data_is_refused(X, y, match):
    with pytest.raises(ValueError, match=match):
        check_data(X, y, 2)


def test_the_fingerprint_sees_a_changed_target():
    X, y = make_blobs()
    y2 = y.copy()
    y2[5] = 1 - y2[5]
    assert data_fingerprint(X, y) == data_fingerprint(X.copy(), y.copy())
    assert data_fingerprint(X, y) != data_fingerprint(X, y2)


def test_the_held_out_rows_are_the_runs_split_stream():
    """val_fraction holds out train_val_split's rows from the generator [seed, 1], by class."""
    X, y = make_blobs(n=50)
    (Xt, yt, _), (Xv, yv, wv) = fit_data(make_model(), X, y, None, None, None, None, 0.2, 7)
    tr, va = train_val_split(X, y, 0.2, np.random.default_rng([7, 1]), stratify=True)
    np.testing.assert_array_equal(Xv, X[va])
    np.testing.assert_array_equal(Xt, X[tr])
    assert wv is None and len(yv) == 10


def test_a_bad_val_fraction_is_refused_by_fit():
    X, y = make_blobs(n=20)
    with pytest.raises(ValueError, match=r"val_fraction must be in \(0, 1\)"):
        Trainer(make_model()).fit(X, y, epochs=1, val_fraction=1.5)
