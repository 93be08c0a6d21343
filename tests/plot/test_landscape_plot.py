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
