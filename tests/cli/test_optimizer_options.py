"""``--decay-biases`` and ``--optimizer-arg KEY=VALUE``: the optimizer options without a flag
of their own, checked against the optimizer's signature and typed by its defaults."""

from __future__ import annotations

import json

import pytest

from adamlab.cli import main

SMALL = ["--data", "moons", "--n-samples", "60", "--hidden", "4", "--epochs", "2"]



@pytest.fixture(autouse=True)
def no_pictures(monkeypatch):
    """Figures saved as a placeholder: rendering PNGs is most of these runs' time, and the
    tests look at the weights and settings."""
    from adamlab.rundir import directory

    monkeypatch.setattr(directory, "save_figure",
                        lambda fig, path, dpi=120: directory.atomic_write_bytes(path, b"figure"))


def train(tmp_path, capsys, *argv: str) -> dict:
    out = tmp_path / f"run{len(list(tmp_path.iterdir()))}"
    code = main(["train", *argv, "--out", str(out), "--json", "--quiet"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return json.loads(captured.out)


def refused(capsys, argv: list[str], *fragments: str) -> None:
    assert main([*argv, "--quiet"]) == 2
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if "error" in line]
    assert len(lines) == 1 and "Traceback" not in err, err
    for f in fragments:
        assert f in lines[0], (f, err)


@pytest.mark.parametrize("row, base, args", [
    ("amsgrad", "adam", ["amsgrad=true"]),
    ("nesterov", "sgd", ["momentum=0.9", "nesterov=1"]),
], ids=["amsgrad", "nesterov"])
def test_an_optimizer_arg_reaches_the_optimizer(tmp_path, capsys, row, base, args):
    """A registry variant is its class plus fixed arguments: the same arguments given by hand
    train the same weights (and not those of the plain class)."""
    flags = ["--momentum", "0.9"] if base == "sgd" else []
    given = [a for kv in args if not kv.startswith("momentum") for a in ("--optimizer-arg", kv)]
    variant = train(tmp_path, capsys, *SMALL, "--optimizer", row)
    by_hand = train(tmp_path, capsys, *SMALL, "--optimizer", base, *flags, *given)
    plain = train(tmp_path, capsys, *SMALL, "--optimizer", base, *flags)
    assert by_hand["params_sha256"] == variant["params_sha256"] != plain["params_sha256"]
    assert by_hand["settings"]["optimizer_args"] == {
        k: v for k, v in (("amsgrad", True), ("nesterov", True)) if k in "".join(given)}


@pytest.mark.parametrize("argv, fragments", [
    (["--optimizer", "adam", "--optimizer-arg", "nesterov=true"],
     ["--optimizer-arg nesterov", "adam takes no argument 'nesterov'", "it takes:", "amsgrad"]),
    (["--optimizer", "adam", "--optimizer-arg", "amsgrad=maybe"],
     ["--optimizer-arg amsgrad=maybe", "true or false"]),
    (["--optimizer", "sgd", "--optimizer-arg", "dampening=lots"],
     ["--optimizer-arg dampening=lots", "a number"]),
    (["--optimizer", "sgd", "--optimizer-arg", "dampening=inf"], ["must be finite"]),
    (["--optimizer-arg", "lr=0.1"], ["give it as --lr"]),
    (["--optimizer-arg", "amsgrad"], ["expected KEY=VALUE"]),
], ids=["not taken", "not a bool", "not a number", "infinite", "has a flag", "no value"])
def test_a_bad_optimizer_arg_is_one_line_exit_2(tmp_path, capsys, argv, fragments):
    refused(capsys, ["train", *SMALL, *argv, "--out", str(tmp_path / "x")], *fragments)
    assert not (tmp_path / "x").exists()


def test_compare_and_sweep_check_every_optimizer(tmp_path, capsys):
    for cmd in (["compare", "--seeds", "1"], ["sweep", "--seeds", "1", "--lrs", "0.01"]):
        refused(capsys, [*cmd, *SMALL, "--optimizers", "adam,sgd", "--optimizer-arg",
                         "amsgrad=true", "--out", str(tmp_path / cmd[0])],
                "sgd takes no argument 'amsgrad'")


def test_resume_refuses_an_optimizer_arg_by_its_flag(tmp_path, capsys):
    train(tmp_path, capsys, *SMALL)
    run = next(tmp_path.iterdir())
    refused(capsys, ["train", "--resume", str(run), "--optimizer-arg", "amsgrad=true"],
            "drop --optimizer-arg")


@pytest.mark.parametrize("argv, typed", [
    (["--optimizer", "prodigy", "--optimizer-arg", "d0=1e-5", "--optimizer-arg",
      "safeguard_warmup=true"], {"d0": 1e-5, "safeguard_warmup": True}),
    (["--optimizer", "schedulefree", "--optimizer-arg", "warmup_steps=3"], {"warmup_steps": 3}),
    (["--optimizer", "ademamix", "--betas", "0.9,0.999,0.9999"], {}),
], ids=["prodigy", "schedulefree", "three betas"])
def test_the_new_family_takes_its_hyperparameters_typed(tmp_path, capsys, argv, typed):
    from adamlab.optim import OPTIMIZERS

    if argv[1] not in OPTIMIZERS:
        pytest.skip(f"{argv[1]} is not registered")
    summary = train(tmp_path, capsys, *SMALL, *argv)
    assert summary["settings"]["optimizer_args"] == typed
    assert all(type(summary["settings"]["optimizer_args"][k]) is type(v) for k, v in typed.items())


def test_an_integer_hyperparameter_refuses_a_fraction(tmp_path, capsys):
    from adamlab.optim import OPTIMIZERS

    if "schedulefree" not in OPTIMIZERS:
        pytest.skip("schedulefree is not registered")
    refused(capsys, ["train", *SMALL, "--optimizer", "schedulefree", "--optimizer-arg",
                     "warmup_steps=2.5", "--out", str(tmp_path / "x")],
            "warmup_steps", "a whole number")


def test_a_row_registered_at_run_time_takes_its_own_hyperparameter(tmp_path, capsys):
    """The choices and the arguments are read from the registry when the command runs."""
    from adamlab.optim import OPTIMIZERS, SGD, OptimizerSpec, register

    class Scaled(SGD):
        """SGD with its step scaled by ``gain`` (a test's toy): θ ← θ − gain·α·g."""

        def __init__(self, params, lr=0.05, gain=2.0, weight_decay=0.0):
            super().__init__(params, lr=lr * gain, weight_decay=weight_decay)

    register("toygain", OptimizerSpec(Scaled, {}, "a test's toy", family="sgd"))
    try:
        half = train(tmp_path, capsys, *SMALL, "--optimizer", "toygain", "--lr", "0.1",
                     "--optimizer-arg", "gain=0.5")
        sgd = train(tmp_path, capsys, *SMALL, "--optimizer", "sgd", "--lr", "0.05")
        assert half["params_sha256"] == sgd["params_sha256"]  # 0.5 · 0.1 = 0.05
        refused(capsys, ["train", *SMALL, "--optimizer", "toygain", "--optimizer-arg",
                         "gains=1", "--out", str(tmp_path / "x")], "it takes: gain, lr")
    finally:
        del OPTIMIZERS["toygain"]
