"""A category never seen in training (issue 16 §2): ``predict`` encodes it as all zeros but says
so — one warning line per column, naming the column, the first unseen values, their number and
the rows — in the JSON document too; ``--strict`` (``strict=True``) refuses the data instead."""

import json
import warnings

import numpy as np
import pytest

from adamlab.cli import main
from adamlab.data import DataError, UnseenCategoryWarning, load_features


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("unseen")
    rng = np.random.default_rng(0)
    lines = ["x,color,size,label"]
    for i in range(40):
        lines.append(f"{rng.normal():.3f},{['red', 'blue'][i % 2]},{['S', 'L'][i % 3 > 0]},{i % 2}")
    (tmp / "train.csv").write_text("\n".join(lines) + "\n")
    out = tmp / "run"
    assert main(["train", "--data", str(tmp / "train.csv"), "--epochs", "2", "--quiet",
                 "--out", str(out)]) == 0
    return out


NEW = "x,color,size,label\n" + "".join(
    f"0.1,{c},{s},1\n" for c, s in [("red", "S"), ("green", "S"), ("teal", "XL"),
                                    ("green", "L"), ("mauve", "S"), ("ochre", "S"),
                                    ("umber", "S"), ("sepia", "S"), ("blue", "S")])
NAMES = ["x", "color=blue", "color=red", "size=L", "size=S"]


def test_predict_warns_once_per_column_with_values_count_and_rows(run_dir, tmp_path, capsys):
    (tmp_path / "new.csv").write_text(NEW)
    assert main(["predict", "--model", str(run_dir), "--data", str(tmp_path / "new.csv")]) == 0
    cap = capsys.readouterr()
    lines = [ln for ln in cap.err.splitlines() if "warning" in ln]
    assert len(lines) == 2  # color and size, one line each
    color, size = lines
    # six values unseen in 'color': the first five shown, then "...", the count and the rows
    assert "'color' has 6 values never seen" in color
    assert "('green', 'teal', 'mauve', 'ochre', 'umber', ...)" in color  # sepia: the sixth
    assert "in 7 of 9 rows" in color
    assert "'size' has 1 value never seen" in size and "'XL'" in size and "in 1 of 9 rows" in size
    assert len(cap.out.splitlines()) == 10  # still predicted: a header and 9 rows


def test_predict_json_puts_the_warnings_in_the_document(run_dir, tmp_path, capsys):
    (tmp_path / "new.csv").write_text(NEW)
    assert main(["predict", "--model", str(run_dir), "--data", str(tmp_path / "new.csv"),
                 "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert len(doc["warnings"]) == 2 and "'color'" in doc["warnings"][0]
    assert len(doc["labels"]) == 9


def test_predict_strict_refuses_and_writes_nothing(run_dir, tmp_path, capsys):
    (tmp_path / "new.csv").write_text(NEW)
    target = tmp_path / "pred.csv"
    code = main(["predict", "--model", str(run_dir), "--data", str(tmp_path / "new.csv"),
                 "--strict", "--output", str(target)])
    err = capsys.readouterr().err
    assert code == 1 and not target.exists()
    assert "'color' has 6 values never seen" in err and "'size'" in err
    assert "Traceback" not in err


def test_the_api_warning_is_a_class_users_can_filter_and_strict_refuses():
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "new.csv"
        path.write_text(NEW)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            X, _ = load_features(path, NAMES, target="label")
        assert [w.category for w in caught] == [UnseenCategoryWarning] * 2
        assert "'color' has 6 values" in str(caught[0].message)
        # an unseen category is all zeros in its group; a known one is one-hot
        np.testing.assert_array_equal(X[:3, 1:3], [[0, 1], [0, 0], [0, 0]])
        with warnings.catch_warnings():
            warnings.simplefilter("error", UnseenCategoryWarning)
            with pytest.raises(UnseenCategoryWarning):
                load_features(path, NAMES, target="label")
        with pytest.raises(DataError, match="never seen in training"):
            load_features(path, NAMES, target="label", strict=True)
        path.write_text("x,color,size\n0.5,red,S\n")  # nothing unseen: no warning at all
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            load_features(path, NAMES, strict=True)
