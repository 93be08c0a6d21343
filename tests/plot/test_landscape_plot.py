"""landscape and landscape_animation over adamlab.landscape.run_paths data."""

import json

import numpy as np
import pytest
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from PIL import Image
from plotdata import assert_saves_png

from adamlab.landscape import FUNCTIONS, run_path, run_paths
from adamlab.plot import OPTIMIZER_COLORS, landscape, landscape_animation

pytestmark = pytest.mark.filterwarnings("error")


def labels(fig):
    return [t.get_text() for t in fig.legends[0].get_texts()]


def path_lines(ax, paths):
    wanted = {tuple(map(float, np.asarray(p["xy"])[:, 0])) for p in paths}
    return [ln for ln in ax.get_lines() if tuple(map(float, ln.get_xdata())) in wanted]


@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_each_function(name, tmp_path):
    paths = run_paths(name, ["sgd", "adam"], steps=20)
    fig = landscape(paths)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert ax.get_title() == f"{name}: 20 steps"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("x", "y")
    assert ax.get_xlim() == FUNCTIONS[name].xlim and ax.get_ylim() == FUNCTIONS[name].ylim
    texts = labels(fig)
    assert texts[0] == "start"
    assert ("minimum" in texts) or ("minima" in texts)
    assert f"adam (α = {paths[1]['lr']:g})" in texts
    assert ("saddle point" in texts) == bool(FUNCTIONS[name].saddles)
    lines = path_lines(ax, paths)
    assert [to_rgba(ln.get_color()) for ln in lines] == [to_rgba(OPTIMIZER_COLORS["sgd"]),
                                                          to_rgba(OPTIMIZER_COLORS["adam"])]
    assert "log-spaced" in fig.axes[1].get_ylabel()  # the colour bar
    assert_saves_png(fig, tmp_path / f"{name}.png")


def test_diverged_runs_are_labelled_and_repeats_get_their_own_dash(tmp_path):
    paths = [run_path("rosenbrock", "sgd", lr=0.01, steps=50),
             run_path("rosenbrock", "sgd", lr=1e-4, steps=50)]
    fig = landscape(paths, title="two rates")
    assert fig.axes[0].get_title() == "two rates"
    assert "sgd (α = 0.01), diverged" in labels(fig)
    assert "sgd (α = 0.0001)" in labels(fig)
    a, b = path_lines(fig.axes[0], paths)
    assert a.get_linestyle() != b.get_linestyle()
    assert_saves_png(fig, tmp_path / "diverged.png")


def test_paths_read_back_from_json():
    paths = json.loads(json.dumps(run_paths("beale", ["adam"], steps=5)))
    assert isinstance(landscape(paths), Figure)


def test_bad_paths():
    with pytest.raises(ValueError, match="paths is empty"):
        landscape([])
    mixed = [run_path("beale", "adam", steps=2), run_path("saddle", "adam", steps=2)]
    with pytest.raises(ValueError, match="different functions"):
        landscape(mixed)


def test_animation_writes_a_gif(tmp_path):
    paths = run_paths("saddle", ["momentum", "adam"], steps=30)
    out = landscape_animation(paths, tmp_path / "paths.gif", frames=6, dpi=40)
    assert out == str(tmp_path / "paths.gif")
    with Image.open(out) as im:
        assert im.format == "GIF" and im.n_frames == 6
        im.seek(5)
        assert im.info["duration"] >= 1000  # the last frame is held


def test_animation_frames_argument():
    with pytest.raises(ValueError, match="frames"):
        landscape_animation(run_paths("saddle", ["adam"], steps=3), "x.gif", frames=1)


def _render(fig) -> np.ndarray:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3].astype(int)


def visible_fractions(fig) -> list[float]:
    """Per path: the share of the pixels it covers when drawn alone that still look the same
    in the full figure (its own colour, not another path's)."""
    ax = fig.axes[0]
    lines = [ln for ln in ax.get_lines() if str(ln.get_gid()).startswith("path:")]
    others = [a for a in ax.get_children() if a not in lines and a.get_visible()
              and getattr(a, "get_zorder", lambda: 0)() >= 4]  # end dots, start, minima
    full = _render(fig)
    for a in lines + others:
        a.set_visible(False)
    background = _render(fig)
    out = []
    for line in lines:
        line.set_visible(True)
        alone = _render(fig)
        line.set_visible(False)
        footprint = np.any(np.abs(alone - background) > 12, axis=2)
        shown = footprint & np.all(np.abs(full - alone) <= 12, axis=2)
        assert footprint.sum() > 100
        out.append(float(shown.sum() / footprint.sum()))
    return out


@pytest.mark.parametrize("function, names", [
    ("rosenbrock", ["adam", "sgd", "momentum", "rmsprop"]),  # the README's figure
    ("ill-conditioned", ["sgd", "momentum", "adam"]),  # the guide's
])
def test_no_path_is_fully_covered(function, names):
    """Each path, drawn alone, leaves pixels; in the full figure at least 15% of them still
    show it: no path hides under the others."""
    fig = landscape(run_paths(function, names))
    fig.set_dpi(100)
    shown = visible_fractions(fig)
    assert min(shown) >= 0.15, dict(zip(names, shown, strict=True))


def test_the_visibility_check_catches_a_hidden_path():
    """The check above fails on the old drawing: equal widths in the given order, where
    momentum's path covers SGD's on Rosenbrock."""
    names = ["adam", "sgd", "momentum", "rmsprop"]
    fig = landscape(run_paths("rosenbrock", names))
    fig.set_dpi(100)
    for k, line in enumerate(ln for ln in fig.axes[0].get_lines()
                             if str(ln.get_gid()).startswith("path:")):
        line.set_linewidth(1.8)
        line.set_zorder(4 + k / 10)
        line.set_marker("")
    shown = dict(zip(names, visible_fractions(fig), strict=True))
    assert shown["sgd"] < 0.15, shown


def test_markers_every_round_number_of_steps():
    from adamlab.plot.landscape_paths import marker_every, path_widths

    assert [marker_every(s) for s in (5, 20, 300, 500, 1000, 2000)] == [1, 2, 50, 50, 100, 200]
    widths = path_widths(4)
    assert widths == sorted(widths, reverse=True) and min(widths) >= 1.4
    assert all(a - b >= 2 for a, b in zip(widths, widths[1:], strict=False))
    assert max(path_widths(8)) <= 7.5
    fig = landscape(run_paths("rosenbrock", ["adam", "sgd"], steps=500))
    line = [ln for ln in fig.axes[0].get_lines() if ln.get_gid() == "path:0"][0]
    assert line.get_markevery() == (50, 50)
    assert any("every 50 steps" in t.get_text() for t in fig.axes[0].texts)
