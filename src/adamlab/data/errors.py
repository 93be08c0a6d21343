"""``DataError``: bad data, or a bad argument about data, told in one line the user can act on."""

from __future__ import annotations

from typing import Any


class DataError(ValueError):
    """Bad input data; a one-line message naming the file, column or row and what would work."""

    def __init__(self, message: str) -> None:
        # One line, always: a value quoted from a file must not break the message in two.
        super().__init__(" ".join(str(message).splitlines()))


def show(value: Any, limit: int = 40) -> str:
    """``repr(value)``, cut to ``limit`` characters, for quoting file contents in a message."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
