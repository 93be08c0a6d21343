"""Request validation for the explorer: every field named, typed and bounded, or a 400.

A request body is a JSON object; each endpoint reads it through the helpers below, which raise
:class:`BadRequest` (answered as HTTP 400 with its message) naming the field, what it got and
what would work. Nothing outside these bounds reaches adamlab, so the work of one request is
bounded: ``LIMITS`` holds every bound, once, and ``/api/meta`` sends it to the page.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["BadRequest", "LIMITS", "number", "integer", "choice", "boolean", "int_list",
           "session_id", "only_fields"]

#: Every bound of the explorer, in one place.
LIMITS: dict[str, Any] = {
    "body_bytes": 64 * 1024,  # a request body larger than this is refused unread
    "optimizers": 6,  # paths per landscape request
    "steps": 2000,  # steps per path (4 x 500 is the design load)
    "lr": (1e-6, 10.0),
    "beta1": (0.0, 0.999999),
    "beta2": (0.0, 0.999999),
    "eps": (1e-12, 1.0),
    "weight_decay": (0.0, 1.0),
    "momentum": (0.0, 0.999),
    "coordinate": 1e3,  # |start x|, |start y|
    "surface_n": 200,  # a landscape surface grid is at most n x n
    "layers": 4,  # hidden layers
    "width": 64,  # units per hidden layer
    "n_samples": 2000,
    "noise": (0.0, 1.0),
    "seed": 2**31 - 1,
    "batch_size": (1, 2000),
    "epochs_per_stream": 500,  # epochs one stream request may run
    "sessions": 32,  # live training sessions (one per browser tab); the oldest idle goes first
    "session_idle_seconds": 1800,
}


class BadRequest(ValueError):
    """A request the explorer refuses: answered with HTTP 400 and this message."""


def _where(field: str) -> str:
    return f"'{field}'"


def only_fields(body: Mapping[str, Any], allowed: Iterable[str]) -> None:
    """Refuse a field the endpoint does not know (a typo would otherwise be ignored)."""
    if not isinstance(body, Mapping):
        raise BadRequest(f"the request body must be a JSON object, got {type(body).__name__}")
    allowed = set(allowed)
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise BadRequest(f"unknown field(s) {', '.join(map(repr, unknown))}; "
                         f"this endpoint takes: {', '.join(sorted(allowed))}")


def number(body: Mapping[str, Any], field: str, low: float, high: float,
           default: float | None = None, log: bool = False) -> float:
    """A finite number in [low, high] (``default`` when absent; required when None)."""
    value = body.get(field, default)
    if value is None:
        raise BadRequest(f"{_where(field)} is required: a number in [{low:g}, {high:g}]")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise BadRequest(f"{_where(field)} must be a number in [{low:g}, {high:g}], "
                         f"got {value!r:.40}")
    value = float(value)
    if not math.isfinite(value) or not low <= value <= high:
        raise BadRequest(f"{_where(field)} must be in [{low:g}, {high:g}], got {value:g}")
    return value


def integer(body: Mapping[str, Any], field: str, low: int, high: int,
            default: int | None = None) -> int:
    """An integer in [low, high] (``default`` when absent; required when None)."""
    value = body.get(field, default)
    if value is None:
        raise BadRequest(f"{_where(field)} is required: an integer in [{low}, {high}]")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadRequest(f"{_where(field)} must be an integer in [{low}, {high}], "
                         f"got {value!r:.40}")
    if not low <= value <= high:
        raise BadRequest(f"{_where(field)} must be in [{low}, {high}], got {value}")
    return value


def choice(body: Mapping[str, Any], field: str, options: Iterable[str],
           default: str | None = None) -> str:
    """One of ``options`` (case and surrounding spaces ignored)."""
    options = list(options)
    value = body.get(field, default)
    if not isinstance(value, str) or value.strip().lower() not in options:
        raise BadRequest(f"{_where(field)} must be one of: {', '.join(options)}; "
                         f"got {value!r:.40}")
    return value.strip().lower()


def boolean(body: Mapping[str, Any], field: str, default: bool = False) -> bool:
    value = body.get(field, default)
    if not isinstance(value, bool):
        raise BadRequest(f"{_where(field)} must be true or false, got {value!r:.40}")
    return value


def int_list(body: Mapping[str, Any], field: str, low: int, high: int, max_len: int,
             default: list[int] | None = None) -> list[int]:
    """A list of at most ``max_len`` integers, each in [low, high] (may be empty)."""
    value = body.get(field, default)
    if not isinstance(value, list) or len(value) > max_len:
        raise BadRequest(f"{_where(field)} must be a list of at most {max_len} integers in "
                         f"[{low}, {high}], e.g. [8, 8]; got {value!r:.40}")
    return [integer({field: v}, field, low, high) for v in value]


_SESSION = re.compile(r"^[0-9a-f]{32}$")


def session_id(body: Mapping[str, Any], field: str = "session") -> str:
    """A session token as ``/api/session`` hands them out (32 hex digits)."""
    value = body.get(field)
    if not isinstance(value, str) or not _SESSION.match(value):
        raise BadRequest(f"{_where(field)} must be the token from POST /api/session "
                         f"(32 hex digits), got {value!r:.40}")
    return value
