"""Sample weights: class weight times sample weight, checked once (hand-computed cases)."""

import numpy as np
import pytest

from adamlab.train.weights import training_weights, validation_weights


def test_a_class_weight_multiplies_each_samples_weight():
    y = np.array([0, 1, 1, 0, 1])
    w = np.array([1.0, 2.0, 0.5, 3.0, 1.0])
    got = training_weights(y, w, {1: 4.0}, None, n_classes=2)
    np.testing.assert_array_equal(got, [1.0, 8.0, 2.0, 3.0, 4.0])
    # balanced: n / (K·n_c) = 5/(2·2) for class 0, 5/(2·3) for class 1
    np.testing.assert_allclose(training_weights(y, None, "balanced", None, 2),
                               [5 / 4, 5 / 6, 5 / 6, 5 / 4, 5 / 6], rtol=1e-15)


def test_without_classes_a_class_weight_is_ignored_and_no_weights_stay_none():
    y = np.array([0.3, 1.5, 2.0])
    assert training_weights(y, None, "balanced", None, n_classes=None) is None
    assert training_weights(y, None, None, None, n_classes=None) is None


@pytest.mark.parametrize("w", [[1.0, -1.0, 1.0], [1.0, np.nan, 1.0], [1.0, 1.0]])
def test_bad_sample_weights_are_refused(w):
    with pytest.raises(ValueError, match="sample_weight must be 3 finite numbers >= 0"):
        training_weights(np.array([0, 1, 0]), w, None, None, 2)


@pytest.mark.parametrize("w", [[0.0, 0.0], [1.0, np.inf], [1.0]])
def test_bad_validation_weights_are_refused(w):
    with pytest.raises(ValueError, match="validation sample weights must be 2 finite"):
        validation_weights(w, 2)
    assert validation_weights(None, 2) is None
