"""optimizer_internals on a small hand-written trace: one panel per declared group, each line
the trace's own numbers; internals() sends Adam's traces to adam_internals."""

import numpy as np
import pytest
from plotdata import adam_trace, assert_saves_png

from adamlab.plot import adam_internals, internals, optimizer_internals

pytestmark = pytest.mark.filterwarnings("error")


def hand_trace():
    t = list(range(1, 31))
    decl = {
        "grad": {"kind": "tracked", "panel": "gradient", "label": "g", "log": False,
                 "style": "-"},
        "agree": {"kind": "scalar", "panel": "agreement", "label": "agree", "log": False,
                  "style": "-"},
        "d": {"kind": "scalar", "panel": "d", "label": "d", "log": True, "style": "-"},
        "|m|": {"kind": "quantiles", "panel": "spread", "label": "|m|", "log": True,
                "style": "-"},
        "sv": {"kind": "vector", "panel": "singular values", "label": "σ", "log": True,
               "style": ":"},
        "beta": {"kind": "constant", "panel": "", "label": "", "log": False, "style": "-"},
    }
    rng = np.random.default_rng(0)
    return {
        "step": t, "lr": [0.1] * 30, "beta": 0.9, "agree": [0.5 + 0.01 * s for s in t],
        "d": [0.0] + [1e-6 * 1.5**s for s in t[1:]], "tracked": [0, 4, 9],
        "grad": rng.normal(size=(30, 3)).tolist(), "quantiles": [5, 25, 50, 75, 95],
        "|m|": np.sort(rng.random((30, 5)), axis=1).tolist(),
        "sv": rng.random((30, 2)).tolist(), "optimizer": "Hand", "figure": "panels",
        "declared": decl,
    }


def test_one_panel_per_group_with_the_traces_numbers(tmp_path):
    tr = hand_trace()
    fig = internals(tr)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["(a) gradient", "(b) agreement", "(c) d", "(d) spread",
                      "(e) singular values"]
    assert fig.get_suptitle() == "Hand's internals"
    a, b, c, d, e = fig.axes
    np.testing.assert_array_equal(b.get_lines()[0].get_ydata(), tr["agree"])
    assert len(a.get_lines()) == 3  # one per tracked coordinate
    np.testing.assert_array_equal(a.get_lines()[1].get_ydata(), np.array(tr["grad"])[:, 1])
    d_line = c.get_lines()[0].get_ydata()
    assert np.isnan(d_line[0]) and np.allclose(d_line[1:], tr["d"][1:])  # 0: a gap on log
    assert c.get_yscale() == "log" and b.get_yscale() == "linear"
    np.testing.assert_array_equal(d.get_lines()[0].get_ydata(), np.array(tr["|m|"])[:, 2])
    assert len(e.get_lines()) == 2
    assert all(ax.get_xscale() == "log" for ax in fig.axes)
    assert_saves_png(fig, tmp_path / "hand.png")


def test_adam_traces_keep_their_figure():
    tr = adam_trace(steps=12)
    assert [ax.get_title() for ax in internals(tr).axes] == [
        ax.get_title() for ax in adam_internals(tr).axes]


def test_bad_traces_say_what_is_wrong():
    tr = hand_trace()
    with pytest.raises(ValueError, match="lacks sv, which it declares"):
        optimizer_internals({k: v for k, v in tr.items() if k != "sv"})
    with pytest.raises(ValueError, match=r"trace\['grad'\] has shape"):
        optimizer_internals(dict(tr, grad=tr["grad"][:-1]))
    with pytest.raises(ValueError, match="empty"):
        optimizer_internals(dict(tr, step=[]))
