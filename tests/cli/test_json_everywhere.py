"""``--json`` means one JSON document on stdout, always (issue 16 §3).

Every command of the parser is run under ``--json`` failing (a usage error argparse finds, and
a runtime error where the command has one) and, where a run is quick, succeeding; stdout must be
one JSON document each time, a failure an ``{"error": {...}}`` object with the exit status the
same command gives without ``--json``.
"""

from __future__ import annotations

import argparse
import json
import socket

import numpy as np
import pytest

from adamlab.cli import build_parser, main

TINY = ["--data", "moons", "--n-samples", "40", "--epochs", "1"]

SUCCEEDS = {
    "train": ["train", *TINY, "--out", "{d}/t"],
    "predict": ["predict", "--model", "{run}", "--data", "{d}/features.csv"],
    "compare": ["compare", "--optimizers", "adam", "--seeds", "1", *TINY, "--out", "{d}/c"],
    "sweep": ["sweep", "--optimizers", "adam", "--lrs", "0.01", "--seeds", "1", *TINY,
              "--out", "{d}/s"],
    "lr-find": ["lr-find", "--steps", "20", "--seeds", "1", "--data", "moons",
                "--n-samples", "40", "--out", "{d}/l"],
    "landscape": ["landscape", "--optimizers", "adam", "--steps", "5", "--out", "{d}/ls"],
    "schedule": ["schedule", "--epochs", "5", "--out", "{d}/sc"],
    "article": ["article"],
    "optimizers": ["optimizers"],
}
#: Commands not run to success here, and why.
NOT_RUN = {"explore": "serves until Ctrl-C (its failure is tested)",
           "paper": "a quick paper still takes > 10 s",
           "bench": "tunes every optimizer on a suite of workloads: minutes"}

FAILS = {  # a runtime failure (exit 1) of each command that has one
    "train": ["train", "--data", "{d}/missing.csv"],
    "predict": ["predict", "--model", "{d}/norun", "--data", "moons"],
    "compare": ["compare", "--data", "{d}/missing.csv"],
    "sweep": ["sweep", "--data", "{d}/missing.csv"],
    "lr-find": ["lr-find", "--data", "{d}/missing.csv"],
    "landscape": ["landscape", "--out", "{d}/taken"],
    "schedule": ["schedule", "--out", "{d}/taken"],
    "article": ["article", "--out", "{d}/a-file"],
    "explore": ["explore", "--port", "{port}"],
}


def commands() -> list[str]:
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return list(sub.choices)


@pytest.fixture(scope="module")
def place(tmp_path_factory):
    d = tmp_path_factory.mktemp("json")
    run = d / "run"
    assert main([*SUCCEEDS["train"][:-2], "--out", str(run), "--quiet"]) == 0
    rng = np.random.default_rng(0)
    (d / "features.csv").write_text("x0,x1\n" + "".join(f"{a},{b}\n"
                                                        for a, b in rng.normal(size=(5, 2))))
    (d / "taken").mkdir()
    for name in ("landscape.png", "landscape.json", "schedule.png"):
        (d / "taken" / name).write_text("mine")
    (d / "a-file").write_text("not a directory")
    return d, run


def fill(argv, place, port=0):
    d, run = place
    return [a.format(d=d, run=run, port=port) for a in argv]


def run_json(capsys, argv):
    code = main([*argv, "--json"])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    try:
        return code, json.loads(out), err
    except ValueError:
        pytest.fail(f"{argv}: stdout is not one JSON document: {out[:300]!r}")


def test_every_command_is_covered():
    assert set(commands()) <= set(SUCCEEDS) | set(NOT_RUN), "a new command needs a case here"


@pytest.mark.parametrize("command", commands())
def test_a_usage_error_under_json_is_an_error_object(capsys, command):
    code, doc, err = run_json(capsys, [command, "--no-such-option"])
    assert code == 2 and doc["error"]["exit_code"] == 2 and doc["error"]["kind"] == "usage"
    assert doc["error"]["command"] == f"adamlab {command}"
    assert main([command, "--no-such-option"]) == 2  # the same status without --json
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("argv", [["train", "--lr", "abc"], ["train", "--epochs", "0"],
                                  ["landscape", "--function", "sphere"], ["frobnicate"],
                                  ["paper", "no-such-paper"]])
def test_a_bad_value_under_json_is_an_error_object(capsys, argv):
    code, doc, _ = run_json(capsys, argv)
    assert code == 2 and (doc["error"]["kind"], doc["error"]["exit_code"]) == ("usage", 2)
    assert argv[-1] in doc["error"]["message"]


@pytest.mark.parametrize("command", sorted(FAILS))
def test_a_runtime_failure_under_json_is_an_error_object(capsys, place, command):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        argv = fill(FAILS[command], place, port=busy.getsockname()[1])
        code, doc, err = run_json(capsys, argv)
        assert code == 1 and doc["error"]["exit_code"] == 1, doc
        assert doc["error"]["kind"] in ("run", "data", "os", "checkpoint", "value")
        assert doc["error"]["message"] in err  # the same line on stderr, for a person
        assert main(argv) == 1
        assert capsys.readouterr().out == ""
    if command in ("landscape", "schedule"):
        assert (place[0] / "taken" / "schedule.png").read_text() == "mine"


@pytest.mark.parametrize("command", sorted(SUCCEEDS))
def test_a_success_under_json_is_the_command_s_own_document(capsys, place, command):
    code, doc, _ = run_json(capsys, fill(SUCCEEDS[command], place))
    assert code == 0 and isinstance(doc, dict)
    assert not isinstance(doc.get("error"), dict), doc  # not a failure
    assert "stdout" not in doc, doc  # its own JSON, not text wrapped


def test_predict_json_holds_the_predictions_and_output_takes_the_csv(capsys, place):
    d, run = place
    code, doc, _ = run_json(capsys, fill(SUCCEEDS["predict"], place))
    assert code == 0 and doc["rows"] == 5 and len(doc["labels"]) == 5
    assert len(doc["probabilities"]) == 5 and set(doc["labels"]) <= set(doc["classes"])
    code, doc, _ = run_json(capsys, [*fill(SUCCEEDS["predict"], place),
                                     "--output", str(d / "p.csv")])
    assert code == 0 and "labels" not in doc and doc["output"] == str(d / "p.csv")
    assert (d / "p.csv").read_text().count("\n") == 6  # header + 5 rows


def test_help_under_json_is_a_document(capsys):
    code, doc, _ = run_json(capsys, ["train", "--help"])
    assert code == 0 and "--epochs" in doc["help"]


def test_no_command_under_json_is_a_usage_error(capsys):
    code, doc, _ = run_json(capsys, [])
    assert code == 2 and doc["error"]["kind"] == "usage"


def test_json_output_is_strict_json_nan_becomes_null(capsys, monkeypatch):
    from adamlab.optim import table

    monkeypatch.setattr(table, "rows", lambda: [{"name": "x", "loss": float("nan"),
                                                 "top": float("inf")}])
    assert main(["optimizers", "--json"]) == 0
    out = capsys.readouterr().out
    assert "NaN" not in out and "Infinity" not in out
    assert json.loads(out) == {"optimizers": [{"name": "x", "loss": None, "top": None}]}
