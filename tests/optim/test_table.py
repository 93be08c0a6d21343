"""The optimizer table: the docs hold the registry's table, and its memory column is right."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adamlab.cli import main
from adamlab.optim import OPTIMIZERS, table

DOC = Path(__file__).resolve().parents[2] / "docs" / "optimizers.md"


def test_docs_hold_the_registry_table():
    text = DOC.read_text(encoding="utf-8")
    a, b = text.index(table.MARK_BEGIN), text.index(table.MARK_END) + len(table.MARK_END)
    assert text[a:b] == table.markdown(), (
        "docs/optimizers.md's table differs from the registry: run "
        "python scripts/make_optimizer_table.py")


@pytest.mark.parametrize(("name", "floats"), [
    ("sgd", "0"), ("momentum", "1"), ("adagrad", "1"), ("adam", "2"), ("amsgrad", "3")])
def test_state_column_counts_the_floats_kept_per_weight(name, floats):
    """By hand: SGD keeps nothing, momentum one buffer, Adam m and v, AMSGrad also max v."""
    assert next(r for r in table.rows() if r["name"] == name)["state"] == floats


def test_every_row_is_listed_once_by_the_command(capsys):
    assert main(["optimizers", "--json"]) == 0
    listed = [r["name"] for r in json.loads(capsys.readouterr().out)["optimizers"]]
    assert listed == list(OPTIMIZERS)


def test_every_row_has_its_update_rule_and_conventions():
    """The table's update and convention columns come from each row, and none is empty."""
    rows = table.rows()
    assert len(rows) == len(OPTIMIZERS) == 24
    for r in rows:
        assert r["rule"] not in ("", "—") and r["convention"] not in ("", "—"), r["name"]
        assert any(op in r["rule"] for op in ("−=", "+=", "←")), r["name"]  # how θ moves
    head = table.markdown().splitlines()[1]
    assert "update" in head and "conventions" in head and "state" in head and "paper" in head


def test_the_command_prints_each_rule(capsys):
    assert main(["optimizers"]) == 0
    out = capsys.readouterr().out
    assert all(spec.rule in out for spec in OPTIMIZERS.values())
