"""Data for adamlab: built-in data sets, CSV/NumPy files, standardization and splitting.

The CLI (``adamlab train --data moons``), the estimators and the docs share this layer::

    ds = load_data("moons", n_samples=300, noise=0.2, seed=1)     # a built-in name ...
    ds = load_data("iris.csv", target="species")                   # ... or a file
    X, y_raw = load_features("new.csv", ds.feature_names, target="species")  # to predict on
    train, val = train_val_split(ds.X, ds.y, 0.2, np.random.default_rng(0))
    scaler = Standardizer().fit(ds.X[train])

Every loader returns a :class:`Dataset`; every bad input raises :class:`DataError` (a
``ValueError``) with a one-line message naming the file, column or row and what would work.
scikit-learn is imported only when a data set that needs it is loaded.
"""

from adamlab.data.arrays import from_arrays
from adamlab.data.dataset import TASKS, Dataset
from adamlab.data.errors import DataError, UnseenCategoryWarning
from adamlab.data.features import load_features
from adamlab.data.files import load_data, load_file
from adamlab.data.labels import MAX_AUTO_CLASSES, LabelEncoder
from adamlab.data.registry import DATASETS, DatasetSpec, get_dataset_spec, load_dataset
from adamlab.data.rows import Rows
from adamlab.data.split import train_val_split, validation_split
from adamlab.data.standardize import Standardizer

__all__ = [
    "Dataset",
    "DataError",
    "UnseenCategoryWarning",
    "TASKS",
    "DATASETS",
    "DatasetSpec",
    "get_dataset_spec",
    "load_dataset",
    "load_file",
    "load_data",
    "load_features",
    "from_arrays",
    "MAX_AUTO_CLASSES",
    "Standardizer",
    "LabelEncoder",
    "train_val_split",
    "validation_split",
    "Rows",
]
