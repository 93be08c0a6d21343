"""Shared pieces of the benchmarks: results, timing by turns, optional peers, settings."""

from __future__ import annotations

import gc
import importlib.util
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Settings:
    """What ``run.py`` was asked for: ``quick`` shrinks the data and the repeats."""

    quick: bool = False
    repeat: int = 3


@dataclass
class Result:
    """One contender on one workload: the median of its timed runs and what it achieved."""

    workload: str
    contender: str
    value: float | None  # median seconds (or MiB, see unit); None when skipped
    runs: list[float] = field(default_factory=list)
    unit: str = "s"
    info: str = ""  # accuracy, GB/s, fraction of peak, ...
    skipped: str = ""  # why, when skipped
    reference: bool = False  # the adamlab row the others' ratios are taken against


@dataclass
class Target:
    """A target of the issue, judged on the row of ``contender`` (None: could not be judged)."""

    workload: str
    contender: str
    text: str
    met: bool | None
    detail: str = ""


def have(module: str) -> bool:
    """Is ``module`` importable (without importing it)?"""
    return importlib.util.find_spec(module) is not None


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """Wall-clock seconds of one call (garbage collected before, not during), and its value."""
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter()
        value = fn()
        return time.perf_counter() - start, value
    finally:
        gc.enable()


def take_turns(contenders: dict[str, Callable[[], Any]], repeat: int,
               warmup: bool = True) -> dict[str, tuple[list[float], Any]]:
    """Run the contenders in turn, ``repeat`` rounds (after one untimed warm-up round that
    compiles, imports and fills caches), so that a change in the machine's load hits all of them
    alike. Returns each one's times and the value of its last run."""
    out: dict[str, tuple[list[float], Any]] = {name: ([], None) for name in contenders}
    if warmup:
        for fn in contenders.values():
            fn()
    for _ in range(repeat):
        for name, fn in contenders.items():
            seconds, value = timed(fn)
            out[name][0].append(seconds)
            out[name] = (out[name][0], value)
    return out


def median(xs: list[float]) -> float:
    return statistics.median(xs)


def paired_ratio(numerator: list[float], denominator: list[float]) -> float:
    """The median over rounds of ``numerator[i] / denominator[i]``: each ratio is taken within
    one round of ``take_turns``, whose contenders ran back to back, so a change in the machine's
    load between rounds cancels out of it (a ratio of medians mixes rounds). Targets are
    judged on this ratio."""
    return statistics.median(a / b for a, b in zip(numerator, denominator, strict=True))


def paired_note(numerator: list[float], denominator: list[float]) -> str:
    """How ``paired_ratio`` was taken, with the range of the per-round ratios."""
    ratios = [a / b for a, b in zip(numerator, denominator, strict=True)]
    return f"(paired; rounds {min(ratios):.2f}–{max(ratios):.2f})"


def paired_target(workload: str, peer: str, text: str, timings: dict[str, tuple[list[float], Any]],
                  ours: str, met: Callable[[float], bool], adamlab_over_peer: bool = False,
                  detail: str = "") -> Target:
    """The target ``text`` against ``peer``, judged by ``met`` on the paired ratio of the
    peer's time over adamlab's (``ours``): how many times faster adamlab is; with
    ``adamlab_over_peer``, adamlab's over the peer's: how many times the peer's time adamlab
    takes. Not judged ("skipped") when the peer did not run."""
    if peer not in timings:
        return Target(workload, peer, text, None, "skipped")
    num, den = timings[peer][0], timings[ours][0]
    if adamlab_over_peer:
        num, den = den, num
    r = paired_ratio(num, den)
    said = f"adamlab takes {r:.2f}x its time" if adamlab_over_peer else f"{r:.2f}x"
    return Target(workload, peer, text, met(r), f"{said} {paired_note(num, den)}{detail}")


def missing_peer(workload: str, peer: str, timings: dict[str, Any],
                 why: str = "torch not installed") -> list[Result]:
    """The table's row for a peer that did not run (none when it did)."""
    return [] if peer in timings else [Result(workload, peer, None, skipped=why)]


def fmt_value(s: float | None, unit: str = "s") -> str:
    if s is None:
        return "-"
    if unit != "s":
        return f"{s:.1f} {unit}"
    if s >= 1:
        return f"{s:.2f} s"
    if s >= 1e-3:
        return f"{s * 1e3:.1f} ms"
    return f"{s * 1e6:.0f} µs"
