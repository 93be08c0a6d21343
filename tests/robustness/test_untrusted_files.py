"""Files from strangers: a hostile checkpoint is refused with one clear line and runs nothing.

Each case below turns a valid file into a hostile one; every case goes through the library
(``Trainer.from_checkpoint``) and through the command line (``adamlab train --resume DIR`` and
``adamlab predict --model DIR``). Refused means: a ``CheckpointError`` naming the file, or for
the CLI exit status 1 with exactly one ``error`` line, no traceback, no "internal error", the
directory left as it was, and a pickle payload's marker file never created.
"""

from __future__ import annotations

import copy
import functools
import io
import json
import os
import re
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest
from robustkit import (
    assert_one_clear_line,
    blobs,
    first_array,
    npy_bytes,
    npy_header,
    pickled_npy,
    read_members,
    replace_member,
    run_cli,
    small_trainer,
    with_meta,
    with_meta_bytes,
    write_members,
)

from adamlab.train import CheckpointError, Trainer

DEFLATE = "deflate"  # a mutation may return (DEFLATE, members): the archive is compressed


# ------------------------------------------------------------------------ mutations
# Each takes (raw bytes of a valid file, its members, a marker path, its metadata) and returns
# the hostile file: bytes, a list of members (stored), or (DEFLATE, members).
def meta_edit(edit):
    def mutate(raw, members, marker, meta):
        new = copy.deepcopy(meta)
        edit(new)
        return with_meta(members, new)

    return mutate


def json_text(edit):
    def mutate(raw, members, marker, meta):
        return with_meta_bytes(members, edit(json.dumps(meta)).encode())

    return mutate


def raw_meta(blob: bytes):
    return lambda raw, members, marker, meta: with_meta_bytes(members, blob)


def array_edit(fn):
    """Replace the first array (``params`` in a checkpoint) by ``fn(its value)``."""

    def mutate(raw, members, marker, meta):
        name = first_array(members)
        value = np.load(io.BytesIO(dict(members)[name]))
        return replace_member(members, name, npy_bytes(fn(value)))

    return mutate


def array_bytes(make):
    """Replace the first array's member by the bytes ``make()`` returns."""

    def mutate(raw, members, marker, meta):
        return replace_member(members, first_array(members), make())

    return mutate


def named_array_edit(prefix, fn):
    """Replace the first array whose name starts with ``prefix`` by ``fn(its value)``."""

    def mutate(raw, members, marker, meta):
        name = next(n for n, _ in members if n.startswith(prefix))
        value = np.load(io.BytesIO(dict(members)[name]))
        return replace_member(members, name, npy_bytes(fn(value)))

    return mutate


def rename_first(new_name):
    def mutate(raw, members, marker, meta):
        name = first_array(members)
        return [(new_name(n) if n == name else n, b) for n, b in members]

    return mutate


def set_item(value):
    """``value`` at index 0 of a copy of an array."""

    def fn(a):
        a = a.astype(np.float64).copy()
        a.flat[0] = value
        return a

    return fn


@functools.cache
def _zeros_npy() -> bytes:
    return npy_bytes(np.zeros(4_000_000))


def zip_bomb(raw, members, marker, meta):
    # 32 MB of zeros that deflate to ~32 kB: a 1000-fold expansion
    return DEFLATE, replace_member(members, first_array(members), _zeros_npy())


