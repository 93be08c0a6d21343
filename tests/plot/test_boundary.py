"""decision_boundary: binary P(class 1) with its 0.5 contour; argmax regions for K > 2."""

import numpy as np
import pytest
from matplotlib.figure import Figure
from plotdata import assert_saves_png, binary_proba, blobs, legend_texts, three_class_proba

from adamlab.plot import decision_boundary

pytestmark = pytest.mark.filterwarnings("error")


def contour_levels(ax):
    return [list(c.levels) for c in ax.collections if hasattr(c, "levels")]


def test_binary(tmp_path):
    X, y = blobs(40, 2)
    fig = decision_boundary(binary_proba, X, y, title="ellipse", grid_size=40)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert ax.get_title() == "ellipse"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("x₀", "x₁")
    assert legend_texts(ax) == ["class 0", "class 1"]
    assert [0.5] in contour_levels(ax)  # the decision boundary
    assert fig.axes[1].get_ylabel() == "P(class = 1)"  # the colour bar
    assert_saves_png(fig, tmp_path / "binary.png")


def test_binary_with_two_columns_and_string_labels():
    X, y = blobs(30, 2)
    names = np.array(["no", "yes"])[y]
    def proba2(Z):
        p = binary_proba(Z)
        return np.column_stack([1 - p, p])
    fig = decision_boundary(proba2, X, names, grid_size=30, feature_names=("a", "b"))
    ax = fig.axes[0]
    assert legend_texts(ax) == ["class no", "class yes"]
    assert ax.get_xlabel() == "a"
    assert "P(class yes)" in ax.get_title()


def test_multiclass_with_codes_and_class_names(tmp_path):
    X, y = blobs(45, 3)
    fig = decision_boundary(three_class_proba, X, y, classes=["setosa", "versicolor", "virginica"],
                            grid_size=40)
    ax = fig.axes[0]
    assert legend_texts(ax) == ["class setosa", "class versicolor", "class virginica"]
    assert "most probable class" in ax.get_title()
    assert len(fig.axes) == 1  # no colour bar: the colours are the classes
    assert [0.0] in contour_levels(ax)  # region edges: where a class's margin is 0
    assert_saves_png(fig, tmp_path / "three.png")


def test_points_are_coloured_by_class():
    X, y = blobs(30, 3)
    ax = decision_boundary(three_class_proba, X, y, grid_size=20).axes[0]
    scatters = [c for c in ax.collections if c.get_label().startswith("class")]
    assert [len(s.get_offsets()) for s in scatters] == [int((y == k).sum()) for k in range(3)]
    colours = {tuple(s.get_facecolor()[0]) for s in scatters}
    assert len(colours) == 3


def test_bad_inputs():
    X, y = blobs(20, 2)
    with pytest.raises(ValueError, match=r"X must have shape \(n, 2\)"):
        decision_boundary(binary_proba, np.ones((20, 3)), y)
    with pytest.raises(ValueError, match="y must have shape"):
        decision_boundary(binary_proba, X, y[:5])
    with pytest.raises(ValueError, match="neither in classes"):
        decision_boundary(binary_proba, X, y + 5, classes=[0, 1])
    with pytest.raises(ValueError, match="predict_proba returned shape"):
        decision_boundary(lambda Z: np.ones(3), X, y, grid_size=10)


def test_whole_number_float_labels_read_as_integers():
    X, y = blobs(20, 2)
    ax = decision_boundary(binary_proba, X, y.astype(float), grid_size=10).axes[0]
    assert legend_texts(ax) == ["class 0", "class 1"]
