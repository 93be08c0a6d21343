"""Features for prediction: columns by name, one-hot rebuilt, unseen values, bad files, arrays."""

import csv
import io
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adamlab.data import (
    DataError,
    UnseenCategoryWarning,
    load_dataset,
    load_features,
    load_file,
)

TABLE = [
    ["size", "color", "label", "weight"],
    ["1.5", "red", "yes", "10"],
    ["2", "blue", "no", "-3e2"],
    ["3.25", "red", "no", "0"],
    ["4", "green", "yes", "7.5"],
]


def write(tmp_path, rows, name="data.csv"):
    """Rows (lists of cells, header first) or raw text, as a file in ``tmp_path``."""
    path = tmp_path / name
    if isinstance(rows, str):
        path.write_text(rows)
    else:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(rows)
        path.write_text(buf.getvalue())
    return path


def reorder(rows, order):
    return [[row[j] for j in order] for row in rows]


@pytest.fixture
def trained(tmp_path):
    """The training file and the Dataset the model was trained on."""
    path = write(tmp_path, TABLE, "train.csv")
    return path, load_file(path, target="label")


def test_round_trip_gives_the_training_matrix(trained):
    path, ds = trained
    assert ds.feature_names == ("size", "color=blue", "color=green", "color=red", "weight")
    X, y = load_features(path, ds.feature_names, target="label")
    assert X.dtype == np.float64 and X.flags.c_contiguous
    assert X.tobytes() == ds.X.tobytes()
    assert y.tolist() == np.asarray(ds.classes)[ds.y].tolist() == ["yes", "no", "no", "yes"]


@pytest.mark.parametrize("order", [[3, 2, 1, 0], [2, 0, 3, 1], [1, 3, 0, 2]])
def test_columns_are_matched_by_name_not_position(tmp_path, trained, order):
    _, ds = trained
    with_extra = [
        row + [extra] for row, extra in zip(TABLE, ["id", "a", "b", "c", "d"], strict=True)
    ]
    path = write(tmp_path, reorder(with_extra, [*order, 4]), "shuffled.csv")
    X, y = load_features(path, ds.feature_names, target="label")
    assert np.array_equal(X, ds.X)  # the extra column 'id' is ignored
    assert y.tolist() == ["yes", "no", "no", "yes"]


def test_feature_order_follows_feature_names(trained):
    path, ds = trained
    with pytest.warns(UnseenCategoryWarning, match="'blue', 'green'"):  # the model: red only
        X, _ = load_features(path, ["weight", "color=red", "size"])
    assert np.array_equal(X, ds.X[:, [4, 3, 0]])


def test_features_only_file_has_no_target(tmp_path, trained):
    _, ds = trained
    path = write(tmp_path, reorder(TABLE, [0, 1, 3]), "new.csv")
    for target in ("label", None):
        X, y = load_features(path, ds.feature_names, target=target)
        assert y is None and np.array_equal(X, ds.X)


def test_last_column_is_not_taken_for_the_target(tmp_path):
    path = write(tmp_path, "a\n1\n2\n")  # one column, a feature: no target to guess
    X, y = load_features(path, ["a"])
    assert y is None and X.tolist() == [[1.0], [2.0]]


def test_unseen_category_is_a_row_of_zeros(tmp_path, trained):
    _, ds = trained
    rows = [TABLE[0], ["1", "purple", "yes", "2"], ["2", "red", "no", "3"], ["3", "Red", "no", "4"]]
    with pytest.warns(UnseenCategoryWarning, match=r"'purple', 'Red'\) in 2 of 3 rows"):
        X, _ = load_features(write(tmp_path, rows, "new.csv"), ds.feature_names, target="label")
    assert X[:, 1:4].tolist() == [[0, 0, 0], [0, 0, 1], [0, 0, 0]]  # matching is exact
    assert X[:, [0, 4]].tolist() == [[1, 2], [2, 3], [3, 4]]


@pytest.mark.parametrize(
    ("cells", "expected", "kind"),
    [
        (["1", "0", "2.5", "0"], [1.0, 0.0, 2.5, 0.0], "f"),  # all numbers: float64
        (["1", "0", "x", "0"], ["1", "0", "x", "0"], "U"),  # any text: all text, as written
    ],
)
def test_target_is_returned_raw(tmp_path, trained, cells, expected, kind):
    _, ds = trained
    rows = [TABLE[0]] + [r[:2] + [c] + r[3:] for r, c in zip(TABLE[1:], cells, strict=True)]
    _, y = load_features(write(tmp_path, rows, "new.csv"), ds.feature_names, target="label")
    assert y.tolist() == expected and y.dtype.kind == kind