GENERIC = {
    # not an archive, or a torn one
    "empty file": lambda raw, m, k, meta: b"",
    "not a zip": lambda raw, m, k, meta: b"#!/bin/sh\nrm -rf ~\n",
    "truncated half": lambda raw, m, k, meta: raw[: len(raw) // 2],
    "truncated tail": lambda raw, m, k, meta: raw[:-7],
    # pickles: each would create the marker file if unpickled
    "pickle in array": lambda raw, m, marker, meta: replace_member(
        m, first_array(m), pickled_npy(marker)),
    "pickle in metadata": lambda raw, m, marker, meta: replace_member(
        m, "__meta__.npy", pickled_npy(marker)),
    "pickle as extra member": lambda raw, m, marker, meta: m + [("extra.npy", pickled_npy(marker))],
    # members that are not what they say
    "member not .npy data": array_bytes(lambda: b"just some bytes"),
    "metadata not .npy data": lambda raw, m, k, meta: replace_member(
        m, "__meta__.npy", json.dumps(meta).encode()),
    "member without .npy suffix": rename_first(lambda n: n[:-4]),
    "member path ../..": rename_first(lambda n: "../../" + n),
    "member path absolute": rename_first(lambda n: "/tmp/" + n),
    "member path nested": rename_first(lambda n: "sub/dir/" + n),
    "member twice": lambda raw, m, k, meta: m + [(first_array(m), npy_bytes(np.zeros(3)))],
    "extra member": lambda raw, m, k, meta: m + [("sneaky.npy", npy_bytes(np.zeros(3)))],
    "missing member": lambda raw, m, k, meta: [x for x in m if x[0] != first_array(m)],
    "no metadata": lambda raw, m, k, meta: [x for x in m if x[0] != "__meta__.npy"],
    # sizes: refused before any allocation
    "declared shape 8 PB": array_bytes(lambda: npy_header((10**15,), payload=bytes(64))),
    "declared shape beyond data": array_bytes(lambda: npy_header((200_000_000,), payload=bytes(8))),
    "declared shape negative": array_bytes(lambda: npy_header((-1,), payload=bytes(8))),
    "header 100 MB": array_bytes(
        lambda: npy_header((3,), version=(2, 0))[:8] + (10**8).to_bytes(4, "little") + b"{"),
    "zip bomb": zip_bomb,
    # dtypes that are not plain numbers, values that are not finite
    "complex array": array_edit(lambda a: a.astype(complex)),
    "structured array": array_edit(lambda a: np.zeros(a.shape, dtype=[("x", "<f8")])),
    "string array": array_edit(lambda a: a.astype(str)),
    "datetime array": array_edit(lambda a: np.zeros(a.shape, dtype="M8[s]")),
    "NaN in array": array_edit(set_item(np.nan)),
    "inf in array": array_edit(set_item(-np.inf)),
    # metadata that is not JSON, or JSON that adamlab never writes
    "metadata not JSON": raw_meta(b"{'format': 'adamlab-checkpoint'"),
    "metadata not UTF-8": raw_meta(b"\xff\xfe\x00{"),
    "metadata a list": raw_meta(b"[1, 2, 3]"),
    "metadata nested 100k deep": raw_meta(b"[" * 100_000 + b"]" * 100_000),
    "metadata NaN": json_text(lambda t: t[:-1] + ', "note": NaN}'),
    "metadata Infinity": json_text(lambda t: t[:-1] + ', "note": -Infinity}'),
    "metadata 5000-digit int": json_text(lambda t: t[:-1] + ', "note": ' + "7" * 5000 + "}"),
    "metadata format": meta_edit(lambda m: m.update(format="numpy-pickle")),
    "metadata version": meta_edit(lambda m: m.update(version=99)),
    "metadata arrays int": meta_edit(lambda m: m.update(arrays=5)),
    "metadata arrays nested": meta_edit(lambda m: m.update(arrays=[["params"]])),
    "metadata arrays dict": meta_edit(lambda m: m.update(arrays={"params": 1})),
}


def _opt(m):
    return m["optimizer"]


TRAINER = {
    "params wrong length": array_edit(lambda a: a[:3]),
    "params 2-D": array_edit(lambda a: a.reshape(1, -1)),
    "optimizer class os.system": meta_edit(lambda m: _opt(m).update({"class": "os.system"})),
    "optimizer class a list": meta_edit(lambda m: _opt(m).update({"class": ["Adam"]})),
    "optimizer step negative": meta_edit(lambda m: _opt(m)["scalars"]["0"].update(step=-1)),
    "optimizer lr negative": meta_edit(lambda m: _opt(m)["param_groups"][0].update(lr=-1)),
    "optimizer lr text": meta_edit(lambda m: _opt(m)["param_groups"][0].update(lr="0.1; rm")),
    "optimizer no groups": meta_edit(lambda m: _opt(m).update(param_groups=[])),
    "dtype object": meta_edit(lambda m: m.update(dtype="object")),
    "dtype nonsense": meta_edit(lambda m: m.update(dtype="__import__('os')")),
    "hidden negative": meta_edit(lambda m: m["model"].update(hidden=[-4])),
    "activation unknown": meta_edit(lambda m: m["model"].update(activation="eval")),
    "model config a list": meta_edit(lambda m: m.update(model=["n_inputs", 2])),
    "rng of another kind": meta_edit(lambda m: m["rng"].update(shuffle={"bit_generator": "os"})),
    "schedule unknown": meta_edit(lambda m: m["trainer"].update(schedule="exec")),
    "batch size 0": meta_edit(lambda m: m["trainer"].update(batch_size=0)),
    "seed text": meta_edit(lambda m: m["trainer"].update(seed="x")),
    "partial without arrays": meta_edit(lambda m: m.update(partial={"batch": 1})),
    # counters that are not counts, arrays of another dtype: refused, not truncated or cast
    "trainer step negative": meta_edit(lambda m: m.update(step=-5)),
    "epoch negative": meta_edit(lambda m: m.update(epoch=-3)),
    "epoch fractional": meta_edit(lambda m: m.update(epoch=0.5)),
    "epoch true": meta_edit(lambda m: m.update(epoch=True)),
    "epoch 2**63": meta_edit(lambda m: m.update(epoch=2**63)),
    "step 10**400": meta_edit(lambda m: m.update(step=10**400)),
    "schedule epochs fractional": meta_edit(lambda m: m["schedule_state"].update(epochs=2.5)),
    "params int64 for float64": array_edit(lambda a: np.round(a).astype(np.int64)),
    "params float32 for float64": array_edit(lambda a: a.astype(np.float32)),
    "optimizer moment int64": named_array_edit("optimizer.", lambda a: a.astype(np.int64)),
    # containers of the wrong JSON type: a CheckpointError naming the field, no AttributeError
    "history a list": meta_edit(lambda m: m.update(history=[1])),
    "history epochs a list": meta_edit(lambda m: m["history"].update(epochs=[1])),
    "history column of text": meta_edit(lambda m: m["history"]["epochs"].update(loss=["x"])),
    "callbacks a list": meta_edit(lambda m: m.update(callbacks=["EarlyStopping"])),
    "callback state a list": meta_edit(lambda m: m.update(callbacks={"EarlyStopping": [1]})),
    "early stopping wait text": meta_edit(lambda m: m.update(callbacks={"EarlyStopping": {
        "best": 0.3, "best_epoch": 1, "wait": "3", "stopped_epoch": None}})),
    "early stopping best missing": meta_edit(lambda m: m.update(callbacks={"EarlyStopping": {
        "best_epoch": 1, "wait": 0, "stopped_epoch": None}})),
    "optimizer scalars a list": meta_edit(lambda m: _opt(m).update(scalars=[1])),
    "optimizer scalars of numbers": meta_edit(lambda m: _opt(m).update(scalars={"0": 1})),
    "rng a list": meta_edit(lambda m: m.update(rng=[1])),
    "extra a string": meta_edit(lambda m: m.update(extra="x")),
}
# The cases whose message must also say which field is wrong and what it must be.
FIELD_MESSAGES = {
    "trainer step negative": ["'step'", "integer >= 0"],
    "epoch negative": ["'epoch'", "integer >= 0"],
    "epoch fractional": ["'epoch'", "integer >= 0", "0.5"],
    "epoch true": ["'epoch'", "integer >= 0", "boolean"],
    "epoch 2**63": ["'epoch'", "< 2**63"],
    "step 10**400": ["'step'", "< 2**63"],
    "schedule epochs fractional": ["'schedule_state.epochs'", "integer >= 0"],
    "params int64 for float64": ["'params'", "int64", "float64"],
    "params float32 for float64": ["'params'", "float32", "float64"],
    "optimizer moment int64": ["'optimizer.", "int64", "float64"],
    "history a list": ["'history'", "JSON object", "array"],
    "callbacks a list": ["'callbacks'", "JSON object", "array"],
    "callback state a list": ["'callbacks.EarlyStopping'", "JSON object"],
    "early stopping wait text": ["'callbacks.EarlyStopping.wait'", "integer >= 0", "string"],
    "early stopping best missing": ["'callbacks.EarlyStopping.best'", "missing"],
    "optimizer scalars a list": ["'optimizer.scalars'", "JSON object", "array"],
    "optimizer scalars of numbers": ["'optimizer.scalars.0'", "JSON object"],
    "rng a list": ["'rng'", "JSON object"],
    "extra a string": ["'extra'", "JSON object"],
}

CASES = [pytest.param(name, fn, id=name) for name, fn in {**GENERIC, **TRAINER}.items()]


# -------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def valid_run(tmp_path_factory):
    """A run directory written by ``adamlab train`` (its checkpoint is the file we tamper with)."""
    out = tmp_path_factory.mktemp("valid") / "run"
    code, _, err = run_cli(["train", "--epochs", "1", "--out", str(out), "--quiet"])
    assert code == 0, err
    return out


def hostile(valid_file: Path, mutate, folder: Path) -> tuple[Path, Path]:
    """Write ``folder/checkpoint.npz`` from ``mutate``; return it and the payload marker."""
    folder.mkdir(parents=True, exist_ok=True)
    marker = folder.parent / f"{folder.name}.PAYLOAD_RAN"
    raw = valid_file.read_bytes()
    members = read_members(valid_file)
    meta = json.loads(np.load(io.BytesIO(dict(members)["__meta__.npy"])).tobytes())
    result = mutate(raw, members, marker, meta)
    path = folder / "checkpoint.npz"
    if isinstance(result, bytes):
        path.write_bytes(result)
    elif isinstance(result, tuple):
        write_members(path, result[1], zipfile.ZIP_DEFLATED)
    else:
        write_members(path, result)
    return path, marker


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir()}


