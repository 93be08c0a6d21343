"""The output directory of a run: created or refused, locked while in use, written atomically.

Two runs never write into one directory. ``new_run_dir`` creates a fresh ``runs/<time>-<name>``
(``mkdir`` without ``exist_ok``: two runs started in the same second get two directories) or
accepts an empty ``--out``, and takes the directory's lock at once, then checks again that it is
empty: no run can slip in between the check and the writing. ``with Lock(dir)`` hands that lock
to the run (``--resume`` takes it there). The lock is ``fcntl.flock`` on ``.adamlab.lock``: the
kernel drops it when its holder dies, so a killed run never blocks the next one, whatever its
pid file says. Without ``flock`` (Windows, some network file systems) the file is created
exclusively and holds its owner's pid; a lock whose pid is gone is broken.

Every file is written atomically (``adamlab.atomic``) through ``write_text``, ``write_json`` and
``save_figure`` here; a run killed mid-write can leave the write's hidden temporary behind, which
``remove_temporaries`` deletes (``--resume`` calls it, holding the lock).
"""

from __future__ import annotations

import errno
import os
import time
from pathlib import Path
from typing import Any

from adamlab.atomic import atomic_write_bytes, json_text, remove_temporaries
from adamlab.rundir.errors import RunError
from adamlab.rundir.outputs import CHECKPOINT

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = ["LOCK", "Lock", "new_run_dir", "remove_temporaries", "save_figure", "write_json",
           "write_text"]

LOCK = ".adamlab.lock"
#: Locks taken by ``new_run_dir``, handed over to the run's ``with Lock(directory)``.
_claimed: dict[str, Lock] = {}


def new_run_dir(out: str | None, name: str) -> Path:
    """``--out DIR`` (must be new or empty) or a fresh ``runs/<time>-<name>``, locked."""
    if out is None:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        base = Path("runs") / f"{stamp}-{name}"
        path, k = base, 1
        while True:
            try:
                path.mkdir(parents=True)
                break
            except FileExistsError:
                k += 1
                path = base.with_name(f"{base.name}-{k}")
            except OSError as e:
                raise RunError(f"{path}: cannot create it ({e.strerror})") from None
        lock = Lock(path).acquire()
    else:
        path = Path(out)
        _refuse_used(path)
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise RunError(f"--out {path}: cannot create it ({e.strerror})") from None
        lock = Lock(path).acquire()
        try:
            _refuse_used(path)  # another run may have come and gone meanwhile
        except RunError:
            lock.release()
            raise
    _claimed[os.path.abspath(path)] = lock
    return path


def _refuse_used(path: Path) -> None:
    if path.is_symlink() and not path.exists():
        raise RunError(f"--out {path}: a symbolic link that leads nowhere (a loop, or its "
                       "target is missing); choose another --out, or point the link at a "
                       "directory")
    if path.exists() and not path.is_dir():
        raise RunError(f"--out {path}: exists and is not a directory; choose another --out")
    if path.is_dir() and any(p.name != LOCK for p in path.iterdir()):
        resumable = (path / CHECKPOINT).exists() or (path / "grid.json").exists()  # rundir.grid
        hint = " or continue it with --resume" if resumable else ""
        raise RunError(f"--out {path}: already holds files; choose a new directory{hint}")


class Lock:
    """An exclusive lock on a run directory, so two runs never write into one."""

    def __init__(self, directory: Path) -> None:
        self.path = Path(directory) / LOCK
        self._fd: int | None = None  # the flock'ed file, or None
        self._held = False

    def __enter__(self) -> Lock:
        claimed = _claimed.pop(os.path.abspath(self.path.parent), None)
        if claimed is not None and claimed._held:  # taken for us by new_run_dir
            self._fd, self._held = claimed._fd, True
            claimed._fd, claimed._held = None, False
            return self
        return self.acquire()

    def __exit__(self, *exc: Any) -> None:
        self.release()

    def acquire(self) -> Lock:
        if fcntl is not None:
            for _ in range(8):
                fd = self._open()
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError as e:
                    os.close(fd)
                    if e.errno in (errno.EAGAIN, errno.EWOULDBLOCK, errno.EACCES):
                        raise self._busy() from None
                    break  # flock not supported here: fall back to an exclusive file
                if self._is_current(fd):
                    os.ftruncate(fd, 0)
                    os.write(fd, str(os.getpid()).encode())
                    self._fd, self._held = fd, True
                    return self
                os.close(fd)  # its holder removed that file as we locked it: lock the new one
            else:
                raise RunError(f"{self.path.parent}: cannot take the lock {self.path.name}")
        return self._acquire_exclusive()

    def release(self) -> None:
        if not self._held:
            return
        try:
            self.path.unlink(missing_ok=True)  # before closing: see _is_current
        finally:
            if self._fd is not None:
                os.close(self._fd)
            self._fd, self._held = None, False

    def _open(self) -> int:
        try:
            return os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as e:
            raise RunError(f"{self.path.parent}: cannot take the lock {self.path.name} "
                           f"({e.strerror})") from None

    def _is_current(self, fd: int) -> bool:
        try:
            a, b = os.fstat(fd), os.stat(self.path)
        except FileNotFoundError:
            return False
        return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)

    def _busy(self) -> RunError:
        return RunError(
            f"{self.path.parent}: another adamlab run is writing there "
            f"(lock {self.path.name}, pid {self._pid()}); wait for it, or use another --out"
        )

    def _acquire_exclusive(self) -> Lock:
        for _ in range(2):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                if self._stale():
                    self.path.unlink(missing_ok=True)
                    continue
                raise self._busy() from None
            with os.fdopen(fd, "w") as f:
                f.write(str(os.getpid()))
            self._held = True
            return self
        raise RunError(f"{self.path.parent}: cannot take the lock {self.path.name}")

    def _pid(self) -> int | None:
        try:
            return int(self.path.read_text().strip() or 0) or None
        except (OSError, ValueError):
            return None

    def _stale(self) -> bool:
        pid = self._pid()
        if pid is None:
            try:  # written half-way by a killed run
                return time.time() - self.path.stat().st_mtime > 5
            except FileNotFoundError:
                return True
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        except (PermissionError, OSError):
            return False
        return False


def write_text(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    atomic_write_bytes(path, text.encode("utf-8"))


def write_json(path: Path, data: Any) -> None:
    """Write ``data`` as adamlab's JSON (indented, no NaN) to ``path`` atomically."""
    write_text(path, json_text(data))


def save_figure(fig: Any, path: Path, dpi: int = 120) -> None:
    """Save a matplotlib Figure atomically (render to memory, then one atomic write)."""
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format=path.suffix.lstrip(".") or "png", dpi=dpi, bbox_inches="tight")
    atomic_write_bytes(path, buf.getvalue())
