"""The outputs a run directory holds, and the completeness rule ``--resume`` relies on."""

from __future__ import annotations

import json

import pytest

from adamlab.rundir import outputs


@pytest.mark.parametrize("n_features, task, traced, extra", [
    (2, "binary", False, ["decision_boundary.png"]),
    (2, "regression", False, []),
    (3, "multiclass", True, ["trace.json", "adam_internals.png"]),
])
def test_the_outputs_a_run_must_hold(n_features, task, traced, extra):
    assert outputs.expected(n_features, task, traced) == [*outputs.ALWAYS_WRITTEN, *extra]


def _complete(tmp_path, **summary_changes):
    names = outputs.expected(3, "binary", False)
    for name in names:
        (tmp_path / name).write_text("x")
    summary = {"status": "ok", "epochs": 4, "steps": 20, "params_sha256": "abc",
               "settings": {"epochs": 4}, "final": {"loss": 0.5, "val_loss": None}}
    summary.update(summary_changes)
    (tmp_path / outputs.SUMMARY).write_text(json.dumps(summary))
    return names


def test_a_directory_is_complete_when_its_summary_describes_the_checkpoint(tmp_path):
    names = _complete(tmp_path)
    assert outputs.complete_summary(tmp_path, names, 4, 20, "abc", 4) is not None
    assert outputs.complete_summary(tmp_path, names, 4, 20, "abc", 3) is not None
    assert outputs.complete_summary(tmp_path, names, 4, 20, "abc", 5) is None  # asked for more
    assert outputs.complete_summary(tmp_path, names, 4, 20, "abd", 4) is None  # other weights
    assert outputs.complete_summary(tmp_path, names, 5, 25, "abc", 4) is None  # other epoch


@pytest.mark.parametrize("change", [
    dict(status="diverged"), dict(final={"loss": "0.5"}), dict(settings=[]),
], ids=["diverged", "final not numbers", "settings not an object"])
def test_a_summary_that_does_not_say_ok_is_not_complete(tmp_path, change):
    names = _complete(tmp_path, **change)
    assert outputs.complete_summary(tmp_path, names, 4, 20, "abc", 4) is None


def test_a_missing_output_makes_it_incomplete(tmp_path):
    names = _complete(tmp_path)
    (tmp_path / names[-1]).unlink()
    assert outputs.complete_summary(tmp_path, names, 4, 20, "abc", 4) is None
