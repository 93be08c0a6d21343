"""``DataError``: bad data, or a bad argument about data, told in one line the user can act on;
``UnseenCategoryWarning``: data that is read, but not as the model knows it."""

from __future__ import annotations

from typing import Any


class DataError(ValueError):
    """Bad input data; a one-line message naming the file, column or row and what would work."""

    def __init__(self, message: str) -> None:
        # One line, always: a value quoted from a file must not break the message in two.
        super().__init__(" ".join(str(message).splitlines()))


class UnseenCategoryWarning(UserWarning):
    """A categorical column holds values never seen in training: they are encoded as all
    zeros in that column's one-hot group. Filter it (``warnings.simplefilter("error",
    UnseenCategoryWarning)``) or pass ``strict=True`` to ``load_features`` to refuse them."""


def show(value: Any, limit: int = 40) -> str:
    """``repr(value)``, cut to ``limit`` characters, for quoting file contents in a message."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
