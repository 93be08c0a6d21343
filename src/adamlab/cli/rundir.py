"""The output directory of a run: created or refused, locked while in use, written atomically."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from adamlab.cli.errors import RunError
from adamlab.train.checkpoint import atomic_write_bytes

LOCK = ".adamlab.lock"


def new_run_dir(out: str | None, name: str) -> Path:
    """``--out DIR`` (must be new or empty) or a fresh ``runs/<time>-<name>``."""
    if out is None:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        base = Path("runs") / f"{stamp}-{name}"
        path, k = base, 1
        while path.exists():
            k += 1
            path = base.with_name(f"{base.name}-{k}")
    else:
        path = Path(out)
        if path.exists() and not path.is_dir():
            raise RunError(f"--out {path}: exists and is not a directory; choose another --out")
        if path.is_dir() and any(p.name != LOCK for p in path.iterdir()):
            hint = " or continue it with --resume" if (path / "checkpoint.npz").exists() else ""
            raise RunError(f"--out {path}: already holds files; choose a new directory{hint}")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise RunError(f"--out {path}: cannot create it ({e.strerror})") from None
    return path


class Lock:
    """An exclusive lock file in the run directory, so two runs never write into one."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / LOCK

    def __enter__(self) -> Lock:
        for _ in range(2):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                if self._stale():
                    self.path.unlink(missing_ok=True)
                    continue
                raise RunError(
                    f"{self.path.parent}: another adamlab run is writing there "
                    f"(lock {self.path.name}, pid {self._pid()}); use another --out"
                ) from None
            with os.fdopen(fd, "w") as f:
                f.write(str(os.getpid()))
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
            return time.time() - self.path.stat().st_mtime > 5  # written half-way by a killed run
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        return False

    def __exit__(self, *exc: Any) -> None:
        self.path.unlink(missing_ok=True)


def write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def write_json(path: Path, data: Any) -> None:
    write_text(path, json.dumps(data, indent=2, allow_nan=False) + "\n")


def save_figure(fig: Any, path: Path, dpi: int = 120) -> None:
    """Save a matplotlib Figure atomically (render to memory, then one atomic write)."""
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format=path.suffix.lstrip(".") or "png", dpi=dpi, bbox_inches="tight")
    atomic_write_bytes(path, buf.getvalue())
