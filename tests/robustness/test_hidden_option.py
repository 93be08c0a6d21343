"""``--hidden``: ``0`` and ``""`` are refused (exit 2, one clear line); ``none`` is the way to
ask for no hidden layer (issue 16 §2: nothing accepted silently that changes the result)."""

from __future__ import annotations

import argparse

import pytest
from robustkit import assert_one_clear_line, run_cli

from adamlab.cli.options import int_list


@pytest.mark.parametrize("text, fragment", [
    ("0", "'none' for no hidden layer"),
    ("0,4", "must be >= 1"),
    ("", "empty"),
    ("  ", "empty"),
    ("16,", "expected widths like 16,16"),
    ("16,,16", "expected widths like 16,16"),
])
def test_widths_that_are_no_widths_are_refused(text: str, fragment: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match=fragment):
        int_list(text)


@pytest.mark.parametrize("text, widths", [("none", []), ("NONE", []), ("16", [16]),
                                           ("16,8", [16, 8]), (" 4 , 2 ", [4, 2])])
def test_widths_and_none_are_read(text: str, widths: list[int]) -> None:
    assert int_list(text) == widths


@pytest.mark.parametrize("value", ["0", ""])
def test_cli_refuses_hidden_zero_and_empty(tmp_path, value: str) -> None:
    out = tmp_path / "run"
    code, stdout, err = run_cli(["train", "--data", "moons", "--n-samples", "40", "--epochs",
                                 "1", "--hidden", value, "--out", str(out)])
    line = assert_one_clear_line(code, stdout, err, status=2, fragments=["--hidden"])
    assert "none" in line
    assert not out.exists()


def test_cli_hidden_none_trains_without_a_hidden_layer(tmp_path) -> None:
    import json

    out = tmp_path / "run"
    code, _, err = run_cli(["train", "--data", "moons", "--n-samples", "40", "--epochs", "1",
                            "--hidden", "none", "--out", str(out), "--quiet"])
    assert code == 0, err
    assert json.loads((out / "summary.json").read_text())["settings"]["hidden"] == []
