"""Properties: any CSV text or bytes loads or fails with a one-line DataError; numbers survive."""

import json
import tempfile
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from adamlab.data import DataError, Dataset, LabelEncoder, load_file

NUMBERS = st.sampled_from(["0", "1", "2", "-2.5", "1e3", "0.125", " 3 ", "+4"])
WORDS = st.sampled_from(["a", "b", "yes", "é", "x y", '"q,uoted"', "True"])
WILD = st.sampled_from(["", " ", "nan", "-inf", "1e999", '"', '""', "1,2", "\t", "0x10", "1_0"])
NAMES = st.sampled_from(["a", "b", "y", "label", "x 1", "c", "d"])
ODD_NAMES = st.sampled_from(["a", "", "a ", " y"])


@st.composite
def tables(draw) -> str:
    """A header and rows whose columns are mostly numbers or mostly words, with stray cells."""
    n_cols, n_rows = draw(st.integers(1, 4)), draw(st.integers(0, 8))
    header = draw(st.lists(NAMES, min_size=n_cols, max_size=n_cols, unique=True))
    if draw(st.integers(0, 9)) == 0:  # now and then an empty or repeated column name
        header[-1] = draw(ODD_NAMES)
    columns = []
    for _ in range(n_cols):
        usual = draw(st.sampled_from([NUMBERS, WORDS]))
        stray = [draw(st.integers(0, 29)) == 0 for _ in range(n_rows)]
        columns.append([draw(WILD if s else usual) for s in stray])
    rows = [header, *zip(*columns, strict=True)] if n_rows else [header]
    lines = [",".join(row) for row in rows]
    if n_rows and draw(st.integers(0, 9)) == 0:  # now and then a ragged row
        lines[-1] += draw(st.sampled_from([",", ",1"]))
    return draw(st.sampled_from(["\n", "\r\n"])).join(lines)


CSV_TEXT = st.one_of(tables(), st.text(max_size=200))
SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def load(content: bytes, **kwargs) -> Dataset | None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "random.csv"
        path.write_bytes(content)
        try:
            ds = load_file(path, **kwargs)
        except DataError as err:
            message = str(err)
            assert message and "\n" not in message and "random.csv" in message
            return None
    assert ds.X.dtype == np.float64 and np.isfinite(ds.X).all()
    assert len(ds.y) == ds.n_samples and len(ds.feature_names) == ds.n_features
    return ds


@SETTINGS
@given(CSV_TEXT, st.sampled_from([None, "a", "1"]))
def test_random_csv_text_loads_or_raises_data_error(text, target):
    load(text.encode("utf-8"), target=target)


@SETTINGS
@given(st.binary(max_size=300))
def test_random_bytes_load_or_raise_data_error(content):
    load(content)


@SETTINGS
@given(
    hnp.arrays(
        np.float64,
        hnp.array_shapes(min_dims=2, max_dims=2, min_side=2, max_side=6),
        elements=st.floats(allow_nan=False, allow_infinity=False),
    )
)
def test_numbers_survive_a_csv_round_trip_exactly(X):
    header = ",".join(f"f{j}" for j in range(X.shape[1]))
    rows = [",".join(repr(float(v)) for v in row) + f",{i % 2}" for i, row in enumerate(X)]
    ds = load((f"{header},label\n" + "\n".join(rows) + "\n").encode())
    assert ds is not None and ds.X.tobytes() == X.tobytes()


@SETTINGS
@given(
    st.one_of(
        st.lists(st.text(max_size=5), min_size=1, max_size=10),
        st.lists(st.integers(-(2**62), 2**62), min_size=1, max_size=10),
        st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1, max_size=10),
    )
)
def test_label_encoder_json_round_trip_is_exact(labels):
    encoder = LabelEncoder().fit(labels)
    again = LabelEncoder.from_dict(json.loads(json.dumps(encoder.to_dict())))
    assert again.classes_ == encoder.classes_
    assert [type(c) for c in again.classes_] == [type(c) for c in encoder.classes_]
    assert np.array_equal(again.transform(labels), encoder.transform(labels))
