"""What every reproduced paper gives: the claim, what adamlab measured, and a figure."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Paper", "Result"]


@dataclass
class Result:
    """One reproduction. ``holds``: whether the measured numbers bear the claim out, by the
    check named in ``measured``; ``numbers``: the JSON-able figures behind it; ``figure``: a
    matplotlib Figure (not serialised)."""

    name: str
    claim: str
    measured: str
    holds: bool
    numbers: dict[str, Any]
    scale: str
    figure: Any = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {"paper": self.name, "claim": self.claim, "measured": self.measured,
                "holds": self.holds, "scale": self.scale, **self.numbers}


@dataclass(frozen=True)
class Paper:
    """A registry row: the paper, what it claims, and ``run(quick) -> Result``."""

    citation: str
    claim: str
    run: Callable[[bool], Result]
