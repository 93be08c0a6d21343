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


def _limits(X, y, proba=binary_proba):
    """The axes' limits in data units (an axis drawn in units of 10^k says so in its label)."""
    ax = decision_boundary(proba, X, y, grid_size=20).axes[0]
    units = []
    for label in (ax.get_xlabel(), ax.get_ylabel()):
        units.append(float(label.split("(×")[1].rstrip(")")) if "(×" in label else 1.0)
    return np.array([ax.get_xlim(), ax.get_ylim()]) * np.array(units)[:, None]


@pytest.mark.parametrize("scale", [1e-310, 1e-6, 1.0, 1e6, 1e300],
                         ids=["subnormal", "1e-6", "1", "1e6", "1e300"])
def test_the_margin_is_a_tenth_of_the_data_range_at_every_scale(scale):
    """The data fill the middle 1/1.2 of each axis, whatever their units (the margin was at
    least 0.5 in data units: at 1e-6 the points were a dot in an empty picture; matplotlib
    draws values below ~2e-287 at ±0.05 unless the axis is drawn in units of 10^k)."""
    X, y = blobs(30, 2)
    X = X * scale
    lo, hi = X.min(axis=0), X.max(axis=0)
    limits = _limits(X, y, lambda Z: binary_proba(Z / scale))
    for j in range(2):
        np.testing.assert_allclose(limits[j], [lo[j] - 0.1 * (hi[j] - lo[j]),
                                               hi[j] + 0.1 * (hi[j] - lo[j])], rtol=1e-6)


def test_an_axis_of_subnormal_values_is_drawn_in_units_that_say_so():
    X, y = blobs(30, 2)
    X[:, 0] *= 1e-310
    ax = decision_boundary(lambda Z: binary_proba(Z * [1e310, 1]), X, y, grid_size=20).axes[0]
    assert ax.get_xlabel() == "x₀ (×1e-310)" and ax.get_ylabel() == "x₁"
    scatter = [c for c in ax.collections if c.get_label() == "class 0"][0]
    np.testing.assert_allclose(scatter.get_offsets()[:, 0], X[y == 0, 0] / 1e-310, rtol=1e-9)


def test_constant_and_zero_columns_get_a_margin_of_their_own_scale():
    X, y = blobs(30, 2)
    X[:, 0] = 3e-6  # constant: padded by 10% of its value
    assert np.allclose(_limits(X, y)[0], [2.7e-6, 3.3e-6])
    X[:, 0] = 0.0  # zeros: by 10% of the data's largest |x|
    m = np.abs(X).max()
    assert np.allclose(_limits(X, y)[0], [-0.1 * m, 0.1 * m])
    assert np.allclose(_limits(np.zeros((4, 2)), np.array([0, 1, 0, 1]))[0], [-0.5, 0.5])


def test_data_at_the_edge_of_float64_give_a_finite_grid():
    X, y = blobs(30, 2)
    X = X / np.abs(X).max() * 1.7e308  # 10% more would overflow
    limits = _limits(X, y, lambda Z: binary_proba(Z / 1e308))
    assert np.all(np.isfinite(limits))
    assert limits[0][0] <= X[:, 0].min() and limits[0][1] >= X[:, 0].max()


def test_a_range_of_one_ulp_is_drawn_without_warnings():
    """[1e6, the next float]: 10% of the range is below what matplotlib can tell apart."""
    import warnings

    X, y = blobs(30, 2)
    X[:, 0] = np.where(y == 0, 1e6, np.nextafter(1e6, 2e6))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lim = _limits(X, y, lambda Z: binary_proba(Z - [1e6, 0]))[0]
    assert lim[0] < 1e6 < np.nextafter(1e6, 2e6) < lim[1] and lim[1] - lim[0] < 1e-2


def test_validation_points_look_unlike_training_points(tmp_path):
    X, y = blobs(40, 2)
    val = np.arange(0, 40, 4)
    fig = decision_boundary(binary_proba, X, y, grid_size=30, validation=val,
                            feature_names=("petal length", "petal width"))
    ax = fig.axes[0]
    assert legend_texts(ax) == ["class 0 (training)", "class 0 (validation)",
                                "class 1 (training)", "class 1 (validation)"]
    points = [c for c in ax.collections if c.get_label().startswith("class")]
    train = [c for c in points if "training" in c.get_label()]
    held = [c for c in points if "validation" in c.get_label()]
    assert sum(len(c.get_offsets()) for c in held) == len(val)
    assert sum(len(c.get_offsets()) for c in train) == 40 - len(val)
    for c in held:  # open markers: no face, a coloured edge; the training dots are filled
        assert np.all(c.get_facecolor()[:, 3] == 0) and np.all(c.get_edgecolor()[:, 3] > 0)
    for c in train:
        assert np.all(c.get_facecolor()[:, 3] > 0)
    assert held[0].get_paths()[0] != train[0].get_paths()[0]  # and another shape
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("petal length", "petal width")
    mask = np.zeros(40, dtype=bool)
    mask[val] = True
    same = decision_boundary(binary_proba, X, y, grid_size=30, validation=mask).axes[0]
    assert legend_texts(same) == legend_texts(ax)
    assert_saves_png(fig, tmp_path / "validation.png")


def test_axis_names_from_a_tables_columns():
    class Table(np.ndarray):  # a stand-in for a DataFrame: an array with columns
        columns = ("sepal", "petal")

    X, y = blobs(20, 2)
    ax = decision_boundary(binary_proba, X.view(Table), y, grid_size=20).axes[0]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("sepal", "petal")


@pytest.mark.parametrize("bad", [np.array([0, 99]), np.array([True, False]), np.array([0.5])])
def test_bad_validation_rows(bad):
    X, y = blobs(20, 2)
    with pytest.raises(ValueError, match="validation"):
        decision_boundary(binary_proba, X, y, grid_size=10, validation=bad)
