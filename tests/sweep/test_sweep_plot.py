"""plot.sweep: final loss against learning rate from rows of plain data."""

import io

import numpy as np
import pytest
from matplotlib.figure import Figure

from adamlab import plot
from adamlab.plot.style import color_for
from adamlab.plot.sweep import sensitivity


def rows_for(table):
    """{(optimizer, lr): [values per seed, None for a diverged seed]} -> rows."""
    return [{"optimizer": opt, "lr": lr, "seed": seed, "val_loss": v,
             "status": "ok" if v is not None else "diverged"}
            for (opt, lr), values in table.items() for seed, v in enumerate(values)]


ROWS = rows_for({
    ("adam", 1e-3): [0.6, 0.7], ("adam", 1e-2): [0.2, 0.3], ("adam", 1e-1): [0.5, None],
    ("sgd", 1e-3): [0.9, 0.8], ("sgd", 1e-2): [0.5, 0.6], ("sgd", 1e-1): [0.25, 0.35],
    ("sgd", 1.0): [None, None],
})


def lines_of(fig):
    ax = fig.axes[0]
    return {ln.get_label(): ln for ln in ax.get_lines() if not ln.get_label().startswith("_")}


def test_one_line_per_optimizer_through_the_mean_over_seeds():
    fig = plot.sweep(ROWS, metric="val_loss", title="t")
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log" and ax.get_title() == "t"
    lines = lines_of(fig)
    adam, sgd = lines["adam (2 seeds)"], lines["sgd (2 seeds)"]
    assert list(adam.get_xdata()) == [1e-3, 1e-2, 1e-1]
    assert np.allclose(adam.get_ydata(), [0.65, 0.25, 0.5])  # the diverged seed left out
    assert np.allclose(sgd.get_ydata()[:3], [0.85, 0.55, 0.3]) and np.isnan(sgd.get_ydata()[3])
    assert adam.get_color() == color_for("adam")
    fig.savefig(io.BytesIO(), format="png")


def test_the_best_setting_is_starred_and_labelled():
    fig = plot.sweep(ROWS, best={"optimizer": "sgd", "lr": 0.1})
    ax = fig.axes[0]
    stars = [ln for ln in ax.get_lines() if ln.get_marker() == "*"]
    assert len(stars) == 1 and list(stars[0].get_xdata()) == [0.1]
    assert any("best: sgd, lr 0.1" in t.get_text() for t in ax.texts)
    default = plot.sweep(ROWS)  # without best: the lowest mean
    assert any("best: adam, lr 0.01" in t.get_text() for t in default.axes[0].texts)


def test_diverged_runs_are_crosses_with_how_many_seeds_were_lost():
    ax = plot.sweep(ROWS).axes[0]
    crosses = [ln for ln in ax.get_lines() if ln.get_marker() == "x" and len(ln.get_xdata())]
    assert sorted(x for ln in crosses for x in ln.get_xdata()) == [0.1, 1.0]
    assert any(t.get_text() == "1/2" for t in ax.texts)  # adam at 0.1 lost one of two
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("diverged" in t for t in labels)


def test_a_blown_up_loss_does_not_flatten_the_picture():
    rows = ROWS + rows_for({("rmsprop", 1e-2): [0.4, 0.5], ("rmsprop", 1e-1): [1e40, 1e41]})
    ax = plot.sweep(rows).axes[0]
    assert ax.get_ylim()[1] < 1e3
    assert any(ln.get_marker() == "^" for ln in ax.get_lines())


def test_nothing_finished_still_draws():
    fig = plot.sweep(rows_for({("sgd", 1.0): [None], ("sgd", 10.0): [None]}))
    fig.savefig(io.BytesIO(), format="png")


def test_rows_read_back_from_csv_work_too():
    text = [{k: "" if v is None else str(v) for k, v in r.items()} for r in ROWS]
    stats = sensitivity(text, "val_loss")
    assert np.allclose(stats["adam"]["mean"], [0.65, 0.25, 0.5])
    assert list(stats["sgd"]["lost"]) == [0, 0, 0, 2]


@pytest.mark.parametrize(
    "rows, kwargs, fragment",
    [
        ([], {}, "empty"),
        ([{"lr": 0.1, "val_loss": 1.0}], {}, "optimizer"),
        (ROWS, {"best": {"optimizer": "nadam", "lr": 0.1}}, "nadam"),
        (rows_for({("adam", 0.1): [-1.0]}), {}, "log scale"),
    ],
)
def test_bad_rows_are_refused_with_a_reason(rows, kwargs, fragment):
    with pytest.raises(ValueError, match=fragment):
        plot.sweep(rows, **kwargs)
