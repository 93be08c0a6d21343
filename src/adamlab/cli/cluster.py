"""``--scheduler ADDRESS``: the Dask client of ``sweep`` and ``bench``, its address checked,
distributed's retry logs quieted, its errors mapped to the CLI's exit codes."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from adamlab.cli.errors import RunError, UsageError


@contextlib.contextmanager
def scheduler_client(address: str | None, timeout: float = 10.0) -> Iterator[Any]:
    """The Dask client of ``address`` (closed after), or None when no scheduler is given."""
    from adamlab import sweep

    if not address:
        yield None
        return
    quiet_dask_logs()
    try:
        client = sweep.connect(tcp_address(address), timeout=timeout)
    except sweep.DaskMissing as e:
        raise UsageError(str(e)) from None
    except sweep.SchedulerError as e:
        raise RunError(str(e)) from None
    try:
        yield client
    finally:
        client.close()


def quiet_dask_logs() -> None:
    """distributed logs a lost scheduler with tracebacks while it retries; the commands report
    what it cost (failed rows, one line) themselves. ``ADAMLAB_DEBUG=1`` keeps the logs."""
    import logging
    import os

    if os.environ.get("ADAMLAB_DEBUG"):
        return
    try:
        import distributed  # noqa: F401 — its import sets up the loggers silenced below
    except ImportError:
        return  # connect() says what to install

    for name in ["distributed", *logging.root.manager.loggerDict]:
        if name == "distributed" or name.startswith("distributed."):
            logging.getLogger(name).setLevel(logging.CRITICAL)


def tcp_address(text: str) -> str:
    """``tcp://HOST:PORT`` (``HOST:PORT`` taken as tcp), checked for a host and a port."""
    from urllib.parse import urlsplit

    address = text.strip() if "://" in text else f"tcp://{text.strip()}"
    parts = urlsplit(address)
    try:
        ok = bool(parts.hostname) and parts.port is not None
    except ValueError:
        ok = False
    if not ok:
        raise UsageError(
            f"--scheduler {text!r}: give the scheduler's address as tcp://HOST:PORT "
            "(Dask's default port is 8786)"
        )
    return address
