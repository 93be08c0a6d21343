"""The built-in data sets: the article's points bit for bit, and every registry entry's contract."""

import subprocess
import sys

import numpy as np
import pytest

from adamlab.data import DATASETS, DataError, Dataset, get_dataset_spec, load_data, load_dataset
from adamlab.data.registry import SYNTHETIC

N_FEATURES = {"breast-cancer": 30, "wine": 13, "digits": 64, "diabetes": 10}
FIXED = [name for name in DATASETS if name not in SYNTHETIC]


def test_article_is_the_listing_bit_for_bit():
    saved = np.random.get_state()
    try:
        np.random.seed(42)
        X = np.random.rand(100, 2)
        y = (X[:, 0] + X[:, 1] > 1).astype(int)
    finally:
        np.random.set_state(saved)
    ds = load_dataset("article")
    assert ds.X.tobytes() == X.tobytes()
    assert np.array_equal(ds.y, y)
    assert ds.classes == (0, 1) and ds.task == "binary"


def test_article_leaves_the_global_random_state_alone():
    before = np.random.get_state()[1].copy()
    load_dataset("article")
    assert np.array_equal(np.random.get_state()[1], before)


def test_article_is_the_default():
    assert load_data().name == "article"
    assert load_dataset().name == "article"


@pytest.mark.parametrize("name", list(DATASETS))
def test_each_entry_loads_with_its_advertised_task_and_shape(name):
    spec = DATASETS[name]
    ds = load_dataset(name)
    assert isinstance(ds, Dataset) and ds.name == name and ds.description
    assert ds.task == spec.task
    assert ds.X.shape == (spec.n_samples, N_FEATURES.get(name, 2))
    assert ds.X.dtype == np.float64 and np.isfinite(ds.X).all()
    if spec.task == "regression":
        assert ds.y.dtype == np.float64 and ds.y.shape == (spec.n_samples,)
        assert ds.n_classes is None and ds.classes is None and np.isfinite(ds.y).all()
    else:
        assert ds.y.dtype.kind == "i" and ds.y.shape == (spec.n_samples,)
        assert ds.n_classes == spec.n_classes
        assert set(np.unique(ds.y)) == set(range(spec.n_classes))
    assert len(ds.feature_names) == ds.n_features
    assert "\n" not in spec.description and len(spec.description) < 100


@pytest.mark.parametrize("name", SYNTHETIC)
def test_synthetic_sets_honour_seed(name):
    a, b, c = load_dataset(name, seed=1), load_dataset(name, seed=1), load_dataset(name, seed=2)
    assert np.array_equal(a.X, b.X) and np.array_equal(a.y, b.y)
    assert not np.array_equal(a.X, c.X)


@pytest.mark.parametrize("name", SYNTHETIC)
@pytest.mark.parametrize("n", [8, 123])
def test_synthetic_sets_honour_n_samples(name, n):
    ds = load_dataset(name, n_samples=n)
    assert ds.X.shape == (n, 2) and ds.y.shape == (n,)
    assert set(np.unique(ds.y)) == set(range(DATASETS[name].n_classes))


@pytest.mark.parametrize("name", SYNTHETIC)
def test_synthetic_noise_is_gaussian_of_that_std_on_the_same_points(name):
    clean = load_dataset(name, n_samples=2000, noise=0.0, seed=5)
    noisy = load_dataset(name, n_samples=2000, noise=0.3, seed=5)
    assert np.array_equal(clean.y, noisy.y)
    assert np.std(noisy.X - clean.X) == pytest.approx(0.3, rel=0.05)
    assert "noise 0.3" in noisy.description


def test_noise_free_geometry():
    xor = load_dataset("xor", noise=0.0)
    assert np.array_equal(xor.y, (np.sign(xor.X[:, 0]) != np.sign(xor.X[:, 1])).astype(int))
    circles = load_dataset("circles", noise=0.0)
    radius = np.hypot(*circles.X.T)
    assert np.allclose(radius, np.where(circles.y == 1, 0.5, 1.0))
    blobs = load_dataset("blobs", noise=0.0)
    centres = {tuple(np.round(p, 9)) for p in blobs.X}
    assert len(centres) == 3
    spirals = load_dataset("spirals", noise=0.0)
    r = np.hypot(*spirals.X.T)
    angle = np.arctan2(spirals.X[:, 1], spirals.X[:, 0]) + np.pi * spirals.y  # undo the 180° turn
    assert np.allclose(np.cos(angle), np.cos(2 * np.pi * 1.5 * r))


