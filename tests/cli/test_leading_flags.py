"""The options every command has (--quiet, --json) may come before the command's name."""

from __future__ import annotations

import json

from adamlab.cli import main


def test_quiet_before_the_command_is_the_commands_quiet(tmp_path, capsys):
    assert main(["-q", "train", "--epochs", "1", "--out", str(tmp_path / "a")]) == 0
    before = capsys.readouterr().out
    assert main(["train", "--epochs", "1", "--out", str(tmp_path / "b"), "-q"]) == 0
    after = capsys.readouterr().out
    assert before.strip() == str(tmp_path / "a") and after.strip() == str(tmp_path / "b")


def test_json_and_quiet_before_the_command(capsys):
    assert main(["--json", "-q", "optimizers"]) == 0
    names = [row["name"] for row in json.loads(capsys.readouterr().out)["optimizers"]]
    assert "adam" in names


def test_an_abbreviation_before_the_command_works_as_after_it(capsys):
    assert main(["--js", "--qui", "optimizers"]) == 0
    assert "adam" in [row["name"] for row in json.loads(capsys.readouterr().out)["optimizers"]]


def test_a_leading_flag_without_a_command_asks_for_a_command(capsys):
    assert main(["-q"]) == 2
    assert "COMMAND" in capsys.readouterr().out  # the usage, as for `adamlab` alone
    assert main(["--json"]) == 2
    assert json.loads(capsys.readouterr().out)["error"]["message"] == "give a command"
