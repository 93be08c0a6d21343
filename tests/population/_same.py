"""What "a member equals its single run" means: every field of ``experiment.run``'s result but
the wall-clock ones (``seconds``, the history's ``time``)."""

from __future__ import annotations

from typing import Any


def comparable(result: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in result.items() if k != "seconds"}
    out["history"] = {k: v for k, v in result["history"].items() if k != "time"}
    return out


def assert_same(population: dict[str, Any], single: dict[str, Any]) -> None:
    a, b = comparable(population), comparable(single)
    for key in b:
        assert a[key] == b[key], f"{key}: population {a[key]!r:.300} != single {b[key]!r:.300}"
    assert set(a) == set(b)
