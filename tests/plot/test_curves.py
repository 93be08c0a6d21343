"""learning_curves and schedule: panels present exactly when they have data."""

import math

import numpy as np
import pytest
from matplotlib.figure import Figure
from plotdata import assert_saves_png, legend_texts, make_history, make_steps

from adamlab.plot import learning_curves, schedule

pytestmark = pytest.mark.filterwarnings("error")


def titles(fig):
    return [ax.get_title() for ax in fig.axes]


def test_classification_with_validation(history, tmp_path):
    fig = learning_curves(history, title="moons: adam")
    assert isinstance(fig, Figure)
    assert titles(fig) == ["loss", "accuracy", "learning rate"]
    assert fig.get_suptitle() == "moons: adam"
    loss, acc, lr = fig.axes
    assert legend_texts(loss) == ["training", "validation"]
    assert legend_texts(acc) == ["training", "validation"]
    assert [ax.get_xlabel() for ax in fig.axes] == ["epoch"] * 3
    assert loss.get_ylabel() == "loss" and acc.get_ylabel() == "accuracy"
    np.testing.assert_allclose(loss.get_lines()[0].get_ydata(), history["loss"])
    np.testing.assert_allclose(loss.get_lines()[1].get_ydata(), history["val_loss"])
    assert lr.get_yscale() == "log"  # the cosine schedule varies
    assert_saves_png(fig, tmp_path / "curves.png")


def test_regression_without_validation_has_no_accuracy_panel_nor_val_curve(tmp_path):
    h = make_history(classification=False, validation=False, lr="constant")
    fig = learning_curves(h)
    assert titles(fig) == ["loss"]  # a constant rate gets no panel of its own ...
    assert fig.get_suptitle() == "learning curves  ·  constant learning rate α = 0.001"
    assert legend_texts(fig.axes[0]) == ["training"]
    assert len(fig.axes[0].get_lines()) == 1
    assert_saves_png(fig, tmp_path / "regression.png")


def test_nan_columns_count_as_missing(tmp_path):
    h = make_history(n_epochs=5, lr="none")
    h["val_loss"] = [math.nan] * 5
    h["val_accuracy"] = [None] * 5
    fig = learning_curves(h)
    assert titles(fig) == ["loss", "accuracy"]  # no learning-rate data, no panel
    assert legend_texts(fig.axes[0]) == ["training"]
    assert legend_texts(fig.axes[1]) == ["training"]
    assert_saves_png(fig, tmp_path / "nan.png")


def test_missing_columns_and_epoch_count_are_tolerated(tmp_path):
    fig = learning_curves({"loss": [1.0, 0.5, None, 0.2]})
    assert titles(fig) == ["loss"]
    np.testing.assert_array_equal(fig.axes[0].get_lines()[0].get_xdata(), [1, 2, 3, 4])
    assert_saves_png(fig, tmp_path / "bare.png")


def test_per_step_curve_is_smoothed_with_a_debiased_ema(history, tmp_path):
    steps = make_steps(200)
    fig = learning_curves(history, history_steps=steps, smoothing=0.9)
    assert titles(fig)[-1] == "training loss per step"
    ax = fig.axes[-1]
    raw, smooth = ax.get_lines()
    np.testing.assert_allclose(raw.get_ydata(), steps["loss"])
    s, expected = 0.0, []
    for t, x in enumerate(steps["loss"], start=1):  # by hand, as Adam corrects m
        s = 0.9 * s + 0.1 * x
        expected.append(s / (1 - 0.9**t))
    np.testing.assert_allclose(smooth.get_ydata(), expected, rtol=1e-12)
    assert legend_texts(ax) == ["per step", "smoothed (debiased EMA, β = 0.9)"]
    assert ax.get_xlabel() == "step"
    assert len(fig.axes[0].get_lines()) == 2  # the epoch curves stay raw
    assert_saves_png(fig, tmp_path / "steps.png")


def test_history_to_dict_and_history_objects_bring_their_steps():
    class FakeHistory:  # what adamlab.train.History exposes
        epochs = make_history(4)
        steps = make_steps(20)

    for h in ({"epochs": FakeHistory.epochs, "steps": FakeHistory.steps}, FakeHistory()):
        fig = learning_curves(h)
        assert titles(fig) == ["loss", "accuracy", "learning rate", "training loss per step"]


def test_smoothing_without_steps_smooths_the_epoch_losses(history):
    fig = learning_curves(history, smoothing=0.5)
    assert legend_texts(fig.axes[0]) == ["training (smoothed)", "validation (smoothed)"]
    assert len(fig.axes[0].get_lines()) == 4  # raw (faint) + smoothed, twice


def test_many_decades_of_loss_use_a_log_axis():
    h = {"loss": [10.0 ** -k for k in range(6)]}
    assert learning_curves(h).axes[0].get_yscale() == "log"


@pytest.mark.parametrize("bad", [1.0, -0.1, "0.9"])
def test_bad_smoothing(history, bad):
    with pytest.raises(ValueError, match="smoothing"):
        learning_curves(history, smoothing=bad)


def test_bad_history():
    with pytest.raises(ValueError, match="'loss'"):
        learning_curves({"accuracy": [0.5]})
    with pytest.raises(ValueError, match="dict of per-epoch lists"):
        learning_curves([0.5, 0.4])


def test_schedule(tmp_path):
    lrs = [1e-2 * 0.1 ** (e // 10) for e in range(30)]
    fig = schedule(lrs, title="step decay")
    (ax,) = fig.axes
    assert ax.get_title() == "step decay"
    assert ax.get_xlabel() == "epoch" and "learning rate" in ax.get_ylabel()
    assert ax.get_yscale() == "log"
    assert any("0.01 → 0.0001" in t.get_text() for t in ax.texts)
    assert_saves_png(fig, tmp_path / "schedule.png")


def test_schedule_constant_and_empty():
    ax = schedule([1e-3] * 5).axes[0]
    assert ax.get_yscale() == "linear" and ax.get_title() == "learning-rate schedule"
    with pytest.raises(ValueError, match="empty"):
        schedule([])


def test_losses_near_float64s_limit_draw_without_warnings(tmp_path):
    """A run that diverged slowly reaches ~1e305: the log axis must not warn (a CLI user
    would see matplotlib's RuntimeWarning on stderr)."""
    import warnings

    h = make_history(6, classification=False, validation=False, lr="constant")
    h["loss"] = [1.0, 1e100, 1e200, 1e300, 8.6e303, 2.0e305]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = learning_curves(h)
        assert fig.axes[0].get_yscale() == "log"
        assert_saves_png(fig, tmp_path / "huge.png")


def test_a_constant_rate_leaves_the_figure_to_the_curves():
    """The loss and accuracy panels take the whole width: no third of it for a flat line."""
    constant = learning_curves(make_history(lr="constant"), title="moons")
    changing = learning_curves(make_history(lr="cosine"), title="moons")
    assert titles(constant) == ["loss", "accuracy"] and constant.get_suptitle().endswith("0.001")
    assert titles(changing) == ["loss", "accuracy", "learning rate"]
    assert changing.get_suptitle() == "moons"
    constant.draw_without_rendering()  # constrained layout places the panels when drawn
    width = constant.get_figwidth()
    share = [ax.get_position().width * width for ax in constant.axes]
    assert sum(share) > 0.8 * width