# ----------------------------------------------------------------------------- tests
def test_the_payload_is_live(tmp_path):
    """Control: unpickling the payload used below really creates its marker file."""
    marker = tmp_path / "ran"
    np.load(io.BytesIO(pickled_npy(marker)), allow_pickle=True)
    assert marker.exists()


def test_every_case_starts_from_a_loadable_file(valid_run):
    t = Trainer.from_checkpoint(valid_run / "checkpoint.npz")
    assert t.epoch == 1


@pytest.mark.parametrize("name, mutate", CASES)
def test_library_refuses(valid_run, tmp_path, name, mutate):
    path, marker = hostile(valid_run / "checkpoint.npz", mutate, tmp_path / "run")
    with pytest.raises(CheckpointError) as info:
        Trainer.from_checkpoint(path)
    message = str(info.value)
    assert message and "\n" not in message, message
    if name not in UNNAMED:
        assert str(path) in message, message
    assert not marker.exists(), "the file ran code"


# CheckpointErrors raised inside Trainer._from_state name the file too.
UNNAMED = ["params wrong length", "params 2-D", "optimizer class os.system", "dtype object"]


@pytest.mark.parametrize("name", UNNAMED)
def test_library_refusals_name_the_file(valid_run, tmp_path, name):
    path, _ = hostile(valid_run / "checkpoint.npz", TRAINER[name], tmp_path / "run")
    with pytest.raises(CheckpointError, match=str(path)):
        Trainer.from_checkpoint(path)


