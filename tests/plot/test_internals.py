"""adam_internals on a trace from a tiny hand-written Adam loop (plotdata.adam_trace)."""

import numpy as np
import pytest
from matplotlib.figure import Figure
from plotdata import adam_trace, assert_saves_png, legend_texts

from adamlab.plot import adam_internals

pytestmark = pytest.mark.filterwarnings("error")


def test_four_panels(trace, tmp_path):
    fig = adam_internals(trace)
    assert isinstance(fig, Figure)
    a, b, c, d = fig.axes
    assert a.get_title().startswith("(a) first moment")
    assert b.get_title().startswith("(b) second moment")
    assert c.get_title() == "(c) bias-correction factors"
    assert d.get_title().startswith("(d) effective step")
    assert "β1 = 0.9" in fig.get_suptitle()
    k = len(trace["tracked"])
    assert len(a.get_lines()) == 3 * k + 1  # g, m, m̂ per parameter, and the zero line
    assert len(b.get_lines()) == 2 * k
    assert b.get_yscale() == c.get_yscale() == d.get_yscale() == "log"
    assert all(ax.get_xscale() == "log" for ax in fig.axes)  # 60 steps: over a decade
    assert legend_texts(a) == ["gradient $g_t$", "$m_t$", r"$\hat m_t = m_t/(1-\beta_1^t)$"]
    assert [t.get_text() for t in fig.legends[0].get_texts()] == [
        f"θ[{i}]" for i in trace["tracked"]]
    assert legend_texts(d) == ["5–95%", "25–75%", "median", r"$\alpha$ (learning rate)"]
    assert_saves_png(fig, tmp_path / "internals.png")


def test_panel_data_match_the_trace(trace):
    fig = adam_internals(trace)
    a, b, c, d = fig.axes
    m_hat0 = a.get_lines()[2].get_ydata()
    np.testing.assert_allclose(m_hat0, [row[0] for row in trace["m_hat"]])
    t = np.asarray(trace["step"], dtype=float)
    np.testing.assert_allclose(c.get_lines()[0].get_ydata(), 1 / (1 - 0.9**t))
    np.testing.assert_allclose(c.get_lines()[1].get_ydata(), 1 / (1 - 0.999**t))
    median = d.get_lines()[0].get_ydata()
    np.testing.assert_allclose(median, [q[2] for q in trace["step_quantiles"]])


def test_the_hand_written_trace_is_adam(trace):
    """m̂ and v̂ are m and v bias-corrected; Adam's first step is α in every coordinate."""
    m, m_hat = np.array(trace["m"]), np.array(trace["m_hat"])
    bc1 = np.array(trace["bias_correction1"])[:, None]
    np.testing.assert_allclose(m_hat, m / bc1)
    g0 = np.array(trace["grad"][0])
    np.testing.assert_allclose(m_hat[0], g0)  # m̂_1 = g_1
    np.testing.assert_allclose(trace["step_quantiles"][0][2], trace["lr"][0], rtol=1e-5)


def test_short_trace_uses_a_linear_step_axis(tmp_path):
    fig = adam_internals(adam_trace(steps=5))
    assert fig.axes[0].get_xscale() == "linear"
    assert_saves_png(fig, tmp_path / "short.png")


def test_other_quantiles_and_missing_optional_keys():
    tr = adam_trace(steps=12)
    tr["quantiles"] = [10, 90]
    tr["step_quantiles"] = [[q[0], q[4]] for q in tr["step_quantiles"]]
    for key in ("lr", "eps", "bias_correction1", "bias_correction2"):
        del tr[key]
    fig = adam_internals(tr)
    assert legend_texts(fig.axes[3]) == ["10–90%"]


def test_bad_traces(trace):
    with pytest.raises(ValueError, match="lacks m_hat"):
        adam_internals({k: v for k, v in trace.items() if k != "m_hat"})
    bad = dict(trace, v=trace["v"][:-1])
    with pytest.raises(ValueError, match=r"trace\['v'\] has shape"):
        adam_internals(bad)
    with pytest.raises(ValueError, match="empty"):
        adam_internals(dict(trace, step=[]))
