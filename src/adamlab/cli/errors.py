"""The ways a command fails, the exit status each gives, and the one line that says so.

``UsageError`` is the command line's own (exit 2); ``RunError`` (exit 1) belongs to the run layer
(``adamlab.rundir``), which raises it for runs and run directories, and is re-exported here.
``describe`` turns any exception a command raises into ``(kind, exit status, message)``: what the
CLI prints on stderr, or as ``{"error": {...}}`` on stdout under ``--json``.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from adamlab.rundir.errors import RunError

__all__ = ["RunError", "UsageError", "describe", "one_line", "refuse_overwrite"]


class UsageError(Exception):
    """The command line itself is wrong (exit status 2)."""


#: What a person can do about an operating-system error, by its errno.
OS_ADVICE = {
    errno.ENOSPC: "the disk is full: free some space, or write elsewhere (--out)",
    errno.EDQUOT: "the disk quota is used up: free some space, or write elsewhere (--out)",
    errno.EROFS: "the file system is read-only: write elsewhere (--out)",
    errno.EACCES: "permission denied: choose a place you can write to (--out), or fix its "
                  "permissions",
    errno.ELOOP: "a loop of symbolic links, each leading to the next and back: point the link "
                 "at a real file or directory",
    errno.ENAMETOOLONG: "the name is too long for the file system: choose a shorter path",
}


def describe(e: BaseException) -> tuple[str, int, str]:
    """``(kind, exit status, one-line message)`` of an exception raised by a command.

    Kinds: ``usage`` (2), ``data``, ``checkpoint``, ``run``, ``value``, ``os``, ``internal`` (1),
    ``interrupted`` (130).
    """
    if isinstance(e, UsageError):
        return "usage", 2, one_line(e)
    if isinstance(e, KeyboardInterrupt):  # Ctrl-C, or SIGTERM (cli.interrupt.Terminated)
        return "interrupted", getattr(e, "status", 130), one_line(e) if str(e) else "interrupted"
    from adamlab.data import DataError
    from adamlab.train import CheckpointError

    for kind, cls in (("data", DataError), ("checkpoint", CheckpointError), ("run", RunError),
                      ("os", OSError), ("value", ValueError)):
        if isinstance(e, cls):
            return kind, 1, one_line(e)
    if isinstance(e, RuntimeError) and str(e).startswith("Symlink loop"):  # pathlib, < 3.13
        return "os", 1, f"{str(e)[len('Symlink loop from '):]}: {OS_ADVICE[errno.ELOOP]}"
    return "internal", 1, (f"internal error: {type(e).__name__}: {one_line(e)} "
                           "(please report it; ADAMLAB_DEBUG=1 shows the traceback)")


def one_line(e: BaseException) -> str:
    """The exception's message on one line; an OSError as ``path: what happened; advice``."""
    text = str(e) or type(e).__name__
    if isinstance(e, OSError) and (e.filename or e.errno in OS_ADVICE):
        what = e.strerror or text
        name = e.filename
        if name is not None and os.path.islink(name) and not os.path.exists(name):
            what = ("a symbolic link that leads nowhere (a loop, or its target is missing): "
                    "point it at a real file or directory, or choose another path")
        elif e.errno in OS_ADVICE:
            what = f"{what} ({OS_ADVICE[e.errno]})"
        text = what if name is None else f"{os.fsdecode(name)}: {what}"
    return " ".join(text.split())


def refuse_overwrite(out: Path, names: list[str], force: bool) -> None:
    """A RunError (exit 1, before any work) when a file of ``names`` is already in ``out``,
    unless ``force``: a picture made earlier is never replaced by surprise."""
    there = [name for name in names if os.path.lexists(out / name)]
    if there and not force:
        place = "this directory" if str(out) in (".", "") else str(out)
        raise RunError(f"{', '.join(there)} already in {place}; give --out DIR for another "
                       "place, or --force to replace " + ("it" if len(there) == 1 else "them"))
