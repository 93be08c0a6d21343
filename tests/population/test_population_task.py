"""Runs that differ only in the task they read a file's target as are kept apart."""

import numpy as np

from adamlab.experiment import Settings, run
from adamlab.population import run_population


def test_a_task_choice_loads_its_own_dataset(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0).astype(int)  # 0, 1, 2: read as classes
    path = tmp_path / "t.csv"
    path.write_text("a,b,y\n" + "".join(f"{a},{b},{c}\n" for (a, b), c in zip(X, y, strict=True)))
    runs = [Settings(data=str(path), epochs=2), Settings(data=str(path), epochs=2,
                                                          task="regression")]
    results = run_population(runs)
    assert [r["status"] for r in results] == ["ok", "ok"]
    assert results[1]["params_sha256"] == run(runs[1])["params_sha256"]
