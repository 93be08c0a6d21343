"""The trainer's measures against hand computations: the loss with its L2 term, accuracy by
head (multi-label: every label right), the epoch's row."""

import math

import numpy as np
import pytest

from adamlab.nn import MLP
from adamlab.train import metrics
from adamlab.train.state import EpochPosition


def linear(output, n_outputs, W, b):
    model = MLP(len(W), (), n_outputs, output=output, rng=0)
    model.dense[0].W[...] = W
    model.dense[0].b[...] = b
    return model


def test_multi_label_accuracy_counts_rows_with_every_label_right():
    model = linear("sigmoid", 2, np.eye(2), [0.0, 0.0])  # logits = X
    X = np.array([[1.0, 1.0], [1.0, -1.0], [-1.0, -1.0], [-1.0, 1.0]])
    y = np.array([[1, 1], [1, 1], [0, 0], [1, 1]])  # rows 0 and 2 right, 1 and 3 half right
    assert metrics.evaluate(model, X, y, None, 0.0, False)["accuracy"] == 0.5


def test_softmax_accuracy_chunked_and_the_weighted_loss_with_its_penalty():
    W = np.array([[1.0, 0.0, -1.0], [0.0, 2.0, 0.5]])
    model = linear("softmax", 3, W, [0.1, 0.0, -0.1])
    rng = np.random.default_rng(0)
    X, y, w = rng.normal(size=(9, 2)), rng.integers(0, 3, 9), rng.uniform(0.5, 2, 9)
    z = X @ W + [0.1, 0.0, -0.1]
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    by_hand = -np.sum(w * logp[np.arange(9), y]) / w.sum()
    penalty = 0.5 * 0.3 / w.sum() * np.sum(W * W)  # l2_per_sample: λ / Σw
    got = metrics.evaluate(model, X, y, w, 0.3, True, chunk=4)  # chunks of 4, 4, 1
    assert got["loss"] == pytest.approx(by_hand + penalty, rel=1e-13)
    assert got["accuracy"] == np.mean(np.argmax(z, axis=1) == y)


def test_regression_has_no_accuracy_and_the_l2_factor_rules():
    model = linear("identity", 1, np.array([[2.0]]), [0.0])
    got = metrics.evaluate(model, np.array([[1.0], [2.0]]), np.array([2.0, 5.0]), None, 0.0,
                           False)
    assert got["loss"] == pytest.approx(0.25) and math.isnan(got["accuracy"])  # ½·mean(0, 1)
    assert metrics.l2_factor(0.3, False, 10.0) == 0.3
    assert metrics.l2_factor(0.3, True, 10.0) == pytest.approx(0.03)
    assert metrics.batch_l2(0.3, True, 4, None) == pytest.approx(0.075)
    assert metrics.batch_l2(0.3, True, 4, np.array([1.0, 2.0, 0.5, 0.5])) == pytest.approx(0.075)
    assert metrics.batch_l2(0.3, False, 4, np.ones(4)) == 0.3


def test_the_epoch_row_from_its_position():
    start = np.array([3.0, 4.0])
    pos = EpochPosition(np.arange(6), start)
    for loss, correct, g in ((1.0, 2, 0.5), (0.5, 3, 1.5)):
        pos.add(loss, correct, g)
    row = metrics.epoch_row(7, pos, np.array([3.0, 5.0]), n=6, classifies=True, lr=0.1)
    assert (row["epoch"], row["loss"], row["accuracy"], row["grad_norm"]) == (7, 0.75, 5 / 6, 1.0)
    assert row["update_ratio"] == pytest.approx(1 / 5)  # ‖(0, 1)‖ / ‖(3, 4)‖
    assert pos.batch == pos.n_batches == 2