@pytest.mark.parametrize("name", list(FIELD_MESSAGES))
def test_refusals_say_which_field_and_what_it_must_be(valid_run, tmp_path, name):
    path, _ = hostile(valid_run / "checkpoint.npz", TRAINER[name], tmp_path / "run")
    with pytest.raises(CheckpointError) as info:
        Trainer.from_checkpoint(path)
    for fragment in FIELD_MESSAGES[name]:
        assert fragment in str(info.value), (fragment, str(info.value))


@pytest.mark.parametrize("name, mutate", CASES)
def test_resume_refuses(valid_run, tmp_path, name, mutate):
    path, marker = hostile(valid_run / "checkpoint.npz", mutate, tmp_path / "run")
    before = snapshot(path.parent)
    result = run_cli(["train", "--resume", str(path.parent), "--epochs", "3", "--quiet"])
    assert_one_clear_line(*result, fragments=["--resume"])
    assert not marker.exists(), "the file ran code"
    assert snapshot(path.parent) == before, "a refused resume changed the run directory"


@pytest.mark.parametrize("name, mutate", CASES)
def test_predict_refuses(valid_run, tmp_path, name, mutate):
    path, marker = hostile(valid_run / "checkpoint.npz", mutate, tmp_path / "run")
    result = run_cli(["predict", "--model", str(path.parent), "--data", "article", "--quiet"])
    assert_one_clear_line(*result, fragments=["--model"])
    assert result[1] == "", "predict wrote predictions from a refused model"
    assert not marker.exists(), "the file ran code"


