"""Atomic file writes: a reader sees the old file or the new one, never a mix.

``write_bytes(path, data)`` writes to a hidden temporary in the same directory
(``.NAME.XXXXXXXX.tmp``, XXXXXXXX: ``mkstemp``'s random part), flushes and fsyncs it, renames it
over ``path`` (``os.replace`` is atomic on POSIX and Windows) and fsyncs the directory. A kill
at any instant leaves the complete old file or the complete new one, and at most the
temporary, which ``remove_temporaries`` deletes (call it holding the directory's lock, so that
no live write's temporary is taken). A failed write (a full disk, no permission) raises its
OSError about ``path`` itself, never the temporary's name. Checkpoints, run outputs and
``predict --output`` all write through here.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

TEMP_PREFIX, TEMP_SUFFIX = ".", ".tmp"
#: The names ``atomic_write_bytes`` gives its temporaries, and no others.
TEMPORARY = re.compile(
    rf"{re.escape(TEMP_PREFIX)}(?P<target>.+)\.[a-z0-9_]{{8}}{re.escape(TEMP_SUFFIX)}")


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never a mix."""
    path = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{path.name}.", suffix=TEMP_SUFFIX,
                                   dir=path.parent)
    except OSError as e:
        raise _at(e, path) from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as e:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        if isinstance(e, OSError):
            raise _at(e, path) from None
        raise
    _fsync_dir(path.parent)


def _at(e: OSError, path: Path) -> OSError:
    """``e`` as the same kind of OSError about ``path``, the file the caller asked for: the
    temporary's name is an internal detail (and gone by now)."""
    return type(e)(e.errno, e.strerror or str(e), str(path))


def json_text(data: Any) -> str:
    """The JSON adamlab writes: indented, no NaN or Infinity (a ValueError instead)."""
    return json.dumps(data, indent=2, allow_nan=False) + "\n"


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # not supported (e.g. Windows)
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def remove_temporaries(directory: str | os.PathLike) -> int:
    """Delete what killed atomic writes left in ``directory``; returns how many were deleted.

    Only regular files named like the temporaries (``TEMPORARY``) are touched; everything else,
    links and directories included, stays.
    """
    removed = 0
    with os.scandir(directory) as entries:
        for entry in entries:
            if TEMPORARY.fullmatch(entry.name) and entry.is_file(follow_symlinks=False):
                try:
                    os.unlink(entry.path)
                except FileNotFoundError:
                    continue
                removed += 1
    return removed
