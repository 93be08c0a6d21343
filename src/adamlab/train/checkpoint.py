"""Checkpoints: one ``.npz`` file, arrays plus JSON metadata, written atomically, read without
pickle.

Layout of the file (a plain NumPy ``.npz``; nothing in it is an object array):

* ``__meta__``      the JSON metadata as UTF-8 bytes (a uint8 array)
* every other key   a numeric array named in the metadata

Writing goes to a temporary file in the same directory, is flushed and fsync'ed, then renamed
over the target (``os.replace`` is atomic on POSIX and Windows), so a kill at any instant
leaves either the complete old file or the complete new one. Loading uses
``allow_pickle=False`` and refuses anything unexpected with a ``CheckpointError``: members that
are not ``.npy`` arrays or appear twice, arrays whose declared size exceeds their data, archives
that expand to more than ``MAX_EXPANSION`` times their size on disk (zip bombs; adamlab writes
uncompressed members), non-numeric or non-finite arrays, and metadata that is not the JSON
adamlab writes (no NaN or Infinity). So a file from a stranger can neither run code nor make
the loader allocate more than a bounded multiple of the file's size.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from adamlab.atomic import TEMPORARY, atomic_write_bytes  # noqa: F401 — re-exported

FORMAT = "adamlab-checkpoint"
#: The version written. 2: the optimizer's parameter groups, by the names of the model's
#: parameters (``optimizer.parts``), its train/eval mode and evaluation weights (``eval_params``);
#: 1: one group over the flat buffer (releases before parameter groups).
VERSION = 2
#: The versions read (a version-1 file loads as it was trained: ``adamlab.train.state``).
READS = (1, 2)
#: Loading may need at most this many bytes of memory per byte of the file on disk.
MAX_EXPANSION = 32


class CheckpointError(ValueError):
    """A checkpoint file that is missing, torn, tampered with or not adamlab's."""


def fingerprint(params: np.ndarray) -> str:
    """SHA-256 of the parameter buffer's bytes (C order): equal iff the weights are
    bit-identical."""
    return hashlib.sha256(np.ascontiguousarray(params).tobytes()).hexdigest()


def save(
    path: str | os.PathLike, arrays: Mapping[str, np.ndarray], meta: Mapping[str, Any]
) -> None:
    """Save numeric ``arrays`` and JSON-able ``meta`` to one file, atomically."""
    for k, a in arrays.items():
        if k == "__meta__" or not isinstance(a, np.ndarray) or a.dtype.hasobject:
            raise CheckpointError(f"checkpoint array {k!r} must be a numeric NumPy array")
    header = {"format": FORMAT, "version": VERSION, "arrays": sorted(arrays), **meta}
    blob = np.frombuffer(json.dumps(header, allow_nan=False).encode("utf-8"), dtype=np.uint8)
    import io

    buf = io.BytesIO()
    np.savez(buf, __meta__=blob, **arrays)
    atomic_write_bytes(path, buf.getvalue())