# ------------------------------------------------------------ a checkpoint taken mid-epoch
def _mid_epoch_state(dtype=np.float64):
    """``Trainer.state()`` of a run stopped after 2 of an epoch's 4 batches."""
    from adamlab.train import Callback

    class Stop(Exception):
        pass

    class StopAt2(Callback):
        def on_batch_end(self, step, logs):
            if step == 2:
                raise Stop

    t = small_trainer(dtype=dtype, epochs=0)
    X, y = blobs()
    with pytest.raises(Stop):
        t.fit(X.astype(dtype), y, epochs=1, callbacks=[StopAt2()])
    arrays, meta = t.state()
    return arrays, json.loads(json.dumps(meta))


def _set(key, value):
    return lambda arrays, meta: arrays.__setitem__(key, value(arrays[key]))


def _swap_first_two(perm):
    perm = perm.copy()
    perm[0] = perm[1]
    return perm


MID_EPOCH = {
    "perm with a row twice": (_set("partial.perm", _swap_first_two), "permutation"),
    "perm of floats": (_set("partial.perm", lambda p: p.astype(np.float64)), "permutation"),
    "perm 2-D": (_set("partial.perm", lambda p: p.reshape(1, -1)), "permutation"),
    "theta_start float32": (_set("partial.theta_start", lambda a: a.astype(np.float32)),
                            "'partial.theta_start' has dtype float32"),
    "theta_start short": (_set("partial.theta_start", lambda a: a[:3]), "shape"),
    "theta_start missing": (lambda arrays, meta: arrays.pop("partial.theta_start"),
                            "'partial.theta_start'"),
    "batch fractional": (lambda arrays, meta: meta["partial"].update(batch=1.5),
                         "'partial.batch' must be an integer >= 0"),
    "batch negative": (lambda arrays, meta: meta["partial"].update(batch=-1),
                       "'partial.batch' must be an integer >= 0"),
    "loss_sum text": (lambda arrays, meta: meta["partial"].update(loss_sum="1"),
                      "'partial.loss_sum' must be a number"),
    "partial a list": (lambda arrays, meta: meta.update(partial=[2]),
                       "'partial' must be a JSON object or null"),
}


