"""The code of docs/sklearn.md runs as written (on the wine data)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from estkit import dataset

DOC = Path(__file__).resolve().parents[2] / "docs" / "sklearn.md"

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def test_the_migration_examples_run(tmp_path, monkeypatch):
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)
    assert len(blocks) == 2
    X, y = dataset("wine")
    rng = np.random.default_rng(0)
    rows = rng.permutation(len(y))
    train, val, test = rows[:110], rows[110:145], rows[145:]
    namespace = {"X_train": X[train], "y_train": y[train], "X_val": X[val], "y_val": y[val],
                 "X_test": X[test], "w": rng.uniform(0.5, 2.0, len(train))}
    monkeypatch.chdir(tmp_path)
    for block in blocks:
        exec(compile(block, str(DOC), "exec"), namespace)
    clf = namespace["clf"]
    assert clf.score(X[test], y[test]) > 0.85
    assert (tmp_path / "clf.npz").is_file()
