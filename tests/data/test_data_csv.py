"""CSV files: numbers, one-hot text, labels of any type, regression, and each bad file's error."""

import numpy as np
import pytest

from adamlab.data import DataError, load_file


def write(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def test_numeric_columns_load_as_they_are(tmp_path):
    path = write(tmp_path, "x0,x1,label\n0.5,-1e3,0\n1.25, 7 ,1\n\n3,0,1\n")
    ds = load_file(path)
    assert np.array_equal(ds.X, [[0.5, -1000.0], [1.25, 7.0], [3.0, 0.0]])
    assert np.array_equal(ds.y, [0, 1, 1]) and ds.y.dtype == np.int64
    assert ds.feature_names == ("x0", "x1") and ds.classes == (0, 1) and ds.task == "binary"
    assert ds.name == "data.csv" and "target 'label'" in ds.description


def test_text_columns_are_one_hot_in_place(tmp_path):
    path = write(tmp_path, "size,color,y\n1,red,0\n2,blue,1\n3,red,1\n4,green,0\n")
    ds = load_file(path)
    assert ds.feature_names == ("size", "color=blue", "color=green", "color=red")
    assert np.array_equal(ds.X[:, 1:], [[0, 0, 1], [1, 0, 0], [0, 0, 1], [0, 1, 0]])
    assert np.array_equal(ds.X[:, 0], [1, 2, 3, 4])


def test_string_labels_are_coded_in_sorted_order(tmp_path):
    path = write(tmp_path, 'a,species\n1,versicolor\n2,setosa\n3,"virginica"\n4,setosa\n')
    ds = load_file(path)
    assert ds.classes == ("setosa", "versicolor", "virginica") and ds.task == "multiclass"
    assert np.array_equal(ds.y, [1, 0, 2, 0])
    decoded = np.asarray(ds.classes)[ds.y]
    assert np.array_equal(decoded, ["versicolor", "setosa", "virginica", "setosa"])


def test_target_by_name_anywhere(tmp_path):
    path = write(tmp_path, "label,a,b\nno,1,2\nyes,3,4\n")
    ds = load_file(path, target="label")
    assert ds.feature_names == ("a", "b") and ds.classes == ("no", "yes")


def test_float_target_with_many_values_is_regression(tmp_path):
    ys = np.linspace(-1, 1, 30) ** 3
    rows = "".join(f"{i},{float(v)!r}\n" for i, v in enumerate(ys))
    ds = load_file(write(tmp_path, "x,price\n" + rows))
    assert ds.task == "regression" and ds.classes is None
    assert ds.y.dtype == np.float64 and np.array_equal(ds.y, ys)


@pytest.mark.parametrize(
    ("labels", "task", "classes"),
    [
        (["0.5", "1.5", "2.25"], "regression", None),  # a non-whole number: regression
        (["1.0", "2.0", "1.0"], "binary", (1.0, 2.0)),  # whole numbers, few values: classes
        ([str(i) for i in range(21)], "regression", None),  # > MAX_AUTO_CLASSES values
        ([str(i % 20) for i in range(40)], "multiclass", tuple(range(20))),
        (["true", "false", "true"], "binary", ("false", "true")),
    ],
)
def test_the_task_rule(tmp_path, labels, task, classes):
    rows = "".join(f"{i},{v}\n" for i, v in enumerate(labels))
    ds = load_file(write(tmp_path, "x,y\n" + rows))
    assert ds.task == task and ds.classes == classes


@pytest.mark.parametrize(
    ("labels", "task", "expected"),
    [
        (["0.0", "1.0", "0.0"], "classification", "binary"),  # whole numbers written as floats
        (["0", "1", "0"], "multiclass", "multiclass"),
        ([str(i) for i in range(25)], "classification", "multiclass"),
        (["0", "1", "0"], "regression", "regression"),
    ],
)
def test_task_can_be_forced(tmp_path, labels, task, expected):
    rows = "".join(f"{i},{v}\n" for i, v in enumerate(labels))
    ds = load_file(write(tmp_path, "x,y\n" + rows), task=task)
    assert ds.task == expected


def test_tab_separated_and_byte_order_mark(tmp_path):
    ds = load_file(write(tmp_path, b"\xef\xbb\xbfa\tb\ty\n1\t2\t0\n3\t4\t1\n", name="d.tsv"))
    assert ds.feature_names == ("a", "b") and ds.X.shape == (2, 2)


def test_quoted_fields_and_crlf(tmp_path):
    ds = load_file(write(tmp_path, 'a,"b, c",y\r\n1,"x, y",0\r\n2,z,1\r\n'))
    assert ds.feature_names == ("a", "b, c=x, y", "b, c=z")


HEADER = "a,b,y\n"


@pytest.mark.parametrize(
    ("content", "kwargs", "fragments"),
    [
        ("", {}, ["is empty", "header line"]),
        ("\n  \n\n", {}, ["is empty"]),
        (HEADER, {}, ["header but no data rows"]),
        (HEADER + "1,2,0\n1,2\n", {}, ["line 3 has 2 values", "3 columns"]),
        (HEADER + "1,2,0,9\n", {}, ["line 2 has 4 values"]),
        (HEADER + "1,2,0\n", {"target": "label"}, ["no column 'label'", "a, b, y"]),
        (HEADER + "1,2,0\n", {"target": "Y"}, ["did you mean 'y'"]),
        (HEADER + "1,2,0\n3,nan,1\n", {}, ["column 'b'", "'nan' at line 3", "finite"]),
        (HEADER + "1,2,0\n-inf,1,1\n", {}, ["column 'a'", "'-inf' at line 3"]),
        (HEADER + "1,,0\n", {}, ["column 'b' is empty at line 2", "drop the row"]),
        (HEADER + "1,2,0\n1,2,\n", {}, ["column 'y' is empty at line 3", "fill in the target"]),
        (HEADER + "1,2,0\n2,3,1\n3,x,1\n", {}, ["column 'b'", "'x' at line 4 is not one"]),
        ("a,y\n1,yes\n2,yes\n", {}, ["single class ('yes')", "target column 'y'"]),
        ("a,y\n1,0.5\n2,nan\n", {}, ["target column 'y' is nan at line 3"]),
        ("y\n1\n2\n", {}, ["single column 'y'", "feature columns"]),
        ("a;b;y\n1;2;0\n", {}, ["';'-separated"]),
        ("a,a,y\n1,2,0\n", {}, ["'a' appears twice"]),
        ("a,,y\n1,2,0\n", {}, ["column 2 has no name"]),
        ("a,y\n1,cat\n2,dog\n", {"task": "regression"}, ["holds text ('cat' at line 2)"]),
        ("a,y\n1,0\n2,1\n3,2\n", {"task": "binary"}, ["3 classes", "task 'multiclass'"]),
        ("a,y\n1,0.5\n2,1.5\n", {"task": "classification"}, ["0.5 at line 2, not a whole"]),
        ("a,y\n1,0\n", {"task": "ranking"}, ["task must be one of"]),
        ("a,y\n" + "".join(f"w{i},{i % 2}\n" for i in range(101)), {}, ["101 distinct values"]),
        (b"\x00\x01\x02garbage\xff", {}, ["not CSV text", "NUL bytes", "UTF-8"]),
        (b"a,y\n\xe9t\xe9,1\n", {}, ["not UTF-8 text", "0xe9", "offset 4"]),
        (b"\x93NUMPY\x01\x00v\x00{'descr': '<f8'}", {}, ["looks like a NumPy .npy file"]),
        (b"PK\x03\x04\x14\x00", {}, ["zip archive"]),
        ('a,y\n"1,0\n', {}, ["line 2 is not valid CSV", "quotes"]),
        ('a,y\n"1"x,0\n', {}, ["line 2 is not valid CSV"]),
    ],
)
def test_bad_files_say_where_and_what_would_work(tmp_path, content, kwargs, fragments):
    path = write(tmp_path, content, name="bad_table.csv")
    with pytest.raises(DataError) as info:
        load_file(path, **kwargs)
    message = str(info.value)
    assert "bad_table.csv" in message or "task must be" in message
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message


def test_missing_file_folder_and_unknown_type(tmp_path):
    with pytest.raises(DataError, match=r"nowhere\.csv' does not exist"):
        load_file(tmp_path / "nowhere.csv")
    with pytest.raises(DataError, match="is a folder"):
        load_file(tmp_path)
    with pytest.raises(DataError, match=r"sheet\.xlsx: adamlab reads \.csv.*not \.xlsx"):
        load_file(write(tmp_path, b"PK", name="sheet.xlsx"))
    with pytest.raises(DataError, match="memory mapping works for .npy files only"):
        load_file(write(tmp_path, "a,y\n1,0\n2,1\n"), mmap=True)


def test_binary_garbage(tmp_path):
    garbage = np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8).tobytes()
    with pytest.raises(DataError, match="garbage.csv is not"):
        load_file(write(tmp_path, garbage, name="garbage.csv"))


def test_a_value_with_a_newline_keeps_the_message_on_one_line(tmp_path):
    path = write(tmp_path, 'a,b,y\n1,2,0\n2,3,1\n3,"x\ny",1\n')
    with pytest.raises(DataError) as info:
        load_file(path)
    assert "\n" not in str(info.value) and "'x\\ny'" in str(info.value)
