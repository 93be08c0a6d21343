"""comparison: a mean curve and a band per optimizer, in the optimizer's colour."""

import numpy as np
import pytest
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from plotdata import assert_saves_png, legend_texts, make_history

from adamlab.plot import OPTIMIZER_COLORS, comparison
from adamlab.plot.compare import seed_stats

pytestmark = pytest.mark.filterwarnings("error")


def runs(validation=True, classification=True):
    return {name: [make_history(8, classification, validation, seed=s + 10 * k) for s in range(3)]
            for k, name in enumerate(["adam", "sgd", "rmsprop"])}


def test_two_panels_with_a_curve_and_band_per_optimizer(tmp_path):
    r = runs()
    fig = comparison(r, metric="loss", title="moons")
    assert isinstance(fig, Figure)
    assert fig.get_suptitle() == "moons"
    train, val = fig.axes
    assert (train.get_title(), val.get_title()) == ("training loss", "validation loss")
    assert legend_texts(train) == ["adam (3 seeds)", "sgd (3 seeds)", "rmsprop (3 seeds)",
                                   "band: min–max over seeds"]
    assert val.get_legend() is None  # one legend is enough: the colours are shared
    for ax in (train, val):
        assert ax.get_xlabel() == "epoch" and ax.get_ylabel() == "loss"
        lines = ax.get_lines()
        assert [to_rgba(ln.get_color()) for ln in lines] == [
            to_rgba(OPTIMIZER_COLORS[n]) for n in ("adam", "sgd", "rmsprop")]
        assert len(ax.collections) == 3  # one band each
    mean_adam = np.mean([h["loss"] for h in r["adam"]], axis=0)
    np.testing.assert_allclose(train.get_lines()[0].get_ydata(), mean_adam)
    assert_saves_png(fig, tmp_path / "comparison.png")


def test_without_validation_one_panel_per_metric():
    fig = comparison(runs(validation=False))
    assert [ax.get_title() for ax in fig.axes] == ["training loss", "training accuracy"]
    assert comparison(runs(validation=False), metric="loss").axes[0].get_title() == \
        "training loss"


def test_loss_and_accuracy_by_default_and_a_caption_explaining_the_band(tmp_path):
    r = runs()
    fig = comparison(r)
    assert [ax.get_title() for ax in fig.axes] == [
        "training loss", "validation loss", "training accuracy", "validation accuracy"]
    acc = fig.axes[2]
    mean_sgd = np.mean([h["accuracy"] for h in r["sgd"]], axis=0)
    np.testing.assert_allclose(acc.get_lines()[1].get_ydata(), mean_sgd)
    band = acc.collections[1].get_paths()[0].vertices[:, 1]  # sgd's band: min..max by hand
    lo = np.min([h["accuracy"] for h in r["sgd"]], axis=0)
    hi = np.max([h["accuracy"] for h in r["sgd"]], axis=0)
    assert band.min() == pytest.approx(lo.min()) and band.max() == pytest.approx(hi.max())
    caption = " ".join(fig.get_supxlabel().split())
    assert "mean over 3 seeds" in caption and "lowest to the highest" in caption
    assert "stopped early" in caption
    assert "standard deviation" in comparison(r, band="sd").get_supxlabel()
    assert_saves_png(fig, tmp_path / "four.png")


def test_regression_runs_show_loss_only_by_default():
    fig = comparison(runs(classification=False))
    assert [ax.get_title() for ax in fig.axes] == ["training loss", "validation loss"]


def test_accuracy_metric_and_sd_band(tmp_path):
    fig = comparison(runs(), metric="accuracy", band="sd")
    assert [ax.get_title() for ax in fig.axes] == ["training accuracy", "validation accuracy"]
    assert "±1 sd" in fig.get_suptitle()
    assert_saves_png(fig, tmp_path / "acc.png")


def test_regression_has_no_accuracy():
    with pytest.raises(ValueError, match="no run has any finite 'accuracy'"):
        comparison(runs(classification=False), metric="accuracy")


def test_seeds_that_stopped_early_and_nan_values():
    short, long_ = make_history(3), make_history(6, seed=1)
    long_["loss"][4] = None
    fig = comparison({"adam": [short, long_], "my-optimizer": [make_history(6)]})
    line = fig.axes[0].get_lines()[0]
    assert len(line.get_ydata()) == 6
    assert line.get_ydata()[3] == pytest.approx(long_["loss"][3])  # one seed left
    assert np.isnan(line.get_ydata()[4])  # none
    assert legend_texts(fig.axes[0])[1] == "my-optimizer (1 seed)"


def test_seed_stats_by_hand():
    s = seed_stats([np.array([1.0, 2.0, 3.0]), np.array([3.0, np.nan]), np.array([2.0])])
    np.testing.assert_array_equal(s["count"], [3, 1, 0][:2] + [1])
    np.testing.assert_allclose(s["mean"], [2.0, 2.0, 3.0])
    np.testing.assert_allclose(s["min"], [1.0, 2.0, 3.0])
    np.testing.assert_allclose(s["max"], [3.0, 2.0, 3.0])
    np.testing.assert_allclose(s["sd"], [np.sqrt(2 / 3), 0.0, 0.0])
    empty = seed_stats([np.array([np.nan])])
    assert empty["count"][0] == 0 and np.isnan(empty["mean"][0]) and np.isnan(empty["min"][0])


def test_bad_inputs():
    with pytest.raises(ValueError, match="runs is empty"):
        comparison({})
    with pytest.raises(ValueError, match="band"):
        comparison(runs(), band="iqr")
    with pytest.raises(ValueError, match="non-empty list"):
        comparison({"adam": []})
    with pytest.raises(ValueError, match="non-empty list"):
        comparison({"adam": make_history(3)})
