"""Messages a person can act on (issue 16 §5): each case of the issue's list, by the CLI.

Each message must name what is wrong in the user's terms (the column, the file they gave) and say
what would work; none may name an internal (a temporary file, ``Standardizer.fit``) or call a
user's mistake an internal error.
"""

from __future__ import annotations

import argparse
import errno
import os
import re

import pytest

from adamlab import atomic
from adamlab.cli import build_parser, main


def run(capsys, *argv):
    code = main([*argv, "--quiet"])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err and "internal error" not in err, err
    return code, err


def test_a_column_that_cannot_be_standardised_is_named_as_the_csv_names_it(tmp_path, capsys):
    path = tmp_path / "big.csv"
    path.write_text("a,huge,label\n" + "".join(f"{i},{1 + i / 10}e308,{i % 2}\n"
                                               for i in range(6)))
    code, err = run(capsys, "train", "--data", str(path), "--epochs", "1")
    assert code == 1 and "'huge'" in err and "big.csv" in err
    assert "Standardizer.fit" not in err and "of X" not in err


def test_an_empty_validation_part_says_so_and_how_to_do_without(tmp_path, capsys):
    path = tmp_path / "two.csv"
    path.write_text("a,b,label\n1,2,no\n3,4,yes\n")  # one row per class: nothing to hold out
    code, err = run(capsys, "train", "--data", str(path), "--epochs", "1")
    assert code == 1 and "validation part is empty" in err and "--val-fraction 0" in err
    assert "no training samples" not in err
    assert run(capsys, "train", "--data", str(path), "--epochs", "1", "--val-fraction", "0",
               "--out", str(tmp_path / "r"))[0] == 0


@pytest.mark.parametrize("step", ["mkstemp", "fsync", "replace"])
def test_a_full_disk_names_the_file_and_what_to_do_never_a_temporary(tmp_path, capsys,
                                                                     monkeypatch, step):
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), *(
            [str(tmp_path / "out" / ".summary.json.abcd1234.tmp")] if step != "fsync" else []))

    target = {"mkstemp": atomic.tempfile, "fsync": atomic.os, "replace": atomic.os}[step]
    monkeypatch.setattr(target, step, full)
    code, err = run(capsys, "train", "--epochs", "1", "--n-samples", "40", "--data", "moons",
                    "--out", str(tmp_path / "out"))
    assert code == 1 and "No space left on device" in err and "free some space" in err
    assert str(tmp_path / "out") in err and ".tmp" not in err, err
    monkeypatch.undo()
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.endswith(".tmp")]


def test_symbolic_link_loops_are_said_plainly(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    os.symlink("b.csv", "a.csv")
    os.symlink("a.csv", "b.csv")
    os.symlink("loop2", "loop1")
    os.symlink("loop1", "loop2")
    for argv in (["train", "--data", "a.csv"], ["train", "--data", "loop1/x.csv"],
                 ["train", "--epochs", "1", "--out", "loop1"],
                 ["landscape", "--steps", "2", "--optimizers", "adam", "--out", "loop1"]):
        code, err = run(capsys, *argv)
        assert code == 1 and ("loop" in err or "leads nowhere" in err), (argv, err)


def test_a_device_is_not_described_by_its_suffix(capsys):
    code, err = run(capsys, "train", "--data", os.devnull)
    assert code == 1 and "not a regular file" in err and "no suffix" not in err


def test_comment_lines_before_the_header_are_skipped(tmp_path, capsys):
    path = tmp_path / "c.csv"
    rows = "".join(f"{i},{i % 3},{i % 2}\n" for i in range(10))
    path.write_text('# exported by "a tool, v2\n\n#  columns: a, b, label\na,b,label\n' + rows)
    code, err = run(capsys, "train", "--data", str(path), "--epochs", "1",
                    "--out", str(tmp_path / "r"))
    assert code == 0, err
    path.write_text("# a comment\na,b,label\n1,2,0\n3,4\n")
    code, err = run(capsys, "train", "--data", str(path), "--epochs", "1")
    assert code == 1 and "line 4" in err  # the file's own line numbers


def _subparsers():
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return sub.choices


@pytest.mark.parametrize("command", list(_subparsers()))
def test_help_shows_each_default_once(command):
    parser = _subparsers()[command]
    formatter = parser._get_formatter()
    for action in parser._actions:
        if not action.help or action.help == argparse.SUPPRESS:
            continue
        text = formatter._expand_help(action)
        assert len(re.findall(r"\(default\b", text)) <= 1, (command, text)
        assert "default: None" not in text and "default: False" not in text, (command, text)


def test_sweep_help_does_not_offer_what_sweep_refuses(capsys):
    text = _subparsers()["sweep"].format_help()
    assert "--lrs" in text and "--seeds" in text
    for flag in ("--lr ", "--seed "):
        assert flag not in text.replace("[", " ").replace("]", " ")
    code, err = run(capsys, "sweep", "--lr", "0.1")
    assert code == 2 and "--lrs" in err


def test_checkpoint_every_0_means_only_at_the_end(tmp_path, capsys):
    assert "0: only once, at the end" in " ".join(_subparsers()["train"].format_help().split())
    out = tmp_path / "r"
    code, err = run(capsys, "train", "--epochs", "2", "--n-samples", "40", "--data", "moons",
                    "--checkpoint-every", "0", "--out", str(out))
    assert code == 0 and (out / "checkpoint.npz").is_file()
    assert run(capsys, "train", "--resume", str(out), "--epochs", "3")[0] == 0


@pytest.mark.parametrize("argv, names", [
    (["schedule", "--epochs", "5"], ["schedule.png"]),
    (["landscape", "--steps", "3", "--optimizers", "adam"], ["landscape.png", "landscape.json"]),
])
def test_a_picture_already_here_is_kept_unless_force(tmp_path, capsys, monkeypatch, argv, names):
    monkeypatch.chdir(tmp_path)
    (tmp_path / names[0]).write_bytes(b"mine")
    code, err = run(capsys, *argv)
    assert code == 1 and names[0] in err and "--out" in err and "--force" in err
    assert (tmp_path / names[0]).read_bytes() == b"mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == [names[0]]  # nothing else written
    assert run(capsys, *argv, "--force")[0] == 0
    assert (tmp_path / names[0]).read_bytes()[:4] != b"mine"
    fresh = tmp_path / "fresh"
    assert run(capsys, *argv, "--out", str(fresh))[0] == 0
    assert sorted(p.name for p in fresh.iterdir()) == sorted(names)
