"""A grid's directory (``adamlab sweep``, ``adamlab compare``): what it runs, recorded before
the first run, and each run kept the moment it finishes, so that an interrupted grid loses only
the runs in progress and ``--resume DIR`` runs only what is missing.

On disk::

    DIR/grid.json          written first: the command, its grid options (optimizers, lrs,
                           seeds), the base settings, every run's settings in grid order, and
                           each data file's size and SHA-256
    DIR/runs/00007.json    run 7: {"index", "settings", "result"}, written atomically as it ends

A run is kept when its record reads back whole and its settings are the grid's run of that
index. A failed run (it raised, or was lost on a cluster) is recorded too, to be read, but
counts as missing: ``--resume`` runs it again. The outputs are made from the records: every
result is taken as its record reads back (floats exactly, by ``repr``; a non-finite float as
``{"$float": "inf"}``), by an uninterrupted grid too, so one resumed any number of times writes
the same numbers.

Executors are anything yielding ``(index, result)`` pairs as runs finish, one by one or a
population at a time (``sweep.run_local``, ``sweep.run_dask``, the population runners):
:meth:`Grid.run` hands them the missing runs and writes each pair as it comes.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from adamlab.atomic import json_text
from adamlab.rundir.directory import remove_temporaries, write_json, write_text
from adamlab.rundir.errors import RunError

__all__ = ["DESCRIPTION", "RUNS", "Grid", "data_files"]

DESCRIPTION = "grid.json"
RUNS = "runs"
FORMAT, VERSION = "adamlab-grid", 1
_RECORD = re.compile(r"(\d+)\.json")
Execute = Callable[[list[dict[str, Any]]], Iterable[tuple[int, dict[str, Any]]]]


@dataclass
class Grid:
    """A grid's directory: its description and the results kept so far (index -> result)."""

    directory: Path
    command: str
    options: dict[str, Any]
    settings: dict[str, Any]
    tasks: list[dict[str, Any]]
    data: dict[str, Any]
    kept: dict[int, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def start(cls, directory: Path, command: str, options: dict[str, Any],
              settings: dict[str, Any], tasks: Sequence[dict[str, Any]],
              data_name: str | None = None) -> Grid:
        """Record the grid in ``directory`` (new, locked by the caller) before any run;
        ``data_name``: the data set's name, for the outputs' titles."""
        g = cls(Path(directory), command, _plain(options), _plain(settings),
                _plain(list(tasks)), {"name": data_name, **data_files(tasks[0])})
        (g.directory / RUNS).mkdir(exist_ok=True)
        write_json(g.directory / DESCRIPTION, {
            "format": FORMAT, "version": VERSION, "command": command, "options": g.options,
            "settings": g.settings, "data": g.data, "tasks": g.tasks})
        return g

    @classmethod
    def load(cls, directory: Path, command: str) -> Grid:
        """The grid recorded in ``directory`` and its kept runs; a RunError saying what is
        wrong (not a grid, another command's, its data changed, a record not its run's)."""
        d = Path(directory)
        where = f"--resume {d}"
        try:
            doc = json.loads((d / DESCRIPTION).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise RunError(f"{where}: no {DESCRIPTION}, so not the directory of an adamlab "
                           f"{command} (a train run resumes with adamlab train --resume)"
                           ) from None
        except (OSError, ValueError) as e:
            raise RunError(f"{where}: {DESCRIPTION} cannot be read ({e})") from None
        ok = (isinstance(doc, dict) and doc.get("format") == FORMAT
              and isinstance(doc.get("tasks"), list) and doc["tasks"]
              and all(isinstance(t, dict) for t in doc["tasks"])
              and all(isinstance(doc.get(k), dict) for k in ("options", "settings", "data")))
        if not ok:
            raise RunError(f"{where}: {DESCRIPTION} is not an adamlab grid description")
        if doc.get("version") != VERSION:
            raise RunError(f"{where}: {DESCRIPTION} is of format version {doc.get('version')!r}"
                           f"; this adamlab reads version {VERSION}")
        if doc.get("command") != command:
            raise RunError(f"{where}: the directory of an adamlab {doc.get('command')}; resume "
                           f"it with adamlab {doc.get('command')} --resume {d}")
        g = cls(d, command, doc["options"], doc["settings"], doc["tasks"], doc["data"])
        changed = [f"{path} ({what})" for path, what in _changed(g.data)]
        if changed:
            raise RunError(f"{where}: the data changed since the grid began: "
                           f"{'; '.join(changed)}; the kept runs learned the old data: put it "
                           "back, or start a new grid")
        g._read_records()
        return g

    def _read_records(self) -> None:
        runs = self.directory / RUNS
        if not runs.is_dir():
            return
        for path in sorted(runs.iterdir()):
            m = _RECORD.fullmatch(path.name)
            if m is None:
                continue
            i = int(m.group(1))
            bad = f"--resume {self.directory}: {RUNS}/{path.name} "
            try:
                rec = _untagged(json.loads(path.read_text(encoding="utf-8")))
            except (OSError, ValueError) as e:
                raise RunError(bad + f"cannot be read ({e}); delete it to run that run again"
                               ) from None
            if not (isinstance(rec, dict) and rec.get("index") == i and i < len(self.tasks)
                    and rec.get("settings") == self.tasks[i] and _is_result(rec.get("result"))):
                raise RunError(bad + f"is not a record of this grid's run {i}; delete it to "
                                     "run that run again")
            if rec["result"]["status"] != "failed":
                self.kept[i] = rec["result"]

    def missing(self) -> list[int]:
        """The runs not kept yet, in grid order (a failed run is missing: it runs again)."""
        return [i for i in range(len(self.tasks)) if i not in self.kept]

    def remove_temporaries(self) -> int:
        """Delete what killed writes left here and in ``runs/`` (the caller holds the lock)."""
        runs = self.directory / RUNS
        return remove_temporaries(self.directory) + (
            remove_temporaries(runs) if runs.is_dir() else 0)

    def run(self, execute: Execute,
            on_result: Callable[[int, dict[str, Any]], None] | None = None) -> None:
        """Run the missing runs with ``execute`` (given their settings, it yields
        ``(position among them, result)`` as they finish) and keep each at once."""
        todo = self.missing()
        if not todo:
            return
        pairs = iter(execute([self.tasks[i] for i in todo]))
        try:
            for j, result in pairs:
                kept = self.keep(todo[j], result)
                if on_result is not None:
                    on_result(todo[j], kept)
        finally:
            close = getattr(pairs, "close", None)
            if close is not None:  # an interrupted executor stops its workers
                with warnings.catch_warnings():  # joblib: "tasks ... have been cancelled"
                    warnings.simplefilter("ignore")
                    close()

    def recount(self) -> int:
        """How many runs are kept, read again from ``runs/`` (an interrupt can land between
        a record's rename and its bookkeeping here)."""
        try:
            self._read_records()
        except RunError:
            pass
        return len(self.kept)

    def keep(self, i: int, result: dict[str, Any]) -> dict[str, Any]:
        """Write run ``i``'s record atomically; returns the result as the record reads back."""
        text = json_text({"index": i, "settings": self.tasks[i], "result": _tagged(result)})
        write_text(self.directory / RUNS / f"{i:05d}.json", text)
        kept = _untagged(json.loads(text))["result"]
        if kept["status"] != "failed":
            self.kept[i] = kept
        else:
            self.kept.pop(i, None)
        return kept

    def results(self) -> list[dict[str, Any]]:
        """Every run's result in grid order, failed runs' from their records."""
        out: list[dict[str, Any]] = []
        for i in range(len(self.tasks)):
            if i in self.kept:
                out.append(self.kept[i])
                continue
            path = self.directory / RUNS / f"{i:05d}.json"
            try:
                out.append(_untagged(json.loads(path.read_text(encoding="utf-8")))["result"])
            except (OSError, ValueError, KeyError) as e:
                raise RunError(f"{self.directory}: run {i} has no record ({e})") from None
        return out


def data_files(task: dict[str, Any]) -> dict[str, Any]:
    """``{path: {"bytes", "sha256"}}`` of the data files a run reads (none for a built-in set)."""
    from adamlab.data.files import is_file_source

    paths = []
    if is_file_source(task["data"]):
        paths.append(task["data"])
        target = task.get("target")
        if target and Path(target).suffix.lower() == ".npy":
            paths.append(target)
    return {"files": {p: _fingerprint(Path(p)) for p in paths}}


def _fingerprint(path: Path) -> dict[str, Any]:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return {"bytes": path.stat().st_size, "sha256": h.hexdigest()}


def _changed(data: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for path, was in (data.get("files") or {}).items():
        try:
            now = _fingerprint(Path(path))
        except OSError as e:
            yield path, e.strerror or type(e).__name__
            continue
        if now != was:
            yield path, f"{was.get('bytes')} bytes then, {now['bytes']} now; its SHA-256 differs"


def _is_result(r: Any) -> bool:
    return (isinstance(r, dict) and r.get("status") in ("ok", "diverged", "failed")
            and isinstance(r.get("final"), dict) and isinstance(r.get("history"), dict)
            and isinstance(r.get("settings"), dict))


def _plain(x: Any) -> Any:
    """As JSON reads it back (tuples as lists)."""
    return json.loads(json.dumps(x))


def _tagged(x: Any) -> Any:
    """Non-finite floats as ``{"$float": "inf"}`` (adamlab's JSON has no NaN or Infinity)."""
    if isinstance(x, float) and not math.isfinite(x):
        return {"$float": repr(x)}
    if isinstance(x, dict):
        return {k: _tagged(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_tagged(v) for v in x]
    return x


def _untagged(x: Any) -> Any:
    if isinstance(x, dict):
        if set(x) == {"$float"} and x["$float"] in ("nan", "inf", "-inf"):
            return float(x["$float"])
        return {k: _untagged(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_untagged(v) for v in x]
    return x