@pytest.mark.parametrize(
    ("rows_or_text", "fragments"),
    [
        (reorder(TABLE, [2, 3]), ["lacks the columns 'size', 'color'", "label, weight"]),
        (reorder(TABLE, [0, 2, 3]), ["lacks the column 'color'", "size, label, weight"]),
        ("size;color;weight\n1;red;3\n", ["columns 'size', 'color', 'weight'", "';'-separated"]),
        ("size,color,weight\n1,red,3\nnan,red,4\n", ["column 'size'", "'nan' at line 3"]),
        ("size,color,weight\n1,red,3\n2,red,inf\n", ["column 'weight'", "'inf' at line 3"]),
        ("size,color,weight\n1,red,3\n2,red,x\n", ["column 'weight'", "'x' at line 3 is not one"]),
        ("size,color,weight\nbig,red,3\nsmall,red,4\n", ["column 'size'", "'big' at line 2"]),
        ("size,color,weight\n1,red,3\n2,,4\n", ["column 'color' is empty at line 3"]),
        ("size,color,weight,label\n1,red,3,\n", ["column 'label' is empty at line 2"]),
        ("size,color,weight,label\n1,red,3,-inf\n", ["target column 'label' is -inf at line 2"]),
        ("size,color,weight\n1,red\n", ["new.csv line 2 has 2 values"]),
        ("size,size,color,weight\n1,1,red,3\n", ["'size' appears twice"]),
        ("size,color,weight\n", ["header but no data rows"]),
    ],
)
def test_bad_files_name_file_column_and_line(tmp_path, trained, rows_or_text, fragments):
    _, ds = trained
    path = write(tmp_path, rows_or_text, "new.csv")
    with pytest.raises(DataError) as info:
        load_features(path, ds.feature_names, target="label")
    message = str(info.value)
    assert "new.csv" in message and "\n" not in message
    for fragment in fragments:
        assert fragment in message


def test_target_that_is_a_feature_is_refused(trained):
    path, ds = trained
    with pytest.raises(DataError, match="'size' is a feature of the model"):
        load_features(path, ds.feature_names, target="size")


@pytest.mark.parametrize("width", [2, 4])
def test_npy_width_must_match(tmp_path, width):
    path = tmp_path / "X.npy"
    np.save(path, np.ones((5, width)))
    with pytest.raises(DataError, match=f"X.npy has {width} columns but .* 3 features"):
        load_features(path, ["a", "b", "c"], target="label")


def test_npy_and_npz(tmp_path):
    X = np.arange(12.0).reshape(4, 3)
    np.save(tmp_path / "X.npy", X.astype(np.float32))
    got, y = load_features(tmp_path / "X.npy", ["a", "b", "c"], target="ignored.npy")
    assert y is None and got.dtype == np.float64 and np.array_equal(got, X)
    np.savez(tmp_path / "both.npz", X=X, y=np.array(["u", "v", "u", "v"]))
    got, y = load_features(tmp_path / "both.npz", ["a", "b", "c"])
    assert np.array_equal(got, X) and y.tolist() == ["u", "v", "u", "v"]
    np.savez(tmp_path / "x_only.npz", X=X)
    assert load_features(tmp_path / "x_only.npz", ["a", "b", "c"])[1] is None
    np.savez(tmp_path / "short.npz", X=X, y=np.zeros(3))
    with pytest.raises(DataError, match="has 4 rows but .* has 3 labels"):
        load_features(tmp_path / "short.npz", ["a", "b", "c"])


def test_object_arrays_are_refused(tmp_path):
    np.save(tmp_path / "X.npy", np.array([[1, "a"]], dtype=object), allow_pickle=True)
    with pytest.raises(DataError, match="object array"):
        load_features(tmp_path / "X.npy", ["a", "b"])
    np.savez(tmp_path / "o.npz", X=np.ones((2, 2)), y=np.array([None, 1], dtype=object))
    with pytest.raises(DataError, match="object array"):
        load_features(tmp_path / "o.npz", ["a", "b"])


def test_built_in_name(tmp_path):
    ds = load_dataset("article")
    X, y = load_features("article", ["x0", "x1"])
    assert np.array_equal(X, ds.X) and y.tolist() == ds.y.tolist()
    X, _ = load_features("Article", ["x1", "x0"])  # by name, like a CSV
    assert np.array_equal(X, ds.X[:, ::-1])
    with pytest.raises(DataError, match="'article' has no feature 'age'"):
        load_features("article", ["x0", "age"])
    with pytest.raises(DataError, match="unknown data set 'mooons'.*did you mean 'moons'"):
        load_features("mooons", ["x0", "x1"])
    with pytest.raises(DataError, match=r"nowhere\.csv' does not exist"):
        load_features(tmp_path / "nowhere.csv", ["x0"])


def test_built_in_labels_are_the_original_class_values():
    pytest.importorskip("sklearn")
    ds = load_dataset("wine")
    X, y = load_features("wine", ds.feature_names)
    assert np.array_equal(X, ds.X) and set(y) == {"class_0", "class_1", "class_2"}
    assert y.tolist() == np.asarray(ds.classes)[ds.y].tolist()


NUMBER = st.sampled_from(["0", "1", "-2.5", "1e3", " 3 ", "+4", "0.1"])
WORD = st.sampled_from(["a", "b", "é", "x y", "True"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_any_trained_csv_round_trips_with_its_columns_shuffled(data):
    n_cols, n_rows = data.draw(st.integers(1, 4)), data.draw(st.integers(2, 6))
    columns = [
        [data.draw(kind) for _ in range(n_rows)]
        for kind in data.draw(
            st.lists(st.sampled_from([NUMBER, WORD]), min_size=n_cols, max_size=n_cols)
        )
    ]
    labels = ["p", "q"] * (n_rows // 2) + ["p"] * (n_rows % 2)
    header = [f"c{j}" for j in range(n_cols)] + ["label"]
    rows = [header, *map(list, zip(*columns, labels, strict=True))]
    order = data.draw(st.permutations(range(n_cols + 1)))
    with tempfile.TemporaryDirectory() as folder:
        ds = load_file(write(Path(folder), rows, "train.csv"), target="label")
        path = write(Path(folder), reorder(rows, order), "new.csv")
        X, y = load_features(path, ds.feature_names, target="label")
    assert X.tobytes() == ds.X.tobytes() and y.tolist() == labels