@pytest.mark.parametrize("name", FIXED)
def test_fixed_tables_ignore_seed_and_refuse_size_and_noise(name):
    assert np.array_equal(load_dataset(name, seed=0).X, load_dataset(name, seed=7).X)
    size = DATASETS[name].n_samples
    assert load_dataset(name, n_samples=size).n_samples == size  # stating the true size is fine
    with pytest.raises(DataError, match="n_samples does not apply.*moons"):
        load_dataset(name, n_samples=10)
    with pytest.raises(DataError, match="noise does not apply.*spirals"):
        load_dataset(name, noise=0.1)


@pytest.mark.parametrize(
    ("name", "loader"),
    [("breast-cancer", "load_breast_cancer"), ("wine", "load_wine"), ("digits", "load_digits")],
)
def test_sklearn_tables_are_sklearns_data(name, loader):
    import sklearn.datasets

    bunch = getattr(sklearn.datasets, loader)()
    ds = load_dataset(name)
    assert np.array_equal(ds.X, bunch.data) and np.array_equal(ds.y, bunch.target)
    assert ds.feature_names == tuple(bunch.feature_names)
    assert ds.classes == tuple(np.asarray(bunch.target_names).tolist())


def test_names_ignore_case_and_underscores():
    assert load_dataset(" Breast_Cancer ").name == "breast-cancer"
    assert get_dataset_spec("MOONS") is DATASETS["moons"]


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"name": "moosn"}, "did you mean 'moons'"),
        ({"name": "iris"}, "choose one of: article, moons"),
        ({"name": "moons", "n_samples": 3}, "n_samples for 'moons' must be an integer >= 4"),
        ({"name": "blobs", "n_samples": 5}, ">= 6"),
        ({"name": "moons", "n_samples": 10.5}, "must be an integer"),
        ({"name": "moons", "noise": -0.1}, "noise for 'moons' must be a number >= 0"),
        ({"name": "moons", "noise": float("nan")}, "noise for 'moons'"),
        ({"name": "moons", "noise": float("inf")}, "must be finite"),
        ({"name": "moons", "seed": "0"}, "seed must be an integer"),
    ],
)
def test_bad_arguments_say_what_would_work(kwargs, fragment):
    with pytest.raises(DataError, match=fragment) as info:
        load_dataset(**kwargs)
    assert "\n" not in str(info.value)


def test_importing_the_package_does_not_import_sklearn():
    code = "import sys, adamlab.data; assert 'sklearn' not in sys.modules, 'eager sklearn import'"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_load_data_tells_names_from_paths(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "moons").mkdir()  # a folder named like a built-in set does not shadow it
    assert load_data("moons", n_samples=20, seed=3).n_samples == 20
    (tmp_path / "t.csv").write_text("a,y\n1,0\n2,1\n")
    assert load_data("t.csv").n_samples == 2
    with pytest.raises(DataError, match=r"did you mean 'moons'.*\.csv"):
        load_data("moosn")
    with pytest.raises(DataError, match="built-in data set; target"):
        load_data("moons", target="y")
    with pytest.raises(DataError, match="n_samples and noise apply to synthetic"):
        load_data("t.csv", n_samples=10)
    with pytest.raises(DataError, match="does not exist"):
        load_data("missing.csv")


def test_dataset_checks_its_own_contract():
    X, y = np.zeros((3, 2)), np.array([0, 1, 0])
    ds = Dataset(X, y, ("a", "b"), (0, 1), "binary", "tiny")
    assert repr(ds) == "Dataset('tiny', binary, 3 samples x 2 features, classes=(0, 1))"
    with pytest.raises(DataError):
        Dataset(X, y, ("a",), (0, 1), "binary", "tiny")
    with pytest.raises(DataError):
        Dataset(X, y.astype(float), ("a", "b"), None, "classification", "tiny")
    with pytest.raises(DataError):
        Dataset(X.astype(np.float32), y, ("a", "b"), (0, 1), "binary", "tiny")