def load(path: str | os.PathLike) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Load ``(arrays, meta)``; never unpickles. Raises CheckpointError with the reason."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: no such checkpoint file")
    if not zipfile.is_zipfile(path):
        raise CheckpointError(f"{path}: unreadable or truncated checkpoint (not an .npz archive)")
    try:
        _check_members(path)
        with np.load(path, allow_pickle=False) as z:
            names = set(z.files)
            if "__meta__" not in names:
                raise CheckpointError(f"{path}: not an adamlab checkpoint (no metadata)")
            text = z["__meta__"].tobytes().decode("utf-8")
            meta = json.loads(text, parse_constant=_no_constant)
            if not isinstance(meta, dict) or meta.get("format") != FORMAT:
                raise CheckpointError(
                    f"{path}: not an adamlab checkpoint (format {meta.get('format')!r})"
                    if isinstance(meta, dict) else f"{path}: malformed metadata")
            if meta.get("version") not in READS or isinstance(meta.get("version"), bool):
                raise CheckpointError(
                    f"{path}: checkpoint version {meta.get('version')!r}, this adamlab reads "
                    f"versions {' and '.join(map(str, READS))}; a newer adamlab wrote it: "
                    "upgrade adamlab to load it"
                )
            listed = meta.get("arrays", [])
            if not isinstance(listed, list) or not all(isinstance(k, str) for k in listed):
                raise CheckpointError("malformed metadata ('arrays' must be a list of names)")
            expected = set(listed)
            if names - {"__meta__"} != expected:
                raise CheckpointError(
                    f"{path}: arrays {sorted(names - {'__meta__'})} do not match the "
                    f"metadata's {sorted(expected)}"
                )
            arrays = {k: z[k] for k in expected}
    except CheckpointError as e:
        raise CheckpointError(str(e) if str(e).startswith(str(path)) else f"{path}: {e}") from None
    except ValueError as e:  # object arrays refused by allow_pickle=False, bad headers
        raise CheckpointError(f"{path}: refused: {e}") from None
    except RecursionError:
        raise CheckpointError(f"{path}: malformed metadata (nested too deeply)") from None
    except MemoryError:
        raise CheckpointError(f"{path}: refused: its arrays do not fit in memory") from None
    except (OSError, zipfile.BadZipFile, EOFError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise CheckpointError(f"{path}: unreadable or truncated checkpoint ({e})") from None
    for k, a in arrays.items():
        if a.dtype.kind not in "biuf":
            raise CheckpointError(f"{path}: array {k!r} has unsupported dtype {a.dtype}")
        if a.dtype.kind == "f" and not np.isfinite(a).all():
            raise CheckpointError(f"{path}: array {k!r} holds NaN or inf (adamlab saves none)")
    return arrays, meta


def _no_constant(name: str) -> None:
    raise CheckpointError(f"malformed metadata ({name} is not JSON; adamlab never writes it)")


def _check_members(path: Path) -> None:
    """Refuse, before any array is read, an archive that is not one of plain ``.npy`` arrays
    or whose arrays would not fit in a bounded multiple of the file's size."""
    on_disk = path.stat().st_size
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
        seen: set[str] = set()
        for info in infos:
            if info.filename in seen:
                raise CheckpointError(f"the archive holds the member {info.filename!r} twice")
            seen.add(info.filename)
            if not info.filename.endswith(".npy"):
                raise CheckpointError(f"member {info.filename!r} is not a .npy array")
        expanded = sum(i.file_size for i in infos)
        if expanded > MAX_EXPANSION * max(on_disk, 1):
            raise CheckpointError(
                f"refused: its members expand to {expanded} bytes from {on_disk} on disk "
                f"(more than {MAX_EXPANSION}x: a zip bomb?)"
            )
        for info in infos:
            with zf.open(info) as f:
                version = np.lib.format.read_magic(f)
                if version == (1, 0):
                    shape, _, dtype = np.lib.format.read_array_header_1_0(f)
                elif version == (2, 0):
                    shape, _, dtype = np.lib.format.read_array_header_2_0(f)
                else:
                    raise CheckpointError(
                        f"member {info.filename!r} is in .npy format {version}, not 1 or 2"
                    )
            if dtype.hasobject:
                raise CheckpointError(
                    f"refused: member {info.filename!r} holds Python objects (pickled data)"
                )
            size = math.prod(shape) * dtype.itemsize
            if size > info.file_size:
                raise CheckpointError(
                    f"refused: member {info.filename!r} declares shape {shape} "
                    f"({size} bytes) but holds {info.file_size} bytes"
                )


def pack_state(
    state: Mapping[str, Any], prefix: str
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Split an optimizer ``state_dict`` into arrays (``prefix.i.name``) and JSON metadata
    (its groups, its scalars, and its mode, ``training``, when it has one)."""
    arrays: dict[str, np.ndarray] = {}
    scalars: dict[str, dict[str, Any]] = {}
    for i, s in state["state"].items():
        scalars[str(i)] = {}
        for k, v in s.items():
            if isinstance(v, np.ndarray):
                arrays[f"{prefix}.{i}.{k}"] = v
            else:
                scalars[str(i)][k] = v
    groups = [{k: (list(v) if isinstance(v, tuple) else v) for k, v in g.items()}
              for g in state["param_groups"]]
    meta = {"param_groups": groups, "scalars": scalars}
    if "training" in state:
        meta["training"] = state["training"]
    return arrays, meta


def unpack_state(
    arrays: Mapping[str, np.ndarray], meta: Mapping[str, Any], prefix: str
) -> dict[str, Any]:
    """Inverse of ``pack_state``: the optimizer ``state_dict`` back."""
    state: dict[int, dict[str, Any]] = {}
    scalars = meta["scalars"]
    if not isinstance(scalars, Mapping) or not all(
            isinstance(s, Mapping) and str(i).isdecimal() for i, s in scalars.items()):
        raise CheckpointError(f"{prefix}.scalars must be an object {{index: {{name: value}}}}, "
                              f"got {str(scalars)[:40]}")
    for i, scal in scalars.items():
        state[int(i)] = dict(scal)
    for key, a in arrays.items():
        if key.startswith(prefix + "."):
            i, name = key[len(prefix) + 1:].split(".", 1)
            state.setdefault(int(i), {})[name] = a
    out = {"state": state, "param_groups": meta["param_groups"]}
    if "training" in meta:
        out["training"] = meta["training"]
    return out
