"""Ctrl-C and SIGTERM: one path out, and a message saying what is kept and how to go on.

``sigterm_as_interrupt()`` (around every command, in ``cli.main``) makes SIGTERM raise
:class:`Terminated`, a ``KeyboardInterrupt``: the same unwinding as Ctrl-C, so ``with Lock(dir)``
removes the lock and ``atomic`` deletes the temporary of a write in progress. A command catches
the interrupt where it knows what it has kept and re-raises :func:`stopped` — an
``Interrupted`` carrying the message ("interrupted: 5 of 12 runs are kept in DIR; to run the
other 7: adamlab sweep --resume DIR") and the exit status, 130 for SIGINT, 143 for SIGTERM.
"""

from __future__ import annotations

import contextlib
import shlex
import signal
import threading
from collections.abc import Iterator
from pathlib import Path


class Terminated(KeyboardInterrupt):
    """SIGTERM, taken as Ctrl-C."""

    status = 128 + signal.SIGTERM


class Interrupted(KeyboardInterrupt):
    """An interrupted command, with what it kept and how to resume (its message)."""

    def __init__(self, message: str, status: int = 130) -> None:
        super().__init__(message)
        self.status = status


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM raises ``Terminated`` (main thread only; else unchanged)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminate(signum, frame):  # noqa: ANN001, ARG001 — signal's handler signature
        raise Terminated("terminated")

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def resume_command(command: str, directory: Path, *extra: str) -> str:
    """``adamlab sweep --resume DIR`` (DIR quoted for the shell if it needs it)."""
    return " ".join(["adamlab", command, "--resume", shlex.quote(str(directory)), *extra])


def stopped(e: KeyboardInterrupt, message: str) -> Interrupted:
    """The ``Interrupted`` to raise for ``e``: ``interrupted: MESSAGE`` (or ``terminated``)."""
    how = "terminated (SIGTERM)" if isinstance(e, Terminated) else "interrupted"
    return Interrupted(f"{how}: {message}", getattr(e, "status", 130))
