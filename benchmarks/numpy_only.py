"""The NumPy-only install as a contender: a workload's adamlab run in a child process started
with ``ADAMLAB_JIT=0``, so that adamlab uses none of its compiled kernels (what a Python without
numba wheels gets; numba is a dependency everywhere else).

The child builds the workload's ``adamlab_fit(settings, *args)`` once, then runs it each time
the parent asks (one line on a pipe) and answers when done. The parent's call is what
``take_turns`` times, so the NumPy-only run takes its turn with the other contenders round by
round, under the same load; the pipe's round trip (~0.1 ms) is all it adds.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

_CHILD = """
import json, sys
sys.path.insert(0, {here!r})
import importlib
from common import Settings
args = json.loads(sys.argv[1])
module = importlib.import_module(args["module"])
fit = module.adamlab_fit(Settings(quick=args["quick"]), *args["args"])
print("ready", flush=True)
for line in sys.stdin:
    fit()
    print("done", flush=True)
"""


class NumpyOnly:
    """``NumpyOnly("tabular", settings)()`` runs tabular's adamlab fit once, NumPy only."""

    def __init__(self, module: str, settings, *args) -> None:
        env = {**os.environ, "ADAMLAB_JIT": "0"}
        spec = json.dumps({"module": module, "quick": settings.quick, "args": list(args)})
        self._child = subprocess.Popen(
            [sys.executable, "-c", _CHILD.format(here=str(HERE)), spec], env=env, text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self._expect("ready")

    def _expect(self, word: str) -> None:
        line = self._child.stdout.readline().strip()
        if line != word:
            self.close()
            raise RuntimeError(f"the NumPy-only child said {line!r}, not {word!r}")

    def __call__(self) -> None:
        self._child.stdin.write("go\n")
        self._child.stdin.flush()
        self._expect("done")

    def close(self) -> None:
        if self._child.poll() is None:
            self._child.stdin.close()
            self._child.wait(timeout=60)
