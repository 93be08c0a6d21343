"""The range test with its seeds as one population gives the sequential test's numbers."""

import numpy as np
import pytest

from adamlab import lr_find
from adamlab.experiment import lr_find as one_after_another
from adamlab.population.lrfind import _as_the_test_stops


@pytest.mark.parametrize("kw", [
    dict(data="moons", n_samples=300, seeds=3, steps=50),
    dict(data="moons", n_samples=300, optimizer="sgd", seeds=2, lr_min=1e-3, lr_max=1e4,
         steps=60),  # blows up: each seed's test ends where the sequential one did
    dict(data="wine", hidden=[8], optimizer="lion", seeds=[4, 7], steps=40),
])
def test_the_population_gives_the_sequential_losses_bit_for_bit(kw):
    a, b = one_after_another(**kw), lr_find(**kw)
    assert np.array_equal(a.losses, b.losses, equal_nan=True)
    assert (a.suggestion, a.range, a.reached, a.per_seed) == (b.suggestion, b.range,
                                                               b.reached, b.per_seed)


def test_settings_that_cannot_stack_fall_back_to_one_after_another():
    kw = dict(data="moons", n_samples=200, dropout=0.2, seeds=2, steps=30)
    a, b = one_after_another(**kw), lr_find(**kw)
    assert np.array_equal(a.losses, b.losses, equal_nan=True)


def test_a_seeds_test_stops_where_the_sequential_one_does():
    # smoothing off (beta 0): the 3rd loss is past 4 × the minimum so far (1.0): kept, then cut
    assert _as_the_test_stops([2.0, 1.0, 5.0, 0.5], 0.0, 4.0, 10) == [2.0, 1.0, 5.0]
    assert _as_the_test_stops([1.0] * 20, 0.0, 4.0, 10) == [1.0] * 10
