"""Which task a target is read as, said and chosen (issue 16 §2): ``train`` says on stderr and in
summary.json which task it inferred and why; ``--task`` (``task=``) chooses; a choice the
target contradicts is a clear error, and no run directory is made."""

import json

import numpy as np
import pytest

from adamlab.cli import main
from adamlab.data import DataError, from_arrays
from adamlab.data.labels import infer_task
from adamlab.experiment import Settings, prepare


def _csv(tmp_path, targets, name="d.csv"):
    rng = np.random.default_rng(0)
    path = tmp_path / name
    rows = [f"{rng.normal():.3f},{rng.normal():.3f},{t}" for t in targets]
    path.write_text("a,b,y\n" + "\n".join(rows) + "\n")
    return path


def _train(tmp_path, capsys, data, *argv):
    out = tmp_path / "run"
    code = main(["train", "--data", str(data), "--epochs", "1", "--val-fraction", "0",
                 "--hidden", "4", "--out", str(out), *argv])
    return code, out, capsys.readouterr()


@pytest.mark.parametrize("values, task, why", [
    (np.array(["a", "b"]), "classification", "holds text"),
    (np.array([True, False]), "classification", "holds booleans"),
    (np.arange(20) % 20, "classification", "20 distinct whole numbers (at most 20"),
    (np.arange(21), "regression", "21 distinct whole numbers, more than the 20"),
    (np.array([0.0, 1.0, 2.0]), "classification", "3 distinct whole numbers"),
    (np.array([0.5, 1.0]), "regression", "not all whole"),
])
def test_the_rule_and_its_reason(values, task, why):
    got, reason = infer_task(values)
    assert got == task and why in reason


def test_train_says_the_inferred_task_and_why(tmp_path, capsys):
    data = _csv(tmp_path, [i % 30 for i in range(60)])  # 30 distinct integers: regression
    code, out, cap = _train(tmp_path, capsys, data)
    assert code == 0
    line = next(ln for ln in cap.err.splitlines() if ln.startswith("task: "))
    assert "regression: inferred" in line and "30 distinct whole numbers" in line
    assert "--task multiclass" in line  # what to do to read them as classes
    summary = json.loads((out / "summary.json").read_text())
    assert summary["task"] == line[len("task: "):] and summary["data"]["task"] == "regression"


def test_task_multiclass_reads_many_integers_as_classes(tmp_path, capsys):
    data = _csv(tmp_path, [i % 30 for i in range(60)])
    code, out, cap = _train(tmp_path, capsys, data, "--task", "multiclass")
    assert code == 0 and "task: " not in cap.err  # chosen: nothing to explain on stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["task"] == "multiclass, 30 classes: chosen (task 'multiclass')"
    assert summary["data"]["task"] == "multiclass" and len(summary["data"]["classes"]) == 30


@pytest.mark.parametrize("targets, argv, says", [
    ([i % 3 for i in range(30)], ["--task", "binary"], "has 3 classes, but task 'binary'"),
    ([i / 7 for i in range(30)], ["--task", "multiclass"], "not a whole number; task "
                                                          "'multiclass' needs class labels"),
    ([i / 7 for i in range(30)], ["--task", "binary"], "not a whole number"),
    (["cat", "dog"] * 15, ["--task", "regression"], "regression needs numbers"),
])
def test_a_contradicting_choice_is_a_clear_error(tmp_path, capsys, targets, argv, says):
    code, out, cap = _train(tmp_path, capsys, _csv(tmp_path, targets), *argv)
    assert code == 1 and says in cap.err and "Traceback" not in cap.err
    assert not out.exists()  # refused before the run directory is made


def test_a_built_in_set_refuses_another_task(tmp_path, capsys):
    code, out, cap = _train(tmp_path, capsys, "moons", "--task", "regression")
    assert code == 1 and "moons is a binary data set" in cap.err and not out.exists()
    code, out, cap = _train(tmp_path, capsys, "moons", "--task", "binary")  # agreeing: fine
    assert code == 0


def test_the_python_api_takes_task_too(tmp_path):
    data = _csv(tmp_path, [i % 30 for i in range(60)])
    p = prepare(Settings(data=str(data), task="multiclass", hidden=[4], epochs=1))
    assert p.dataset.task == "multiclass" and p.dataset.n_classes == 30
    with pytest.raises(DataError, match="not a whole number"):
        from_arrays(np.zeros((4, 1)), [0.5, 1.5, 2.0, 3.0], task="multiclass")
    with pytest.raises(ValueError, match="task must be one of"):
        prepare(Settings(data=str(data), task="ordinal"))
