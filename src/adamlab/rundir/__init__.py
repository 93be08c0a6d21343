"""Runs on disk: the one owner of a run directory's format.

* :mod:`~adamlab.rundir.directory` — a new or given directory, its lock, atomic writes into it;
* :mod:`~adamlab.rundir.description` — what a run is (settings, data, standardiser, status),
  its reader and writer, and the format version;
* :mod:`~adamlab.rundir.outputs` — the files a run holds and when it is complete;
* :mod:`~adamlab.rundir.training` — a run started or resumed, trained and written
  (:class:`Run`), and a finished run read back (:class:`Saved`).

``adamlab train``, ``--resume``, ``predict``, ``compare`` and ``sweep`` read and write their
directories through here; the CLI only parses options and reports.
"""

from adamlab.rundir.description import VERSION, DataDescription, RunDescription
from adamlab.rundir.directory import LOCK, Lock, new_run_dir, remove_temporaries
from adamlab.rundir.errors import RunError
from adamlab.rundir.outputs import CHECKPOINT, SUMMARY
from adamlab.rundir.training import Result, Run, Saved

__all__ = ["CHECKPOINT", "DataDescription", "LOCK", "Lock", "Result", "Run", "RunDescription",
           "RunError", "SUMMARY", "Saved", "VERSION", "new_run_dir", "remove_temporaries"]
