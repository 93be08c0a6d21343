"""Bad input is refused with a message naming what is wrong and what works."""

from __future__ import annotations

import pytest

from adamlab.experiment import Settings
from adamlab.population import run_population, unsupported


@pytest.mark.parametrize("bad, message", [
    (Settings(), "a list of Settings"),
    ({"lr": 0.1}, "a list of Settings"),
    ("adam", "a list of Settings"),
    ([], "at least one"),
    ([Settings(), 3], r"settings\[1\] must be a Settings or a dict"),
    ([{"lr": 0.1, "learning_rate": 2}], r"settings\[0\]: unknown setting"),
])
def test_refuses_what_is_not_a_list_of_settings(bad, message):
    with pytest.raises(ValueError, match=message):
        run_population(bad)


def test_a_bad_setting_names_its_run():
    with pytest.raises(ValueError, match=r"settings\[1\]: lr must be a finite number > 0"):
        run_population([Settings(data="moons", epochs=1), Settings(data="moons", lr=-1.0)])


@pytest.mark.parametrize("memory_mb", [0, -1, "big", True])
def test_memory_budget_must_be_positive(memory_mb):
    with pytest.raises(ValueError, match="memory_mb must be a number > 0"):
        run_population([Settings(data="moons", epochs=1)], memory_mb=memory_mb)


def test_without_fallback_an_unsupported_run_is_refused_with_the_reason():
    s = Settings(data="moons", dropout=0.1, clip_norm=1.0)
    assert unsupported(s) == "dropout, gradient clipping (clip_norm) (not stacked yet)"
    with pytest.raises(ValueError, match=r"settings\[0\] cannot train in a population: dropout"):
        run_population([s], fallback=False)


def test_train_eval_mode_optimizers_are_refused():
    from adamlab.population.kinds import unsupported_optimizer

    class WithModes:
        modes = True

    assert "train/eval modes" in unsupported_optimizer(WithModes())