def test_a_mid_epoch_state_loads_and_finishes_its_epoch():
    """Control for the table below: the untouched state loads where it stopped."""
    arrays, meta = _mid_epoch_state()
    t = Trainer.from_state(arrays, meta)
    assert t.position.batch == 2 and t.step_count == 2
    X, y = blobs()
    t.fit(X, y, epochs=1)
    assert t.epoch == 1 and t.step_count == 4


@pytest.mark.parametrize("edit, fragment", list(MID_EPOCH.values()), ids=list(MID_EPOCH))
def test_a_tampered_mid_epoch_state_is_refused(edit, fragment):
    arrays, meta = _mid_epoch_state()
    edit(arrays, meta)
    with pytest.raises(CheckpointError, match=re.escape(fragment)):
        Trainer.from_state(arrays, meta)


# Files that load as checkpoints but whose run description (``extra``) is tampered with: only
# ``predict`` reads those parts, and it says what is wrong in one line, naming the field.
PREDICT_CASES = {
    "data without feature_names": (lambda m: m["extra"]["data"].pop("feature_names"),
                                   "'extra.data.feature_names'"),
    "data a string": (lambda m: m["extra"].update(data="x"), "'extra.data' must be a JSON object"),
    "feature_names a number": (lambda m: m["extra"]["data"].update(feature_names=5),
                               "'extra.data.feature_names' must be a list of 2 strings"),
    "feature_names one short": (lambda m: m["extra"]["data"]["feature_names"].pop(),
                                "'extra.data.feature_names' must be a list of 2 strings"),
    "feature_names of numbers": (lambda m: m["extra"]["data"].update(feature_names=[1, 2]),
                                 "'extra.data.feature_names'"),
    "classes shorter than outputs": (lambda m: m["extra"]["data"].update(classes=[]),
                                     "'extra.data.classes' must be a list of the 2 class labels"),
    "classes of objects": (lambda m: m["extra"]["data"].update(classes=[{}, []]),
                           "'extra.data.classes'"),
    "task not the model's": (lambda m: m["extra"]["data"].update(task="regression"),
                             "'extra.data.task' must be 'binary'"),
    "settings missing": (lambda m: m["extra"].pop("settings"), "'extra.settings'"),
    "target a number": (lambda m: m["extra"].update(target=7), "'extra.target' must be a string"),
    "standardizer a list": (lambda m: m["extra"].update(standardizer=[1]),
                            "'extra.standardizer'"),
    "standardizer of one column": (lambda m: m["extra"].update(
        standardizer={"mean": [0.0], "scale": [1.0]}), "'extra.standardizer' has 1 column(s)"),
}


@pytest.mark.parametrize("edit, fragment", list(PREDICT_CASES.values()), ids=list(PREDICT_CASES))
def test_predict_refuses_a_tampered_run_description(valid_run, tmp_path, edit, fragment):
    path, _ = hostile(valid_run / "checkpoint.npz", meta_edit(edit), tmp_path / "run")
    result = run_cli(["predict", "--model", str(path.parent), "--data", "article", "--quiet"])
    assert_one_clear_line(*result, fragments=["--model", fragment])
    assert result[1] == "", "predict wrote predictions from a refused model"


def test_predict_reads_the_untouched_run_description(valid_run):
    """Control for the table above: the same run predicts, one row per sample of the data."""
    code, out, err = run_cli(["predict", "--model", str(valid_run), "--data", "article",
                              "--quiet"])
    assert code == 0, err
    header, *rows = out.splitlines()
    assert header.endswith(",label") and header.count("p(") == 2 and rows


@pytest.mark.parametrize("scale", [0, 1e-320], ids=["zero", "subnormal"])
def test_predict_refuses_a_bad_standardizer(valid_run, tmp_path, scale):
    """Scale 0 is refused on loading; 1e-320 gave inf features and NaN probabilities."""
    edit = meta_edit(lambda m: m["extra"].update(standardizer={"mean": [0, 0],
                                                               "scale": [scale, 1]}))
    path, _ = hostile(valid_run / "checkpoint.npz", edit, tmp_path / "run")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = run_cli(["predict", "--model", str(path.parent), "--data", "article", "--quiet"])
    assert_one_clear_line(*result, fragments=["scale"])
    assert result[1] == ""


