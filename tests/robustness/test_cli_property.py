"""The command line under generated arguments and CSV contents (issue 16, the Proof's property).

Each example writes a small generated CSV into a fresh directory, runs one ``adamlab`` command
in-process with generated options (some valid, some not: bad numbers, unknown names, missing
files, a header that is not one), and asserts:

* no traceback, and no "internal error" (a message that blames adamlab for the user's input);
* an exit status of 0, 1 or 2;
* under ``--json``, stdout is one JSON document (an ``{"error": ...}`` object when it failed);
* no file changed outside the command's output: its ``--out`` (or, without one, a new
  ``runs/<name>`` directory; for landscape and schedule, their new pictures in the current
  directory), ``predict --output``'s file; the data and the model it read stay byte for byte.

Work is bounded by the strategies themselves (at most 12 rows, 3 epochs, 20 range-test steps,
10 landscape steps, widths of 4): there is no timed assertion. Bounded and derandomised in the
suite; ``ADAMLAB_PROPERTY_EXAMPLES=500`` explores afresh.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adamlab.cli import main

_EXPLORE = int(os.environ.get("ADAMLAB_PROPERTY_EXAMPLES", "0"))
SETTINGS = settings(max_examples=_EXPLORE or 30, deadline=None, derandomize=not _EXPLORE,
                    suppress_health_check=list(HealthCheck))

# ----------------------------------------------------------------------------- the data
CELLS = st.one_of(
    st.integers(-3, 3).map(str),
    st.floats(-10, 10, allow_nan=False).map(lambda v: f"{v:.3g}"),
    st.sampled_from(["", "nan", "inf", "-inf", "1e308", "yes", "no", "x y", '"q"', "#", "é"]),
)
HEADER = st.lists(st.sampled_from(["a", "b", "label", "c", "", "#a", "a b"]), min_size=1,
                  max_size=4)


@st.composite
def csv_text(draw) -> str:
    header = draw(HEADER)
    width = st.integers(max(1, len(header) - 1), len(header) + 1)
    rows = draw(st.lists(st.lists(CELLS, min_size=1, max_size=5).filter(bool), max_size=12))
    rows = [row[: draw(width)] for row in rows]
    lines = [",".join(header)] + [",".join(row) for row in rows]
    if draw(st.booleans()):
        lines.insert(0, draw(st.sampled_from(["# a comment", "", "#x,y"])))
    return "\n".join(lines) + draw(st.sampled_from(["\n", "", "\n\n"]))


# ------------------------------------------------------------------------- the options
def opt(flag: str, *values: str):
    return st.sampled_from(values).map(lambda v: [flag, v])


TRAINING = [
    opt("--epochs", "1", "2", "3", "0", "-1", "x", ""),
    opt("--hidden", "4", "2,2", "none", "0", "", "x", "-4", "4,"),
    opt("--lr", "0.01", "1e12", "0", "-1", "nan", "abc"),
    opt("--batch-size", "1", "4", "full", "0", "x"),
    opt("--val-fraction", "0", "0.2", "0.5", "0.99", "1", "-0.1"),
    opt("--optimizer", "adam", "sgd", "lion", "muon", "adma"),
    opt("--target", "label", "a", "nope", ""),
    opt("--activation", "relu", "tanh", "swish"),
    opt("--dtype", "float32", "float64", "float16"),
    opt("--early-stopping", "1", "0"),
    opt("--schedule", "cosine", "step", "plateau", "linear"),
    opt("--seed", "0", "1", "-1"),
    opt("--betas", "0.9,0.999", "0.9", "1,1"),
    opt("--weight-decay", "0", "0.1", "-1"),
    opt("--clip-norm", "1", "0"),
    opt("--checkpoint-every", "0", "1", "2"),
    opt("--optimizer-arg", "d0=1e-6", "nonsense", "lr=1"),
    st.just(["--no-standardize"]),
    st.just(["--bogus"]),
]
DATA = st.sampled_from([["--data", "data.csv"], ["--data", "data.csv"],
                        ["--data", "moons", "--n-samples", "20"], ["--data", "missing.csv"],
                        ["--data", "data"], ["--data", "moons", "--n-samples", "0"]])
OUT = st.sampled_from([[], ["--out", "out"], ["--out", "out"], ["--out", "data.csv"],
                       ["--out", "runs"]])


@st.composite
def command(draw) -> list[str]:
    name = draw(st.sampled_from(["train", "train", "predict", "compare", "sweep", "lr-find",
                                 "landscape", "schedule", "optimizers"]))
    extra = [a for o in draw(st.lists(st.one_of(*TRAINING), max_size=4)) for a in o]
    if name == "train":
        argv = ["train", *draw(DATA), *extra, *draw(OUT)]
        if "--epochs" not in argv:
            argv += ["--epochs", "2"]
    elif name == "predict":
        argv = ["predict", "--model", draw(st.sampled_from(["model", "missing", "data.csv"])),
                "--data", draw(st.sampled_from(["data.csv", "moons", "missing.csv"]))]
        argv += draw(st.sampled_from([[], ["--output", "out/p.csv"], ["--output", "p.csv"],
                                      ["--target", "label"], ["--output", "data.csv"]]))
    elif name in ("compare", "sweep"):
        grid = draw(st.sampled_from(["adam", "adam,sgd", "adma", ""]))
        argv = [name, "--optimizers", grid, "--seeds", draw(st.sampled_from(["1", "0", "x"])),
                *draw(DATA), *extra, *draw(OUT)]
        if name == "sweep":
            argv += ["--lrs", draw(st.sampled_from(["0.01", "0.01,0.1", "0", "x", ""]))]
        if "--epochs" not in argv:
            argv += ["--epochs", "1"]
    elif name == "lr-find":
        argv = ["lr-find", "--steps", draw(st.sampled_from(["20", "5", "x"])), "--seeds", "1",
                *draw(DATA), *draw(OUT)]
    elif name == "landscape":
        argv = ["landscape", "--steps", draw(st.sampled_from(["3", "10", "0", "-1", "x"])),
                "--optimizers", draw(st.sampled_from(["adam", "adam,sgd", "muon", "foo"])),
                *draw(st.sampled_from([[], ["--function", "beale"], ["--function", "sphere"],
                                       ["--force"], ["--animate"]])), *draw(OUT)]
    elif name == "schedule":
        argv = ["schedule", "--epochs", draw(st.sampled_from(["1", "5", "0", "x"])),
                *draw(st.sampled_from([[], ["--schedule", "step"], ["--schedule", "plateau"],
                                       ["--warmup", "3"], ["--gamma", "0"], ["--force"]])),
                *draw(OUT)]
    else:
        argv = ["optimizers", *draw(st.sampled_from([[], ["--markdown"], ["--bogus"]]))]
    return argv + (["--json"] if draw(st.booleans()) else ["--quiet"])


# --------------------------------------------------------------------------- the check
def snapshot(root: Path) -> dict[str, str]:
    """Every file and directory under ``root`` (links not followed), with a content hash."""
    state = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames:
            state[os.path.relpath(os.path.join(dirpath, name), root) + "/"] = "dir"
        for name in filenames:
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, root)
            with open(path, "rb") as f:
                state[rel] = hashlib.sha256(f.read()).hexdigest()
    return state


PICTURES = ("landscape.png", "landscape.json", "landscape.gif", "schedule.png")


def allowed(rel: str, argv: list[str], before: dict[str, str]) -> bool:
    """Whether the command may have created or changed ``rel`` (a path relative to its cwd)."""
    if rel == "data.csv" or rel.startswith("model/"):
        return False  # what it reads
    top = rel.split("/")[0]
    if argv[0] == "predict":
        return "--output" in argv and rel == argv[argv.index("--output") + 1]
    if "--out" in argv:
        return top == argv[argv.index("--out") + 1]
    if argv[0] in ("train", "compare", "sweep", "lr-find"):
        return top == "runs"  # a new runs/<time>-<name>: there was no runs/ before
    if argv[0] in ("landscape", "schedule"):
        return rel in PICTURES and (rel not in before or "--force" in argv)
    return False


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("model")
    csv = d / "train.csv"
    csv.write_text("a,b,label\n" + "".join(f"{i % 5},{i % 3},{i % 2}\n" for i in range(20)))
    assert main(["train", "--data", str(csv), "--epochs", "2", "--hidden", "4",
                 "--out", str(d / "model"), "--quiet"]) == 0
    return d / "model"


@SETTINGS
@given(text=csv_text(), argv=command())
def test_the_cli_under_generated_input_fails_cleanly_and_only_writes_its_output(model_dir, text,
                                                                                argv):
    import shutil

    cwd = os.getcwd()
    with tempfile.TemporaryDirectory() as d:
        root = Path(d)
        (root / "data.csv").write_text(text, encoding="utf-8")
        shutil.copytree(model_dir, root / "model")
        before = snapshot(root)
        out, err = io.StringIO(), io.StringIO()
        os.chdir(root)
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = main(argv)
        finally:
            os.chdir(cwd)
        after = snapshot(root)
    stdout, stderr = out.getvalue(), err.getvalue()
    shown = f"argv {argv}\ncsv {text!r}\nstderr {stderr[-600:]}"
    assert "Traceback" not in stdout + stderr, shown
    assert "internal error" not in stderr, shown
    assert code in (0, 1, 2), shown
    if "--json" in argv:
        doc = json.loads(stdout)
        assert isinstance(doc, dict) and (code == 0) != isinstance(doc.get("error"), dict), shown
    changed = sorted(k for k in after.keys() | before.keys() if after.get(k) != before.get(k))
    outside = [k for k in changed if k not in after or not allowed(k, argv, before)]
    assert not outside, f"changed outside the output: {outside}\n{shown}"
