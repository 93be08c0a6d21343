"""Shared by the robustness tests: small checkpoints, hostile archives, and running the CLI.

A module with a name of its own (the tests have no packages), imported as ``robustkit``.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import pathlib
import struct
import subprocess
import sys
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from adamlab.nn import MLP
from adamlab.train import Trainer

ROOT = Path(__file__).resolve().parents[2]


# ------------------------------------------------------------------------------ trainers
def blobs(n: int = 64, seed: int = 0, d: int = 2) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    return X, (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int)


def small_trainer(seed: int = 0, hidden: tuple[int, ...] = (8,), optimizer: str = "adam",
                  dtype=np.float64, epochs: int = 1) -> Trainer:
    """A trained Trainer whose checkpoint is a few kB."""
    X, y = blobs(seed=seed)
    model = MLP(2, hidden, 1, activation="tanh", output="sigmoid", dtype=dtype,
                rng=np.random.default_rng(seed))
    t = Trainer(model, optimizer, lr=0.01, batch_size=16, seed=seed)
    if epochs:
        t.fit(X.astype(dtype), y, epochs=epochs)
    return t


# ------------------------------------------------------------------------- archives
Members = list[tuple[str, bytes]]


def npy_bytes(a: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, a, allow_pickle=True)
    return buf.getvalue()


def npy_header(shape: tuple[int, ...], descr: str = "<f8", payload: bytes = b"",
               version: tuple[int, int] = (1, 0)) -> bytes:
    """A ``.npy`` file whose header declares ``shape`` whatever ``payload`` really holds."""
    text = repr({"descr": descr, "fortran_order": False, "shape": shape}).encode("latin1")
    size_bytes = 2 if version == (1, 0) else 4
    pad = 64 - (8 + size_bytes + len(text) + 1) % 64
    text += b" " * pad + b"\n"
    size = struct.pack("<H" if size_bytes == 2 else "<I", len(text))
    return b"\x93NUMPY" + bytes(version) + size + text + payload


def read_members(path: Path) -> Members:
    with zipfile.ZipFile(path) as z:
        return [(i.filename, z.read(i)) for i in z.infolist()]


def write_members(path: Path, members: Members, compression: int = zipfile.ZIP_STORED) -> None:
    import warnings

    with zipfile.ZipFile(path, "w", compression) as z, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a duplicate name is sometimes the point
        for name, data in members:
            z.writestr(zipfile.ZipInfo(name), data, compress_type=compression)


def meta_of(members: Members) -> dict:
    blob = dict(members)["__meta__.npy"]
    return json.loads(np.load(io.BytesIO(blob)).tobytes())


def with_meta_bytes(members: Members, raw: bytes) -> Members:
    blob = npy_bytes(np.frombuffer(raw, dtype=np.uint8))
    return [(n, blob if n == "__meta__.npy" else b) for n, b in members]


def with_meta(members: Members, meta: dict) -> Members:
    return with_meta_bytes(members, json.dumps(meta).encode())


def first_array(members: Members) -> str:
    """The member to tamper with: ``params.npy`` if there is one, else the first array."""
    names = [n for n, _ in members if n != "__meta__.npy"]
    return "params.npy" if "params.npy" in names else names[0]


def replace_member(members: Members, name: str, data: bytes) -> Members:
    return [(n, data if n == name else b) for n, b in members]


class Payload:
    """Unpickling this creates ``marker``: proof that a loader ran code from the file."""

    def __init__(self, marker: Path) -> None:
        self.marker = Path(marker)

    def __reduce__(self):
        return (pathlib.Path.touch, (pathlib.Path(self.marker),))


def pickled_npy(marker: Path) -> bytes:
    return npy_bytes(np.array([Payload(marker), 1], dtype=object))


# ------------------------------------------------------------------------------- CLI
def run_cli(argv: Sequence[str]) -> tuple[int, str, str]:
    """``adamlab ARGV`` in this process: (exit status, stdout, stderr)."""
    from adamlab.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def adamlab_cmd(*argv: str) -> list[str]:
    return [sys.executable, "-m", "adamlab", *argv]


def run_adamlab(*argv: str, timeout: float = 120, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(adamlab_cmd(*argv), capture_output=True, text=True, timeout=timeout, **kw)


def assert_one_clear_line(code: int, out: str, err: str, *, status: int = 1,
                          fragments: Sequence[str] = ()) -> str:
    """Exit ``status``, exactly one ``error`` line, no traceback, not an internal error."""
    assert code == status, err
    assert "Traceback" not in out + err, err
    lines = [line for line in err.splitlines() if "error" in line]
    assert len(lines) == 1, err
    assert "internal error" not in lines[0], lines[0]
    for frag in fragments:
        assert frag in lines[0], (frag, lines[0])
    return lines[0]


def is_temporary(name: str, target: str) -> bool:
    """A temporary file of ``checkpoint.atomic_write_bytes`` for ``target``."""
    return name.startswith(f".{target}.") and name.endswith(".tmp")


def env_with_src() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), env.get("PYTHONPATH", "")])
    return env


def call_in_child(fn: Callable[[], None]) -> int:
    """Fork; run ``fn`` in the child and ``os._exit`` (never return into pytest there)."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 0
        try:
            fn()
        except BaseException:
            code = 3
        finally:
            os._exit(code)
    return pid