# ------------------------------------------------------------ a model too big to build
HUGE_MODEL = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (2 * 2**30, 2 * 2**30))  # a MemoryError, not an OOM kill
from adamlab.train import CheckpointError, Trainer
try:
    Trainer.from_checkpoint(sys.argv[1])
except CheckpointError as e:
    print("refused:", e)
    sys.exit(0)
except BaseException as e:
    print(type(e).__name__, e)
    sys.exit(1)
sys.exit(2)
"""


@pytest.mark.parametrize("hidden", [[30_000, 30_000], [10**7, 10**7]], ids=["7GB", "728TiB"])
def test_a_huge_declared_model_is_refused_before_it_is_built(valid_run, tmp_path, hidden):
    path, _ = hostile(valid_run / "checkpoint.npz",
                      meta_edit(lambda m: m["model"].update(hidden=hidden)), tmp_path / "run")
    res = subprocess.run([sys.executable, "-c", HUGE_MODEL, str(path)], capture_output=True,
                         text=True, timeout=60)
    assert res.returncode == 0, res.stdout + res.stderr


# ------------------------------------------------------------------ saved estimators
def _estimator_class():
    import adamlab

    return getattr(adamlab, "MLPClassifier", None)


ESTIMATOR_CASES = CASES


@pytest.fixture(scope="module")
def saved_estimator(tmp_path_factory):
    cls = _estimator_class()
    if cls is None or not hasattr(cls, "load"):
        pytest.skip("adamlab.MLPClassifier.load does not exist yet")
    X, y = blobs()
    path = tmp_path_factory.mktemp("estimator") / "model.npz"
    small = {"hidden_layer_sizes": (4,), "max_iter": 3, "random_state": 0}
    est = cls(**{k: v for k, v in small.items() if _takes(cls, k)})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # three epochs do not converge, and need not
        est.fit(X, y)
    est.save(path)
    if not zipfile.is_zipfile(path):
        pytest.skip("MLPClassifier.save does not write an .npz archive")
    return cls, path


def _takes(cls, name):
    import inspect

    return name in inspect.signature(cls).parameters


@pytest.mark.parametrize("name, mutate", ESTIMATOR_CASES)
def test_estimator_load_refuses(saved_estimator, tmp_path, name, mutate):
    cls, valid = saved_estimator
    path, marker = hostile(valid, mutate, tmp_path / "model")
    with pytest.raises(ValueError) as info:  # CheckpointError is a ValueError
        cls.load(path)
    assert "\n" not in str(info.value) and str(info.value)
    assert not marker.exists(), "the file ran code"


# ------------------------------------------------------------------ not regular files
SPECIAL = {
    "a directory": lambda path: path.mkdir(),
    "a FIFO": lambda path: os.mkfifo(path),  # reading it would block for ever
    "a link to /dev/zero": lambda path: path.symlink_to("/dev/zero"),  # endless
    "a dangling link": lambda path: path.symlink_to(path.parent / "nowhere.npz"),
}


@pytest.mark.parametrize("make", list(SPECIAL.values()), ids=list(SPECIAL))
def test_a_checkpoint_that_is_not_a_regular_file_is_refused_at_once(tmp_path, make):
    run = tmp_path / "run"
    run.mkdir()
    make(run / "checkpoint.npz")
    with pytest.raises(CheckpointError, match="no such checkpoint file"):
        Trainer.from_checkpoint(run / "checkpoint.npz")
    for argv in (["train", "--resume", str(run), "--epochs", "3"],
                 ["predict", "--model", str(run), "--data", "article"]):
        assert_one_clear_line(*run_cli([*argv, "--quiet"]), fragments=["checkpoint"])
